import { describe, expect, it } from "vitest";
import { goQuote } from "./go-quote.js";

describe("goQuote", () => {
  it("quotes like Go's %q: named escapes for quotes, backslashes and common controls", () => {
    expect(goQuote('a "b"\\\n\t\r')).toBe('"a \\"b\\"\\\\\\n\\t\\r"');
    expect(goQuote("\u0007\b\f\v")).toBe('"\\a\\b\\f\\v"');
  });

  it("writes other ASCII controls and DEL as \\x escapes", () => {
    expect(goQuote("\u0001\u001b\u007f")).toBe('"\\x01\\x1b\\x7f"');
  });

  it("keeps printable Unicode and escapes what Go would not print", () => {
    expect(goQuote("é€日本 ok")).toBe('"é€日本 ok"');
    expect(goQuote("\u0085\u00a0\u200b\u2028")).toBe('"\\u0085\\u00a0\\u200b\\u2028"');
    expect(goQuote("\u{e0001}")).toBe('"\\U000e0001"');
    expect(goQuote("😀")).toBe('"😀"');
  });

  it("prints a lone surrogate as the replacement character", () => {
    expect(goQuote("a\ud800b")).toBe('"a\ufffdb"');
  });

  it("quotes the empty string as two quotes", () => {
    expect(goQuote("")).toBe('""');
  });
});
