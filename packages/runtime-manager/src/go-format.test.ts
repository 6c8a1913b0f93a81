import { describe, expect, it } from "vitest";
import { formatGoStringSlice, goJsonMarshal, goQuote } from "./go-format.js";

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
