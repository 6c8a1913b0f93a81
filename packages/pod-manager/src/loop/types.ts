import type {
  Clock,
  ContainerGcPolicy,
  Logger,
  PodRuntime,
  PodUpdate,
  ProbeManager,
  StatusManager,
  Subscribable,
} from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { Pleg } from "../pleg/types.js";
import type { PodWorkers } from "../workers/types.js";

/** What the sync loop needs of the status manager; the setters only with a probe manager that has `on`. */
export type SyncLoopStatusManager = Pick<
  StatusManager<V1Pod, V1PodStatus>,
  "removeOrphanedStatuses" | "getPodStatus"
> &
  Partial<Pick<StatusManager<V1Pod, V1PodStatus>, "setContainerReadiness" | "setContainerStartup">>;

/** What the sync loop needs of the probe manager: `cleanupPods`, and `on` to follow probe results. */
export type SyncLoopProbeManager = Pick<ProbeManager<V1Pod>, "cleanupPods"> &
  Partial<Pick<ProbeManager<V1Pod>, "on">>;

/** Events of whatever feeds the sync loop pod updates: a pod store, or a single source. */
export interface SyncLoopConfigEvents {
  /** Incremental updates (`add`, `update`, `delete`, `remove`, `reconcile`); `set` is not supported here. */
  update: (update: PodUpdate<V1Pod>) => void;
}

/** The listening half of the pod configuration (the kubelet's `updates` channel). */
export type PodConfigUpdates = Pick<Subscribable<SyncLoopConfigEvents>, "on">;

/** Options of {@link createSyncLoop}. */
export interface SyncLoopOptions {
  /** Desired pods, as incremental updates. Updates emitted before `start()` are queued. Required. */
  config: PodConfigUpdates;
  /** Receives every pod update. Required. */
  workers: PodWorkers;
  /** Its events wake pod workers; the loop starts and stops it. Required. */
  pleg: Pick<Pleg, "on" | "start" | "stop">;
  /** Listed (running pods only) by housekeeping and garbage-collected every minute. Required. */
  runtime: Pick<PodRuntime, "listPods" | "garbageCollect">;
  /**
   * Told to forget statuses of pods no longer in the configuration, and (with a `probeManager` that has
   * `on`) told of readiness and startup probe changes. Default: none.
   */
  statusManager?: SyncLoopStatusManager;
  /**
   * Told to stop probing pods that can no longer run. When it also has `on`, its `result` events are handled
   * as the kubelet's `handleProbeSync`: a liveness `failure` syncs the pod (whose worker restarts the
   * container); a readiness change sets the container's `ready` on the status manager, then syncs the pod;
   * a startup change sets its `started`, then syncs the pod. A `statusManager` with
   * `setContainerReadiness` and `setContainerStartup` is then required. Default: none.
   */
  probeManager?: SyncLoopProbeManager;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** How often pods due for a resync are synced (the kubelet's `syncTicker`). Default: 1 000 ms. */
  syncPeriodMs?: number;
  /** How often housekeeping runs (`housekeepingPeriod`). Default: 2 000 ms. */
  housekeepingPeriodMs?: number;
  /** How often containers are garbage-collected (`ContainerGCPeriod`); first run at start. Default: 60 000 ms. */
  containerGcPeriodMs?: number;
  /**
   * Which exited containers the runtime may delete (flags `--minimum-container-ttl-duration`,
   * `--maximum-dead-containers-per-container`, `--maximum-dead-containers`). Default: min age 0, 1 per
   * container, no total limit.
   */
  containerGcPolicy?: ContainerGcPolicy;
  /**
   * Whether every pod source has delivered its pods at least once (the kubelet's `sourcesReady`). Until it
   * does, housekeeping is skipped and removals are not acted on, so running pods of a source that has not
   * reported yet are not killed. Wire `PodConfig.sourcesReady` here. Default: true once the first
   * update arrived.
   */
  sourcesReady?: () => boolean;
  /**
   * Whether a status-only (`reconcile`) update calls for a sync, e.g. when the API's Ready condition
   * disagrees with the kubelet's (`NeedToReconcilePodReadiness`). Default: never.
   */
  reconcileNeedsSync?: (pod: V1Pod) => boolean;
}

/**
 * The kubelet's main loop: dispatches configuration updates, PLEG events and due resyncs to the pod
 * workers, runs housekeeping (orphans, statuses, forgotten workers) and container garbage collection.
 */
export interface SyncLoop {
  /** Starts the PLEG, the timers, and delivers queued updates. */
  start(): Promise<void>;
  /**
   * Stops the timers, the PLEG and the pod workers (waiting for in-flight work). Pods keep running, as when
   * the kubelet shuts down.
   */
  stop(): Promise<void>;
  /** Runs one housekeeping pass now (skipped while sources are not ready). */
  housekeeping(): Promise<void>;
  /** Runs one container garbage collection now. */
  garbageCollect(): Promise<void>;
  /** The desired pod with this UID, as the last update described it. */
  getPodByUid(uid: string): V1Pod | undefined;
  /** All desired pods (mirror pods excluded). */
  getPods(): V1Pod[];
}
