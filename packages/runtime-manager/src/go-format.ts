// Text formats the Go kubelet produces with fmt and encoding/json, reproduced so that messages, keys and
// annotations written by this package are byte-identical to the kubelet's.

export { formatGoDuration } from "@kubelet-kit/core";

/** `format.Pod`: `<name>_<namespace>(<uid>)`, the pod description in kubelet messages. */
export function formatPodDesc(pod: { name: string; namespace: string; uid: string }): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}

/** Go's `%v` of a `[]string`: `[a b c]`. */
export function formatGoStringSlice(values: readonly string[]): string {
  return `[${values.join(" ")}]`;
}

/** Go's `%q` (strconv.Quote) of a string: double quotes, Go escapes for control characters. */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\u0007":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/**
 * `encoding/json.Marshal` of a value whose keys are already in the order Go would write them: like
 * `JSON.stringify`, plus Go's escaping of `<`, `>`, `&`, U+2028 and U+2029 inside strings.
 */
export function goJsonMarshal(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
