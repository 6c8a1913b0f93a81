import { createNoopLogger, createRealClock, KubeletKitError } from "@kubelet-kit/core";
import type { PodWorkersOptions } from "./types.js";

/** {@link PodWorkersOptions} with every default filled in. */
export type ResolvedOptions = Required<
  Pick<
    PodWorkersOptions,
    "clock" | "logger" | "resyncIntervalMs" | "backOffPeriodMs" | "jitterFactor" | "random" | "nodeIps"
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
  };
  for (const key of ["resyncIntervalMs", "backOffPeriodMs"] as const) {
    if (!(resolved[key] > 0)) throw new KubeletKitError("InvalidArgument", `${key} must be > 0`);
  }
  return resolved;
}
