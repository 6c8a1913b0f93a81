import type {
  Clock,
  Logger,
  PodRuntime,
  PodStateProvider,
  PodStatusGenerator,
  ProbeManager,
  ProbeStateReader,
  RuntimePod,
  SecretLike,
  StatusManager,
  Subscribable,
  SyncPodOptions,
  SyncResult,
  VolumeManager,
} from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { PodCache } from "../pleg/pod-status-cache.js";

/**
 * Where a pod is in its worker's lifecycle: `sync` (set up and kept running), `terminating` (containers
 * being stopped), `terminated` (no container runs; final cleanup pending), `finished` (cleanup done; the
 * UID never runs again until the worker is forgotten). The kubelet's `PodWorkerState` plus `finished`.
 */
export type PodWorkerState = "sync" | "terminating" | "terminated" | "finished";

/** Why a pod worker is told about a pod (the kubelet's `kubetypes.SyncPodType`). */
export type PodUpdateKind = "create" | "update" | "sync" | "kill";

/** How a `kill` update terminates the pod (the kubelet's `KillPodOptions`). */
export interface PodKillOptions {
  /**
   * Grace period in ms, used when shorter than the one in effect (a grace period never grows). Default:
   * the pod's `metadata.deletionGracePeriodSeconds`, else `spec.terminationGracePeriodSeconds`, else 30 s.
   */
  readonly gracePeriodOverrideMs?: number;
  /** The kubelet evicts the pod: its content may be removed as soon as it stops. Default: `false`. */
  readonly evict?: boolean;
  /** Adjusts the status set while terminating (e.g. phase `Failed`, reason `Evicted`). Default: none. */
  readonly podStatusFn?: (status: V1PodStatus) => V1PodStatus;
}

/** One update for a pod worker (the kubelet's `UpdatePodOptions`). */
export interface UpdatePodOptions {
  readonly type: PodUpdateKind;
  /** The desired pod. Required unless `runningPod` is given. */
  readonly pod?: V1Pod;
  /**
   * A pod found in the runtime with no configuration (an orphan). Only `kill` updates may carry it; it is
   * ignored when `pod` is set.
   */
  readonly runningPod?: RuntimePod;
  /** Only meaningful while terminating. */
  readonly killOptions?: PodKillOptions;
}

/** A worker's summary returned by {@link PodWorkers.syncKnownPods} (the kubelet's `PodWorkerSync`). */
export interface PodWorkerSync {
  readonly state: Exclude<PodWorkerState, "finished">;
  /** Not in the desired set passed to `syncKnownPods`. */
  readonly orphan: boolean;
  /** The worker has seen the pod's spec (not only a runtime pod). */
  readonly hasConfig: boolean;
  /** The pod came from a local source (file, HTTP). */
  readonly static: boolean;
}

/** A state change of one pod worker. */
export interface WorkerStateChange {
  readonly uid: string;
  readonly from: PodWorkerState;
  readonly to: PodWorkerState;
}

/** The result of one `PodRuntime.syncPod` call made by a worker. */
export interface WorkerSyncResult {
  readonly uid: string;
  readonly result: SyncResult;
}

/** A failed sync, terminate or cleanup step; the worker retries it. */
export interface WorkerSyncError {
  readonly uid: string;
  /** The state the worker was in when the step failed. */
  readonly state: Exclude<PodWorkerState, "finished">;
  readonly error: unknown;
}

/** Events of {@link PodWorkers}. */
export interface PodWorkersEvents {
  /** A worker moved on: sync → terminating → terminated → finished. */
  workerStateChanged: (change: WorkerStateChange) => void;
  /** A `syncPod` finished; failures (e.g. `CrashLoopBackOff`) are in the result's steps. */
  syncResult: (event: WorkerSyncResult) => void;
  /** A step failed and will be retried after the back-off. */
  syncError: (event: WorkerSyncError) => void;
}

/** The runtime calls the pod workers make. */
export type WorkerRuntime = Pick<PodRuntime<V1Pod>, "syncPod" | "killPod" | "getPodStatus">;

/** The status-manager calls the pod workers make. */
export type WorkerStatusManager = Pick<
  StatusManager<V1Pod, V1PodStatus>,
  "getPodStatus" | "setPodStatus" | "terminatePod"
>;

