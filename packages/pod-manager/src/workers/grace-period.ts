import type { V1Pod } from "@kubernetes/client-node";
import type { PodKillOptions } from "./types.js";

/** The API server's default `terminationGracePeriodSeconds`: 30 s. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_MS = 30_000;

/** The pod workers never terminate with less than 1 s (stopping a container raises it to 2 s). */
export const MIN_WORKER_GRACE_PERIOD_MS = 1_000;

/** Result of {@link effectiveGracePeriodMs}. */
export interface EffectiveGracePeriod {
  readonly gracePeriodMs: number;
  /** A grace period was already in effect and this one differs (is shorter). */
  readonly shortened: boolean;
}

/**
 * The grace period a terminating pod is stopped with (`calculateEffectiveGracePeriod`). It only ever
 * shrinks: the API server's `deletionGracePeriodSeconds` and a kill's override apply when shorter than
 * `currentMs` (0 = none yet); with neither, the pod's `terminationGracePeriodSeconds` (30 s when unset);
 * never less than 1 s.
 */
export function effectiveGracePeriodMs(
  currentMs: number,
  pod: V1Pod | undefined,
  killOptions: PodKillOptions | undefined,
): EffectiveGracePeriod {
  let gracePeriodMs = currentMs;
  let overridden = false;
  const candidates = [
    secondsToMs(pod?.metadata?.deletionGracePeriodSeconds),
    killOptions?.gracePeriodOverrideMs,
  ];
  for (const candidate of candidates) {
    if (candidate !== undefined && (gracePeriodMs === 0 || candidate < gracePeriodMs)) {
      gracePeriodMs = candidate;
      overridden = true;
    }
  }
  if (!overridden && gracePeriodMs === 0) {
    gracePeriodMs =
      secondsToMs(pod?.spec?.terminationGracePeriodSeconds) ?? DEFAULT_TERMINATION_GRACE_PERIOD_MS;
  }
  gracePeriodMs = Math.max(gracePeriodMs, MIN_WORKER_GRACE_PERIOD_MS);
  return { gracePeriodMs, shortened: currentMs !== 0 && currentMs !== gracePeriodMs };
}

function secondsToMs(seconds: number | undefined | null): number | undefined {
  return seconds === undefined || seconds === null ? undefined : seconds * 1_000;
}
