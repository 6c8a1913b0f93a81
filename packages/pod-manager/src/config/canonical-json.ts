/**
 * A stable text form of a JSON-like value: object keys sorted by code unit, no whitespace, `undefined`
 * members dropped (as `JSON.stringify` does), `Date`s as ISO-8601 strings. Two values that mean the same
 * manifest (key order, YAML vs JSON, comments) give the same text.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? "null";
}

function write(value: unknown): string | undefined {
  if (value === null) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      // JSON has no NaN or Infinity; JSON.stringify writes null for them, and so do we.
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    default:
      break;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => write(item) ?? "null").join(",")}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const text = write(record[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(",")}}`;
}
