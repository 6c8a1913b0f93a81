// The JSON fast path of the manifest decoder. JSON is YAML, but a YAML parser spends about a hundred times
// longer on a small JSON manifest than `JSON.parse` does, so text that looks like JSON is tried as JSON first.

/** Outcome of {@link parseJsonManifest}: the parsed value, or `undefined` when the YAML path must decide. */
export type JsonManifest = { readonly value: unknown } | undefined;

/**
 * Parses `text` with `JSON.parse` when its first non-whitespace character is `{` or `[`. Returns `undefined`
 * (leaving the text to the YAML parser, which gives the same value for any JSON it accepts and reports every
 * problem) when the text does not start that way, is not valid JSON (YAML flow style, a comment, a second
 * document), or repeats a key within one object, which `JSON.parse` would silently resolve to the last value
 * where the YAML parser rejects the manifest.
 */
export function parseJsonManifest(text: string): JsonManifest {
  const first = firstNonWhitespace(text);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateKey(text) ? undefined : { value };
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** JSON's whitespace (space, tab, line feed, carriage return); -1 when the text is blank. */
function firstNonWhitespace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isJsonWhitespace(code)) return code;
  }
  return -1;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * True when some object in `text` has the same key twice. `text` must be valid JSON (it has just been
 * parsed): every string is then well formed, and a string is a key exactly when a `:` follows it. Keys with
 * escapes are compared by what they decode to (`"a"` and `"\u0061"` are the same key).
 */
function hasDuplicateKey(text: string): boolean {
  // One entry per open object or array: the keys seen so far, or `undefined` for an array.
  const open: (Set<string> | undefined)[] = [];
  const length = text.length;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const start = i;
      let escaped = false;
      i++;
      while (i < length) {
        const inner = text.charCodeAt(i);
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) {
          escaped = true;
          i += 2;
        } else {
          i++;
        }
      }
      i++;
      let next = i;
      while (next < length && isJsonWhitespace(text.charCodeAt(next))) next++;
      if (text.charCodeAt(next) !== COLON) continue;
      const keys = open.at(-1);
      if (keys === undefined) continue;
      const key = escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
      if (keys.has(key)) return true;
      keys.add(key);
      i = next + 1;
      continue;
    }
    if (code === OPEN_BRACE) open.push(new Set());
    else if (code === OPEN_BRACKET) open.push(undefined);
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) open.pop();
    i++;
  }
  return false;
}
