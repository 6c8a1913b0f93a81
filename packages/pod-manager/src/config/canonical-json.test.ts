import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonical JSON", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, 2], c: "x" } })).toBe('{"a":{"c":"x","d":[3,1,2]},"b":1}');
  });

  it("gives the same text for the same content written in a different key order", () => {
    const one = {
      metadata: { name: "web", labels: { a: "1", b: "2" } },
      spec: { containers: [{ name: "c", image: "i" }] },
    };
    const two = {
      spec: { containers: [{ image: "i", name: "c" }] },
      metadata: { labels: { b: "2", a: "1" }, name: "web" },
    };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it("drops undefined members, writes dates as ISO strings and non-finite numbers as null", () => {
    expect(canonicalJson({ a: undefined, b: new Date(0), c: Number.NaN, d: [undefined] })).toBe(
      '{"b":"1970-01-01T00:00:00.000Z","c":null,"d":[null]}',
    );
  });
});
