import type { Subscribable } from "../events.js";
import type { ContainerRef, PodApiStatusOf, PodLike } from "./pod-like.js";

/** A change of a pod's cached API status. */
export interface PodStatusChange<S> {
  readonly podUid: string;
  readonly status: S;
  /** The pod's status version after the change (monotonic per pod, starting at 1). */
  readonly version: number;
}

/** One pod's entry in a {@link StatusManager}'s cache. */
export interface PodStatusEntry<S> {
  readonly podUid: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly status: S;
  /** Monotonic per pod, starting at 1; bumped on every accepted change. */
  readonly version: number;
  /** True once `terminatePod` ran for the pod (the kubelet's `podIsFinished`); never reset. */
  readonly podIsFinished: boolean;
}

/** Events of a {@link StatusManager}. */
export interface StatusManagerEvents<S> {
  /** The cached status of a pod changed (emitted before it is written to the API server). */
  statusChanged: (change: PodStatusChange<S>) => void;
}

/**
 * Caches each pod's computed API status and syncs it to the API server, patching only what changed and
 * coalescing bursts (the kubelet's `status.Manager`). `S` is the API status type: `V1PodStatus` for `V1Pod`.
 */
export interface StatusManager<P extends PodLike = PodLike, S = PodApiStatusOf<P>>
  extends Subscribable<StatusManagerEvents<S>> {
  /** Starts the sync loop (every 10 s, plus on every change). */
  start(): Promise<void>;
  /** Stops syncing. Pending changes are not flushed. */
  stop(): Promise<void>;
  /** The cached status of a pod, by UID, or `undefined` when none was set. */
  getPodStatus(podUid: string): S | undefined;
  /** Records a newly generated status for `pod`; it is written to the API server asynchronously. */
  setPodStatus(pod: P, status: S): void;
  /** Sets `ready` on one container's status (from readiness probes) and recomputes the Ready conditions. */
  setContainerReadiness(container: ContainerRef, ready: boolean): void;
  /** Sets `started` on one container's status (from startup probes). */
  setContainerStartup(container: ContainerRef, started: boolean): void;
  /**
   * Marks every container of `pod` that is not already terminated as terminated (so a pod that is going
   * away never reports running containers) and syncs the result.
   */
  terminatePod(pod: P): void;
  /** Forgets statuses of pods whose UID is not in `activePodUids`. */
  removeOrphanedStatuses(activePodUids: ReadonlySet<string>): void;
  /** Every cached status, in no particular order. */
  listPodStatuses(): readonly PodStatusEntry<S>[];
  /** The cached status version of a pod, or `undefined` when none was set. */
  version(podUid: string): number | undefined;
}
