import type { Clock, Logger, PodRuntime, PodStatusSnapshot, Subscribable } from "@kubelet-kit/core";
import type { PodCache } from "./pod-status-cache.js";

/**
 * Kind of a pod lifecycle event (the kubelet's `PodLifeCycleEventType`). The sync loop syncs the pod on
 * every kind except `ContainerRemoved` and `ContainerChanged`.
 */
export type PodLifecycleEventType =
  | "ContainerStarted"
  | "ContainerDied"
  | "ContainerRemoved"
  | "PodSync"
  | "ContainerChanged";

/** Something changed in one pod (the kubelet's `PodLifecycleEvent`). */
export interface PodLifecycleEvent {
  readonly podUid: string;
  readonly type: PodLifecycleEventType;
  /** The container or sandbox concerned; absent for `PodSync`. */
  readonly containerId?: string;
}

/** Events of a {@link Pleg}. */
export interface PlegEvents {
  /** A pod lifecycle event; the pod's cached status was refreshed before it is emitted. */
  event: (event: PodLifecycleEvent) => void;
}

/** Result of {@link Pleg.healthy}; the kubelet turns `message` into a runtime error ("PLEG is not healthy"). */
export interface PlegHealth {
  readonly ok: boolean;
  /** Why it is unhealthy, with upstream's wording. */
  readonly message?: string;
}

/** A pod's runtime status as PLEG last fetched it (an entry of the kubelet's pod cache). */
export interface CachedPodStatus {
  /** The snapshot; absent when the fetch failed. */
  readonly status?: PodStatusSnapshot;
  /** Why the fetch failed. */
  readonly error?: unknown;
  /** When the status was observed, in ms since the epoch. */
  readonly timestampMs: number;
}

/** How a PLEG learns about container changes. */
export type PlegMode = "generic" | "evented";

/**
 * The pod lifecycle event generator: watches the runtime and says which pods changed.
 */
export interface Pleg extends Subscribable<PlegEvents> {
  /** Starts relisting (the first relist runs at once) and, for the evented PLEG, the event stream. */
  start(): Promise<void>;
  /** Stops and waits for an in-flight relist to finish. */
  stop(): Promise<void>;
  /** Relists now (after any relist in flight). */
  relist(): Promise<void>;
  /** Whether relisting keeps succeeding (the kubelet's PLEG health check). */
  healthy(): PlegHealth;
  /** The cached runtime status of a pod that had events, or `undefined`. */
  getPodStatus(podUid: string): CachedPodStatus | undefined;
  /** The cache this PLEG writes; give it to the pod workers (`podCache`) so they read statuses from it. */
  readonly cache: PodCache;
  /** `evented` while the runtime's event stream is in use, else `generic`. */
  mode(): PlegMode;
}

/** The runtime calls a PLEG makes. */
export type PlegRuntime = Pick<PodRuntime, "listPods" | "getPodStatus" | "watchContainerEvents">;

/** How often a PLEG relists and when it counts as unhealthy. */
export interface RelistDurations {
  readonly relistPeriodMs: number;
  readonly relistThresholdMs: number;
}

/** Options of {@link createGenericPleg}. */
export interface GenericPlegOptions {
  /** Listed with `all: true` every period. Required. */
  runtime: Pick<PodRuntime, "listPods" | "getPodStatus">;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** The cache to write. Default: a new one (see {@link Pleg.cache}). */
  cache?: PodCache;
  /** Pause between the end of one relist and the next. Default: 1 000 ms (`genericPlegRelistPeriod`). */
  relistPeriodMs?: number;
  /** Unhealthy when no relist succeeded for longer than this. Default: 180 000 ms (`genericPlegRelistThreshold`). */
  relistThresholdMs?: number;
}

/** A relisting PLEG whose period can be changed (the evented PLEG slows it down). */
export interface GenericPleg extends Pleg {
  /** Changes the period and threshold; a new period applies from the next scheduled relist. */
  setRelistDurations(durations: RelistDurations): void;
}

/** Options of {@link createEventedPleg}. */
export interface EventedPlegOptions {
  /** Its `watchContainerEvents` is used when present. Required. */
  runtime: PlegRuntime;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** The cache to write. Default: a new one (see {@link Pleg.cache}). */
  cache?: PodCache;
  /** Relist period without events (no stream, or after falling back). Default: 1 000 ms. */
  relistPeriodMs?: number;
  /** Health threshold without events. Default: 180 000 ms. */
  relistThresholdMs?: number;
  /** Relist period while events flow (`eventedPlegRelistPeriod`). Default: 300 000 ms. */
  eventedRelistPeriodMs?: number;
  /** Health threshold while events flow (`eventedPlegRelistThreshold`). Default: 600 000 ms. */
  eventedRelistThresholdMs?: number;
  /** Broken streams tolerated before falling back to relisting (`eventedPlegMaxStreamRetries`). Default: 5. */
  maxStreamRetries?: number;
}
