import type { PodLike, SecretLike } from "./pod-like.js";
import type { ProbeResult } from "./probe-manager.js";
import type { RuntimeContainerEvent } from "./runtime-events.js";
import type { PodStatusSnapshot, RuntimePod } from "./runtime-pod.js";
import type { SyncResult } from "./sync-result.js";

/** Cancellation for a single call. */
export interface CallSignalOptions {
  /** Aborts the call; it rejects with a `Canceled` (or `DeadlineExceeded`) `KubeletKitError`. */
  signal?: AbortSignal;
}

/** What `CommandRunner.execSync` returns. Output is raw bytes, as the runtime produced them. */
export interface ExecResult {
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly exitCode: number;
}

/**
 * Runs a command in a running container and waits for it: exec probes and exec lifecycle hooks.
 * (The kubelet's `CommandRunner`, over CRI `ExecSync`.)
 */
export interface CommandRunner {
  /**
   * Runs `cmd` in the container. `timeoutMs` bounds the command (0 = no timeout, as lifecycle hooks use);
   * when it expires the promise rejects with `DeadlineExceeded`. A non-zero exit is a result, not an error.
   */
  execSync(
    containerId: string,
    cmd: readonly string[],
    timeoutMs: number,
    options?: CallSignalOptions,
  ): Promise<ExecResult>;
}

/** Options of {@link ContainerLogReader.readContainerLogs}; the API's `PodLogOptions`, resolved. */
export interface ContainerLogOptions extends CallSignalOptions {
  /** Keep reading as the container writes. Default: `false`. */
  follow?: boolean;
  /** Only the last N lines. Default: all. */
  tailLines?: number;
  /** Stop after this many bytes of content. Default: no limit. */
  limitBytes?: number;
  /** Only entries at or after this time, ms since the epoch (callers convert `sinceSeconds`). Default: all. */
  sinceTimeMs?: number;
}

/** One entry of a CRI log file (`<time> <stream> <P|F> <content>`). */
export interface ContainerLogEntry {
  readonly stream: "stdout" | "stderr";
  /** The runtime's RFC 3339 timestamp with nanoseconds, as written in the log file. */
  readonly timestamp: string;
  /** True for a partial line (`P` tag): the next entry of the same stream continues it. */
  readonly partial: boolean;
  /** The line's bytes; a trailing newline is included for full lines. */
  readonly content: Uint8Array;
}

/** Reads a container's logs (the kubelet's `GetContainerLogs`), for the `containerLogs` endpoint. */
export interface ContainerLogReader {
  /** Entries of the container's current log file, oldest first. Ends at the end of the file unless following. */
  readContainerLogs(containerId: string, options?: ContainerLogOptions): AsyncIterable<ContainerLogEntry>;
}

/** One runtime condition (CRI `RuntimeCondition`), e.g. `RuntimeReady`, `NetworkReady`. */
export interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason?: string;
  readonly message?: string;
}

/** What {@link RuntimeHealth.status} reports. */
export interface RuntimeStatus {
  /** The `RuntimeReady` condition; false makes the node NotReady. */
  readonly runtimeReady: boolean;
  /** The `NetworkReady` condition; false blocks pods that need pod networking. */
  readonly networkReady: boolean;
  /** All conditions as reported, including the two above. */
  readonly conditions: readonly RuntimeCondition[];
}

/** Health of the runtime, for node status and `/healthz`. */
export interface RuntimeHealth {
  status(options?: CallSignalOptions): Promise<RuntimeStatus>;
}

/** Versions reported by the runtime (CRI `VersionResponse`). */
export interface RuntimeVersionInfo {
  /** e.g. `"containerd"`; also the prefix of container IDs in the API. */
  readonly runtimeName: string;
  /** e.g. `"v1.7.24"`. Node status shows `<runtimeName>://<runtimeVersion>`. */
  readonly runtimeVersion: string;
  /** CRI API version, e.g. `"v1"`. */
  readonly runtimeApiVersion: string;
}

/** The runtime's name and version, for node status. */
export interface RuntimeVersioner {
  version(options?: CallSignalOptions): Promise<RuntimeVersionInfo>;
}

/** Options of {@link PodRuntime.syncPod}. */
export interface SyncPodOptions extends CallSignalOptions {
  /** Pull secrets resolved from the pod's `imagePullSecrets`. Default: none. */
  pullSecrets?: readonly SecretLike[];
  /**
   * The prober's latest liveness and startup results for a running container instance (the kubelet's
   * `livenessManager` / `startupManager`). A `failure` makes the sync kill the container (and restart it
   * when the restart policy allows); a sidecar with a startup probe counts as started only once its startup
   * result is `success`. Return `undefined` (or leave a field out) when no result exists yet. Default: no
   * results for any container.
   */
  containerHealth?: (containerId: string) => ContainerHealth | undefined;
}

