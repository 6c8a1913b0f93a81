import { type Clock, isSyncSuccessful, type SyncResult } from "@kubelet-kit/core";

/** Substring of sync errors caused by the pod network not being ready (`NetworkNotReadyErrorMsg`). */
export const NETWORK_NOT_READY_MESSAGE = "network is not ready";

/** Retry delay after a "network is not ready" error: 1 s (`backOffOnTransientErrorPeriod`). */
export const NETWORK_NOT_READY_BACKOFF_MS = 1_000;

/** Step failures that are waits, not errors: the pod worker does not back off for them. */
const BACKOFF_REASONS: ReadonlySet<string> = new Set(["CrashLoopBackOff", "ImagePullBackOff"]);

/** `d + random() * factor * d`, the kubelet's `wait.Jitter` (a factor <= 0 means 1). */
export function jitter(durationMs: number, factor: number, random: () => number): number {
  const f = factor > 0 ? factor : 1;
  return durationMs + random() * f * durationMs;
}

/** What the last unit of work ended with, for {@link requeueDelayMs}. */
export interface WorkOutcome {
  /** The worker moved to the next state; the next step runs at once. */
  readonly phaseTransition: boolean;
  /** The step failed. */
  readonly error?: unknown;
  /** The last `syncPod` result, when the step was a sync. */
  readonly syncResult?: SyncResult;
}

/** Timing parameters of {@link requeueDelayMs}. */
export interface RequeueTiming {
  readonly resyncIntervalMs: number;
  readonly backOffPeriodMs: number;
  readonly jitterFactor: number;
  readonly random: () => number;
  readonly clock: Clock;
}

/**
 * When a pod is due again after a unit of work (`completeWork`): a phase change → now; success → the resync
 * interval plus up to 50 %; "network is not ready" → 1 s plus up to 50 %; other errors → the back-off period
 * plus up to 50 %. A sync whose only failures are back-offs (CrashLoopBackOff, ImagePullBackOff) counts as a
 * success, but when the runtime says when the back-off ends the pod is due exactly then (clamped to
 * [0, resync interval]), so a restart is not delayed to the next resync.
 */
export function requeueDelayMs(outcome: WorkOutcome, timing: RequeueTiming): number {
  if (outcome.phaseTransition) return 0;
  if (outcome.error !== undefined) {
    const base = errorMessage(outcome.error).includes(NETWORK_NOT_READY_MESSAGE)
      ? NETWORK_NOT_READY_BACKOFF_MS
      : timing.backOffPeriodMs;
    return jitter(base, timing.jitterFactor, timing.random);
  }
  const retryAtMs = backOffExpiryMs(outcome.syncResult);
  if (retryAtMs !== undefined) {
    return Math.min(Math.max(retryAtMs - timing.clock.now(), 0), timing.resyncIntervalMs);
  }
  return jitter(timing.resyncIntervalMs, timing.jitterFactor, timing.random);
}

/** True when every failed step of `result` is a back-off wait (so the sync is not an error). */
export function onlyBackOffFailures(result: SyncResult): boolean {
  if (result.syncError !== undefined) return false;
  return result.results.every((r) => r.error === undefined || BACKOFF_REASONS.has(r.error.reason));
}

/**
 * True when `result` changed nothing in the runtime: its only steps are back-off waits and the sandbox
 * config generation every sync reports (`ConfigPodSandbox`).
 */
export function changedNothing(result: SyncResult): boolean {
  if (result.syncError !== undefined) return false;
  return result.results.every((r) =>
    r.error === undefined ? r.action === "ConfigPodSandbox" : BACKOFF_REASONS.has(r.error.reason),
  );
}

/** The earliest back-off expiry reported by the failed steps of `result`, if any. */
function backOffExpiryMs(result: SyncResult | undefined): number | undefined {
  if (result === undefined || isSyncSuccessful(result)) return undefined;
  let earliest: number | undefined;
  for (const step of result.results) {
    const at = step.error?.retryAtMs;
    if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
