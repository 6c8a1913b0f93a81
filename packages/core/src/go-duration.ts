// Go's duration text, which kubelet messages and configuration use ("10s", "1m20s", "5m0s").

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