/** Probe results of one container instance, as {@link SyncPodOptions.containerHealth} reports them. */
export interface ContainerHealth {
  /** Latest liveness result; absent when the liveness probe has not produced one (or there is none). */
  readonly liveness?: ProbeResult;
  /** Latest startup result; absent when the startup probe has not produced one (or there is none). */
  readonly startup?: ProbeResult;
}

/** Options of {@link PodRuntime.killPod}. */
export interface KillPodOptions extends CallSignalOptions {
  /**
   * Grace period for every container, replacing the one from the pod, in ms (still raised to the 2 s
   * floor, `MIN_KILL_GRACE_PERIOD_MS`). Default: from the pod (deletion grace period, else
   * `terminationGracePeriodSeconds`).
   */
  gracePeriodOverrideMs?: number;
}

/** Which exited containers the runtime may delete (kubelet flags `--minimum-container-ttl-duration` etc.). */
export interface ContainerGcPolicy {
  /** Exited containers younger than this are kept. Kubelet default: 0. */
  readonly minAgeMs: number;
  /** Exited instances kept per (pod, container name); negative = no limit. Kubelet default: 1. */
  readonly maxPerPodContainer: number;
  /** Exited containers kept on the node in total; negative = no limit. Kubelet default: -1. */
  readonly maxContainers: number;
}

/**
 * What the pod workers know about a pod's lifecycle, for garbage collection (the kubelet's
 * `podStateProvider`). The pod workers of `@kubelet-kit/pod-manager` implement it.
 */
export interface PodStateProvider {
  /** True when all of the pod's content may go: it was evicted, or deleted and its containers stopped. */
  shouldPodContentBeRemoved(podUid: string): boolean;
  /** True when no container of the pod may run any more (terminated, or unknown once pods are synced). */
  shouldPodRuntimeBeRemoved(podUid: string): boolean;
}

/** Options of {@link PodRuntime.garbageCollect}. */
export interface GarbageCollectOptions extends CallSignalOptions {
  /**
   * All pod sources have been seen, so a pod missing from them is really gone and its containers and
   * sandboxes may be removed. Default: `false`.
   */
  allSourcesReady?: boolean;
  /** Also remove containers of evicted pods that are not deleted yet. Default: `false`. */
  evictNonDeletedPods?: boolean;
  /**
   * Which pods are gone for good: all exited containers and not-ready sandboxes of a pod whose content
   * should be removed are deleted (the kubelet's `podStateProvider`). Default: none (only `policy` applies,
   * and the newest sandbox of every pod is kept).
   */
  podState?: PodStateProvider;
}

/** Options of {@link PodRuntime.listPods}. */
export interface ListPodsOptions extends CallSignalOptions {
  /** Include exited containers and not-ready sandboxes. Default: `false` (running only). */
  all?: boolean;
}

/**
 * Runs pods. `runtime-manager` implements it over CRI; a virtual-kubelet-style backend can implement it
 * directly. Consumers that need less depend on the roles it extends: {@link CommandRunner},
 * {@link ContainerLogReader}, {@link RuntimeHealth}, {@link RuntimeVersioner}.
 */
export interface PodRuntime<P extends PodLike = PodLike>
  extends CommandRunner,
    ContainerLogReader,
    RuntimeHealth,
    RuntimeVersioner {
  /**
   * Drives the pod towards its spec: computes actions from `podStatus`, then kills, creates and starts
   * sandboxes and containers (with image pulls, CrashLoopBackOff and lifecycle hooks). Step failures are
   * reported in the result, not thrown.
   */
  syncPod(pod: P, podStatus: PodStatusSnapshot, options?: SyncPodOptions): Promise<SyncResult>;
  /**
   * Stops every container and sandbox of `runningPod` (preStop hooks and grace periods included). `pod`
   * is the API object when known; without it, grace periods and hooks come from container annotations.
   */
  killPod(pod: P | undefined, runningPod: RuntimePod, options?: KillPodOptions): Promise<void>;
  /** The runtime's current view of one pod. A pod the runtime does not know yields an empty snapshot. */
  getPodStatus(
    uid: string,
    name: string,
    namespace: string,
    options?: CallSignalOptions,
  ): Promise<PodStatusSnapshot>;
  /** All pods known to the runtime, grouped from its sandboxes and containers. */
  listPods(options?: ListPodsOptions): Promise<RuntimePod[]>;
  /** Removes exited containers and dead sandboxes according to `policy`. */
  garbageCollect(policy: ContainerGcPolicy, options?: GarbageCollectOptions): Promise<void>;
  /**
   * Optional: streams container lifecycle events (CRI `GetContainerEvents`), so PLEG can relist rarely.
   * Absent, or throwing `Unimplemented` (containerd 1.6), means "relist every second". Same contract as the
   * `ContainerEventWatcher` role.
   */
  watchContainerEvents?(signal: AbortSignal): AsyncIterable<RuntimeContainerEvent>;
}
