// Go's duration text, which kubelet messages and configuration use ("10s", "1m20s", "5m0s"): printed
// as `time.Duration.String()` does, and parsed as `time.ParseDuration` (what `metav1.Duration` fields use).

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

const NS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1_000,
  µs: 1_000, // U+00B5 MICRO SIGN
  μs: 1_000, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000,
  s: 1_000_000_000,
  m: 60_000_000_000,
  h: 3_600_000_000_000,
};

/** 2^63 - 1 ns, the largest Go `time.Duration` (as a double: 2^63). */
const MAX_GO_DURATION_NS = 2 ** 63;

/** One `<number><unit>` group of a Go duration, e.g. `1.5h` or `.25s`. */
const GROUP = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/**
 * Parses a Go duration string (Go's `time.ParseDuration`, which `metav1.Duration` uses): an optional sign,
 * then one or more `<decimal><unit>` groups with units `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`, e.g. `20s`,
 * `1m0s`, `1h30m`, `1.5s`, `-2m`. `"0"` alone is zero. Returns milliseconds (fractional below 1 ms).
 * Throws a `TypeError` saying what is wrong, in Go's words where it has them.
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new TypeError(`invalid duration ${quoted}`);
  let totalNs = 0;
  while (rest !== "") {
    const match = GROUP.exec(rest);
    if (match === null) {
      // Go distinguishes a number without a unit from anything else.
      if (/^\d*\.?\d*$/.test(rest)) throw new TypeError(`missing unit in duration ${quoted}`);
      throw new TypeError(`invalid duration ${quoted}`);
    }
    const [group, whole = "", fraction = "", unit = ""] = match;
    if (whole === "" && fraction === "") throw new TypeError(`invalid duration ${quoted}`);
    const nsPerUnit = NS_PER_UNIT[unit];
    if (nsPerUnit === undefined)
      throw new TypeError(`unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    // Whole and fractional parts apart, so "1.001s" is exactly 1 001 000 000 ns.
    totalNs += Number(whole === "" ? "0" : whole) * nsPerUnit;
    if (fraction !== "") totalNs += Math.round(Number(`0.${fraction}`) * nsPerUnit);
    rest = rest.slice(group.length);
  }
  // Go's Duration is an int64 of nanoseconds: about 292 years.
  if (totalNs > MAX_GO_DURATION_NS) throw new TypeError(`invalid duration ${quoted}`);
  return (sign * totalNs) / 1_000_000;
}