/** Options of {@link createPodWorkers}. */
export interface PodWorkersOptions {
  /** Runs the pods. Required. */
  runtime: WorkerRuntime;
  /** Receives every generated status; told when a pod is finished. Required. */
  statusManager: WorkerStatusManager;
  /** Computes a pod's API status (`@kubelet-kit/status-manager` has the kubelet's). Required. */
  generateStatus: PodStatusGenerator<V1Pod>;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /**
   * How long after a successful sync a pod is due for its next one, before jitter. Default: 60 000 ms
   * (`syncFrequency`, flag `--sync-frequency`).
   */
  resyncIntervalMs?: number;
  /** Delay before retrying a failed step, before jitter. Default: 10 000 ms (the kubelet's `backOffPeriod`). */
  backOffPeriodMs?: number;
  /** Each requeue delay `d` becomes `d + random() * jitterFactor * d`. Default: 0.5 (as the kubelet). */
  jitterFactor?: number;
  /** Randomness in [0, 1) for the jitter. Default: `Math.random`. */
  random?: () => number;
  /** The node's IPs, for `hostIP(s)` and host-network pod IPs. Default: none. */
  nodeIps?: readonly string[];
  /**
   * The PLEG's status cache (its `cache`; share one with `createPodCache`). With it, each step starts from the cached status once
   * it was observed after the previous step ended, waiting for the PLEG's next relist when needed (the
   * kubelet's `GetNewerThan`), and a step that changed the pod shares its fresh status through the cache;
   * without it, every step fetches the status from the runtime. Default: none.
   */
  podCache?: PodCache;
  /**
   * How many pod steps (sync, terminate, clean up) may begin per event-loop turn; the others wait, oldest
   * first, for the next turns. Steps run on the one JavaScript thread: without a bound, a relist that wakes
   * every pod would run all their steps back to back, and timers, probes and requests would wait for them
   * all. No kubelet equivalent (its workers are goroutines). `Infinity` turns pacing off. Default: 8.
   */
  maxStepsPerTurn?: number;
  /**
   * How many pods may be inside `runtime.syncPod` (with the status fetch right after it) at once; the
   * others wait their turn, first come first served, after their status, volumes and pull secrets are
   * ready. Bounds the CRI calls in flight and the work the thread does per turn when many pods start
   * together (110 pods on the fake runtime: faster to Running, a fraction of the event-loop delay; see
   * docs/benchmarks.md). A pod waiting in `syncPod` for a slow image pull holds its slot: raise it when
   * many pods pull at once. Terminations are not limited. No kubelet equivalent. `Infinity`: no limit.
   * Default: 16.
   */
  maxConcurrentSyncs?: number;
  /** Probe results (ready/started per container ID) for status generation. Default: no probes. */
  probes?: ProbeStateReader;
  /** Told to probe a synced pod and to stop probing a terminating one. Default: none. */
  probeManager?: Pick<ProbeManager<V1Pod>, "addPod" | "removePod" | "stopLivenessAndStartup">;
  /** Waited on to mount a pod's volumes before `syncPod` and to unmount them after it stops. Default: none. */
  volumeManager?: Pick<VolumeManager<V1Pod>, "waitForAttachAndMount" | "waitForUnmount">;
  /**
   * Why the pod network is not ready (the runtime's `NetworkReady` condition), or `undefined` when it is.
   * While it returns a message, pods that are not host-network fail their sync with "network is not ready"
   * and retry after 1 s. Default: the network is always ready.
   */
  networkError?: () => string | undefined;
  /** Resolves a pod's `imagePullSecrets` for `syncPod`. Default: none. */
  pullSecrets?: (pod: V1Pod) => readonly SecretLike[] | Promise<readonly SecretLike[]>;
  /**
   * Liveness and startup results per container, passed to every `syncPod`, so a container failing its
   * liveness probe is restarted (the kubelet's liveness and startup managers). Default: no results.
   */
  containerHealth?: SyncPodOptions["containerHealth"];
}

/**
 * One serialized worker per pod UID, driving each pod through sync → terminating → terminated → finished
 * (the kubelet's `podWorkers`). Also the source of truth other subsystems ask whether a pod may still run.
 * Implements {@link PodStateProvider} for the runtime's garbage collector.
 */
export interface PodWorkers extends Subscribable<PodWorkersEvents>, PodStateProvider {
  /**
   * Hands an update to the pod's worker. Returns at once; the worker processes updates one at a time, and
   * only the newest pending one (intermediate updates may be skipped). Once a pod is terminating every
   * update is a kill; once finished, updates are ignored until {@link PodWorkers.syncKnownPods} forgets it.
   */
  updatePod(options: UpdatePodOptions): void;
  /**
   * Forgets finished workers of pods not in `desiredPods` (or re-created with the same UID), starts
   * terminating running workers whose pod is gone, and marks the workers as synced (unknown pods count as
   * not running from now on). Returns the remaining workers. Housekeeping calls it every 2 s.
   */
  syncKnownPods(desiredPods: readonly V1Pod[]): Map<string, PodWorkerSync>;
  /** UIDs whose requeue time has come, removed from the queue (the sync loop syncs them every second). */
  takeDueWork(): string[];
  /** When the pod is next due for a sync, in ms since the epoch, or `undefined` when not queued. */
  nextSyncAtMs(uid: string): number | undefined;
  /** The worker's state, or `undefined` when there is no worker for the UID. */
  workerState(uid: string): PodWorkerState | undefined;
  /** True once the pod's containers are known stopped (`IsPodKnownTerminated`). */
  isPodKnownTerminated(uid: string): boolean;
  /** False only once the pod is known stopped, or unknown after the first `syncKnownPods`. */
  couldHaveRunningContainers(uid: string): boolean;
  /** True once the final cleanup succeeded, or for unknown pods after the first `syncKnownPods`. */
  shouldPodBeFinished(uid: string): boolean;
  /** True from the moment termination is requested (the pod may still be starting). */
  isPodTerminationRequested(uid: string): boolean;
  /** True once the worker has begun terminating, or for unknown pods after the first `syncKnownPods`. */
  shouldPodContainersBeTerminating(uid: string): boolean;
  /** True when a static pod with this full name is terminating and not yet terminated. */
  isPodForMirrorPodTerminatingByFullName(fullName: string): boolean;
  /**
   * Stops taking updates and waits for in-flight work to settle. Pods are left as they are: the kubelet
   * leaves containers running when it shuts down.
   */
  stop(): Promise<void>;
}
