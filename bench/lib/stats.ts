/** Summary of a set of latency samples, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** Mean, nearest-rank percentiles, min and max of `samples` (not modified). Throws on an empty set. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const count = samples.length;
  if (count === 0) throw new RangeError("cannot summarize an empty set of samples");
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count,
    meanMs: sum / count,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[count - 1] ?? Number.NaN,
  };
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p % of samples ≤ it. */
export function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
