import { createNoopLogger, createRealClock, KubeletKitError } from "@kubelet-kit/core";
import type { PodWorkersOptions } from "./types.js";

/** Default of {@link PodWorkersOptions.maxStepsPerTurn}. */
export const DEFAULT_MAX_STEPS_PER_TURN = 8;

/** Default of {@link PodWorkersOptions.maxConcurrentSyncs}. */
export const DEFAULT_MAX_CONCURRENT_SYNCS = 16;

/** {@link PodWorkersOptions} with every default filled in. */
export type ResolvedOptions = Required<
  Pick<
    PodWorkersOptions,
    | "clock"
    | "logger"
    | "resyncIntervalMs"
    | "backOffPeriodMs"
    | "jitterFactor"
    | "random"
    | "nodeIps"
    | "maxStepsPerTurn"
    | "maxConcurrentSyncs"
  >
> &
  PodWorkersOptions;

/** Fills the defaults of {@link PodWorkersOptions}: real clock, no-op logger, 60 s resync, 10 s back-off. */
export function resolvePodWorkersOptions(options: PodWorkersOptions): ResolvedOptions {
  const resolved = {
    ...options,
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createNoopLogger(),
    resyncIntervalMs: options.resyncIntervalMs ?? 60_000,
    backOffPeriodMs: options.backOffPeriodMs ?? 10_000,
    jitterFactor: options.jitterFactor ?? 0.5,
    random: options.random ?? Math.random,
    nodeIps: options.nodeIps ?? [],
    maxStepsPerTurn: options.maxStepsPerTurn ?? DEFAULT_MAX_STEPS_PER_TURN,
    maxConcurrentSyncs: options.maxConcurrentSyncs ?? DEFAULT_MAX_CONCURRENT_SYNCS,
  };
  if (!(resolved.maxConcurrentSyncs >= 1)) {
    throw new KubeletKitError("InvalidArgument", "maxConcurrentSyncs must be >= 1 (Infinity: no limit)");
  }
  if (!(resolved.maxStepsPerTurn >= 1)) {
    throw new KubeletKitError("InvalidArgument", "maxStepsPerTurn must be >= 1 (Infinity: no pacing)");
  }
  for (const key of ["resyncIntervalMs", "backOffPeriodMs"] as const) {
    if (!(resolved[key] > 0)) throw new KubeletKitError("InvalidArgument", `${key} must be > 0`);
  }
  return resolved;
}
