/**
 * A stable text form of a JSON-like value: object keys sorted by code unit, no whitespace, `undefined`
 * members dropped (as `JSON.stringify` does), `Date`s as ISO-8601 strings. Two values that mean the same
 * manifest (key order, YAML vs JSON, comments) give the same text.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? "null";
}

/** Characters `JSON.stringify` escapes in a string (or may: surrogates, when unpaired). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON must escape.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as `JSON.stringify` writes it; plain strings (nearly all of a manifest's) skip the escaper. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      // JSON has no NaN or Infinity; JSON.stringify writes null for them, and so do we. For finite numbers
      // String() and JSON.stringify() agree (both write -0 as 0).
      return Number.isFinite(value) ? String(value) : "null";
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    default:
      break;
  }
  if (value === null) return "null";
  if (value instanceof Date) return quote(value.toISOString());
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      text += write(value[i]) ?? "null";
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  let text = "";
  for (const key of Object.keys(record).sort()) {
    const member = write(record[key]);
    if (member === undefined) continue;
    text += `${text === "" ? "" : ","}${quote(key)}:${member}`;
  }
  return `{${text}}`;
}
