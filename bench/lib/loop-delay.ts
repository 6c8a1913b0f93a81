// Event-loop delay as the benchmarks report it, from Node's `monitorEventLoopDelay` histogram.
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";

/** The histogram's sampling interval, in ms. */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/** Event-loop delay over a window, in ms; NaN when the histogram has no sample. */
export interface LoopDelay {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Samples in the window (one per sampling interval that the loop honoured). */
  readonly samples: number;
}

/** A histogram sampling every {@link LOOP_DELAY_RESOLUTION_MS}, not yet enabled. */
export function createLoopDelayHistogram(): IntervalHistogram {
  return monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
}

/**
 * Reads `histogram`. Node's histogram records the time between two of its ticks, so an idle loop shows
 * the resolution: it is subtracted from every figure.
 */
export function readLoopDelay(histogram: IntervalHistogram): LoopDelay {
  const samples = histogram.count;
  const delay = (ns: number): number =>
    samples === 0 ? Number.NaN : Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
  return {
    p50Ms: delay(histogram.percentile(50)),
    p99Ms: delay(histogram.percentile(99)),
    maxMs: delay(histogram.max),
    samples,
  };
}
