import { type LatencySummary, summarize } from "../lib/stats.js";

/** Something measured: one client's call. */
export interface Subject<K extends string> {
  readonly key: K;
  /** Performs one call; rejects on failure (a failed call aborts the measurement). */
  readonly call: () => Promise<unknown>;
}

/** How to measure one method at one concurrency, for several subjects. */
export interface MeasureOptions<K extends string> {
  readonly subjects: readonly Subject<K>[];
  /** Calls in flight at any time: 1 measures latency, more measures throughput under load. */
  readonly concurrency: number;
  /** Measured calls per subject, unless `budgetMs` allows fewer. */
  readonly maxCalls: number;
  /** Calls each subject makes before measuring (JIT, connection, server caches); not recorded. */
  readonly warmupCalls: number;
  /**
   * Rough time budget of each subject's measured calls, in ms. The warm-up estimates the cost of a call (the
   * slowest subject's); when `maxCalls` would take longer than the budget, every subject makes fewer calls,
   * the same number, never fewer than `minCalls`.
   */
  readonly budgetMs: number;
  /** Default 30. */
  readonly minCalls?: number;
  /**
   * The measured calls are split into this many rounds; each round runs every subject in turn, starting with
   * a different one each round, so drift (the server warming up, other load on the machine) spreads over all
   * subjects instead of penalising the first. Default 5.
   */
  readonly rounds?: number;
}

/** The outcome for one subject. */
export interface Measurement {
  /** Measured calls (warm-up excluded). */
  readonly calls: number;
  readonly concurrency: number;
  /** Wall time of the measured calls (the sum over rounds). */
  readonly elapsedMs: number;
  /** Calls per second: `calls / elapsed`. */
  readonly callsPerSecond: number;
  /** Per-call latency (from the call's start to its response), queueing in the client included. */
  readonly latency: LatencySummary;
}

/** Warms every subject up, then measures them in interleaved rounds. */
export async function measure<K extends string>(options: MeasureOptions<K>): Promise<Map<K, Measurement>> {
  const { subjects, concurrency, maxCalls, warmupCalls, budgetMs } = options;
  const rounds = Math.max(1, options.rounds ?? 5);
  const minCalls = Math.min(options.minCalls ?? 30, maxCalls);

  let slowestMsPerCall = 0;
  for (const subject of subjects) {
    const warmup = await runCalls(subject.call, Math.max(warmupCalls, concurrency), concurrency);
    slowestMsPerCall = Math.max(slowestMsPerCall, warmup.elapsedMs / warmup.samples.length);
  }
  const calls = Math.max(
    minCalls,
    Math.min(maxCalls, Math.floor(budgetMs / Math.max(slowestMsPerCall, 1e-3))),
  );
  const perRound = Math.ceil(calls / rounds);

  const samples = new Map(subjects.map((s) => [s.key, [] as Float64Array[]]));
  const elapsed = new Map(subjects.map((s) => [s.key, 0]));
  for (let round = 0; round < rounds; round++) {
    const callsThisRound = Math.min(perRound, calls - round * perRound);
    if (callsThisRound <= 0) break;
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(round + i) % subjects.length];
      if (subject === undefined) continue;
      const result = await runCalls(subject.call, callsThisRound, concurrency);
      samples.get(subject.key)?.push(result.samples);
      elapsed.set(subject.key, (elapsed.get(subject.key) ?? 0) + result.elapsedMs);
    }
  }

  const measurements = new Map<K, Measurement>();
  for (const subject of subjects) {
    const all = concat(samples.get(subject.key) ?? []);
    const elapsedMs = elapsed.get(subject.key) ?? Number.NaN;
    measurements.set(subject.key, {
      calls: all.length,
      concurrency,
      elapsedMs,
      callsPerSecond: (all.length * 1000) / elapsedMs,
      latency: summarize(all),
    });
  }
  return measurements;
}

/** The outcome of {@link measureSync}. */
export interface SyncMeasurement {
  readonly iterations: number;
  readonly latency: LatencySummary;
}

/** Times `fn` `iterations` times after `warmupIterations` untimed runs (for CPU-bound work, e.g. decoding). */
export function measureSync(
  fn: () => unknown,
  iterations: number,
  warmupIterations: number,
): SyncMeasurement {
  for (let i = 0; i < warmupIterations; i++) fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn();
    samples[i] = performance.now() - start;
  }
  return { iterations, latency: summarize(samples) };
}

/** Makes `calls` calls with `concurrency` in flight; returns each call's latency and the wall time. */
async function runCalls(
  call: () => Promise<unknown>,
  calls: number,
  concurrency: number,
): Promise<{ samples: Float64Array; elapsedMs: number }> {
  const samples = new Float64Array(calls);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < calls; i = next++) {
      const start = performance.now();
      await call();
      samples[i] = performance.now() - start;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  return { samples, elapsedMs: performance.now() - start };
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
