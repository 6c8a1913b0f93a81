// The messages between the probe benchmark and its two child processes (Node IPC, structured clone).
import type { ProbeMode } from "./options.js";

/** The path httpGet probes ask for; the HTTP target answers 200 there. */
export const HEALTH_PATH = "/healthz";

/** What the targets' process serves for one mode, passed as one JSON argument. */
export interface TargetsChildArgs {
  readonly mode: ProbeMode;
  /** exec: containers to create and start in the fake runtime. */
  readonly execContainers: number;
  /** exec: the unix socket the fake runtime is served on. */
  readonly socketPath: string;
}

/** Targets' process → benchmark. */
export type TargetsChildMessage =
  | {
      readonly type: "ready";
      /** What serves the probes, for the report. */
      readonly description: string;
      /** The TCP port probes go to (http, tcp, grpc); 0 for exec. */
      readonly port: number;
      /** exec: the fake runtime's CRI endpoint (`unix:///…`); "" otherwise. */
      readonly endpoint: string;
      /** exec: the IDs of the running containers to probe. */
      readonly containerIds: readonly string[];
    }
  /** CPU time of the targets' process so far (user + system, every thread), in seconds. */
  | { readonly type: "usage"; readonly cpuSeconds: number }
  | { readonly type: "error"; readonly message: string };

/** Benchmark → targets' process. */
export type TargetsChildRequest = { readonly type: "usage" } | { readonly type: "stop" };

/** What the prober's process needs, passed as one JSON argument. */
export interface ProberChildArgs {
  readonly mode: ProbeMode;
  /** Probed containers: one pod each, one liveness probe each. */
  readonly containers: number;
  /** http, tcp, grpc: the pods' IP and the probes' port. */
  readonly podIp: string;
  readonly port: number;
  /** exec: the fake runtime's CRI endpoint and the container IDs to probe (one per pod). */
  readonly endpoint: string;
  readonly containerIds: readonly string[];
  /** The prober's `maxConcurrentProbes`: `null` for no limit, absent for its default. */
  readonly maxConcurrentProbes?: number | null;
}

import type { LoopDelay } from "../lib/loop-delay.js";

export type { LoopDelay };

/** What the prober's process measured over the window. */
export interface ProberMeasurement {
  /** The window's wall time, measured in the prober's process. */
  readonly windowMs: number;
  /** The window's start and end on the monotonic clock (µs), to cut a `--cpu-prof` profile to it. */
  readonly windowUs: readonly [number, number];
  readonly workers: number;
  /** `prober_probe_total` counted in the window, by `result`. */
  readonly probes: { readonly successful: number; readonly failed: number; readonly unknown: number };
  /** Runs whose every attempt threw: an `Unhealthy` "errored" event, not counted in `prober_probe_total`. */
  readonly errored: number;
  /** `Warning` events of the window by reason (`Unhealthy`, `ProbeWarning`). */
  readonly events: Readonly<Record<string, number>>;
  /** Up to five distinct event messages of the window, to tell what failed. */
  readonly sampleMessages: readonly string[];
  /**
   * Liveness results published as `failure` in the window: each one a container the kubelet would restart
   * (the network modes give the container a new ID, as a restart does; exec containers stay on hold).
   */
  readonly livenessFailuresPublished: number;
  /** The same figures for the warm-up (from the prober's start to the window). */
  readonly warmup: {
    readonly failed: number;
    readonly errored: number;
    readonly livenessFailuresPublished: number;
  };
  /** Containers whose current instance has a liveness `failure` at the end: their worker waits for a restart. */
  readonly onHold: number;
  /**
   * Handler calls still in flight at the end of the window: how many, how many of them for more than 5 s
   * (stuck: the timeout is 1 s, and a call that never settles stops its worker), and the oldest one's age.
   */
  readonly stuck: { readonly count: number; readonly inFlight: number; readonly oldestMs: number };
  /** Successful runs' `prober_probe_duration_seconds` over the window: mean, and the bucket holding p99. */
  readonly duration: { readonly meanMs: number; readonly p99BucketMs: number };
  /** `process.cpuUsage()` over the window, in seconds. */
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly loopDelay: LoopDelay;
  /** RSS when the process started (Node and the TypeScript loader), with the prober idle before its pods, and the peak 1 s sample of the window. */
  readonly rssAtEntryBytes: number;
  readonly rssBeforePodsBytes: number;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
}

/** Prober's process → benchmark. */
export type ProberChildMessage =
  | { readonly type: "ready" }
  | { readonly type: "begun" }
  | { readonly type: "measured"; readonly measurement: ProberMeasurement }
  | { readonly type: "error"; readonly message: string };

/** Benchmark → prober's process. */
export type ProberChildRequest =
  /** Start the window now. */
  | { readonly type: "begin" }
  /** End the window, send the measurement, stop the prober and exit. */
  | { readonly type: "end" };

/** Parses the one JSON argument of a child process. */
export function parseChildArgs<T extends object>(argv: readonly string[], what: string): T {
  const parsed: unknown = JSON.parse(argv[0] ?? "null");
  if (typeof parsed !== "object" || parsed === null)
    throw new TypeError(`${what}: expected one JSON argument`);
  return parsed as T;
}
