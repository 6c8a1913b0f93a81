// Text formats the Go kubelet produces with fmt and encoding/json, reproduced so that messages, keys and
// annotations written by this package are byte-identical to the kubelet's.

/** `format.Pod`: `<name>_<namespace>(<uid>)`, the pod description in kubelet messages. */
export function formatPodDesc(pod: { name: string; namespace: string; uid: string }): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}

const UNITS: readonly (readonly [number, string])[] = [
  [3_600_000, "h"],
  [60_000, "m"],
];

/**
 * Go's `time.Duration.String()` for a duration in ms: `0s`, `500ms`, `10s`, `1m20s`, `5m0s`, `1h0m0s`,
 * `1.5s`. Sub-millisecond fractions are printed as Go would (`1.5ms`).
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trimFraction(rest)}ms`;
  let out = "";
  let started = false;
  for (const [unitMs, suffix] of UNITS) {
    const whole = Math.floor(rest / unitMs);
    if (whole > 0 || started) {
      out += `${whole}${suffix}`;
      started = true;
    }
    rest -= whole * unitMs;
  }
  return `${sign}${out}${trimFraction(rest / 1000)}s`;
}

function trimFraction(value: number): string {
  // Up to nanosecond precision, trailing zeros dropped, as Go prints fractions.
  const fixed = value.toFixed(9);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
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
