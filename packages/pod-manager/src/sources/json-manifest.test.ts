import { describe, expect, it } from "vitest";
import { parseJsonManifest } from "./json-manifest.js";

describe("JSON fast path of the manifest decoder", () => {
  it("parses text that starts with { or [ after whitespace", () => {
    expect(parseJsonManifest(' \n\t{"kind": "Pod", "spec": {"a": [1, {"b": null}]}}\n')).toEqual({
      value: { kind: "Pod", spec: { a: [1, { b: null }] } },
    });
    expect(parseJsonManifest("[1, 2]")).toEqual({ value: [1, 2] });
  });

  it.each([
    ["YAML", "kind: Pod\n"],
    ["a JSON scalar", '"Pod"'],
    ["an empty text", "  \n"],
    ["a byte order mark before the brace", '\ufeff{"kind": "Pod"}'],
    ["YAML flow style", "{kind: Pod}"],
    ["JSON followed by a comment", '{"kind": "Pod"} # the pod'],
    ["two documents", '{"kind": "Pod"}\n---\n{"kind": "Pod"}'],
    ["cut-off JSON", '{"kind": "Pod"'],
  ])("leaves %s to the YAML parser", (_, text) => {
    expect(parseJsonManifest(text)).toBeUndefined();
  });

  it.each([
    ["at the top", '{"kind": "Pod", "kind": "Pod"}'],
    [
      "deep inside a list",
      '{"spec": {"containers": [{"name": "a"}, {"name": "b", "image": "x", "name": "c"}]}}',
    ],
    ["written with an escape", '{"metadata": {"name": "a", "n\\u0061me": "b"}}'],
  ])("leaves a repeated key %s to the YAML parser, which rejects it", (_, text) => {
    expect(parseJsonManifest(text)).toBeUndefined();
  });

  it("does not mistake equal keys of different objects, or key-like values, for repeated keys", () => {
    const text =
      '{"name": "a", "spec": {"name": "b", "items": [{"name": "c"}, {"name": "d"}]}, "note": "\\"name\\": x", "n": {}}';
    expect(parseJsonManifest(text)).toEqual({ value: JSON.parse(text) });
  });
});
