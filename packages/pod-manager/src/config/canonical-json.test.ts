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

  it("writes what JSON.stringify writes for the same value with its keys sorted", () => {
    const sortKeys = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortKeys);
      if (value === null || typeof value !== "object" || value instanceof Date) return value;
      const record = value as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(record)
          .sort()
          .map((key) => [key, sortKeys(record[key])]),
      );
    };
    const value = {
      'z"key': ["plain", 'quote " and backslash \\', "tab\tnewline\n\u0000\u001f\u007f", "é ü 😀 \u2028"],
      lone: ["\ud800", "a\udfffb", "\ud83d\ude00"],
      numbers: [0, -0, 1.5, -2e-7, 1e21, 123456789012345680000, Number.NaN, Number.POSITIVE_INFINITY],
      nested: { b: [true, false, null, undefined, () => 1], a: {}, "": [] },
      when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
      skipped: undefined,
    };
    expect(canonicalJson(value)).toBe(JSON.stringify(sortKeys(value)));
  });
});
