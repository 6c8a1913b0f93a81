import { describe, expect, it } from "vitest";
import { formatGoDuration, formatGoStringSlice, goJsonMarshal, goQuote } from "./go-format.js";

describe("formatGoDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [10_000, "10s"],
    [20_000, "20s"],
    [80_000, "1m20s"],
    [160_000, "2m40s"],
    [300_000, "5m0s"],
    [3_600_000, "1h0m0s"],
    [1_500, "1.5s"],
    [1.5, "1.5ms"],
  ])("prints %d ms as Go's time.Duration does: %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe("Go text formats", () => {
  it("quotes like %q, escaping quotes, backslashes and control characters", () => {
    expect(goQuote('a "b"\\\n\t\u0001é')).toBe('"a \\"b\\"\\\\\\n\\t\\x01é"');
  });

  it("prints a string slice like %v", () => {
    expect(formatGoStringSlice(["sh", "-c", "exit 1"])).toBe("[sh -c exit 1]");
  });

  it("escapes HTML characters in JSON as encoding/json does", () => {
    expect(goJsonMarshal({ a: "<b>&" })).toBe('{"a":"\\u003cb\\u003e\\u0026"}');
  });
});
