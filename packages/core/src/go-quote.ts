// Go's `%q` of a string (`strconv.Quote`), which kubelet messages use to quote commands, addresses and
// names. Kept byte-for-byte so messages built here read as the kubelet's do.

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/**
 * Go's `%q` (`strconv.Quote`) of a string: double quotes; `\a \b \f \n \r \t \v`, `\"` and `\\`; other
 * ASCII controls and DEL as `\xHH`; any other character Go would not print as `\uHHHH` or `\UHHHHHHHH`.
 * A lone UTF-16 surrogate (no UTF-8 form) prints as U+FFFD, as Go prints invalid text.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) {
      out += named;
      continue;
    }
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) out += "\ufffd";
    else if (PRINTABLE.test(char)) out += char;
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}
