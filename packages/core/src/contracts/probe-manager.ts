import type { Subscribable } from "../events.js";
import type { PodLike } from "./pod-like.js";

/** The three probe types. */
export type ProbeKind = "liveness" | "readiness" | "startup";

/**
 * Result of a probe once thresholds are applied (the kubelet's tri-state `results.Result`). Initial values
 * before any probe ran: readiness `failure`, liveness `success`, startup `unknown`.
 */
export type ProbeResult = "success" | "failure" | "unknown";

/** A changed probe result for one container instance. */
export interface ProbeResultEvent {
  readonly kind: ProbeKind;
  readonly podUid: string;
  readonly containerName: string;
  /** The CRI container ID the result belongs to; results of an old instance die with it. */
  readonly containerId: string;
  readonly result: ProbeResult;
}

/** Events of a {@link ProbeManager}. */
export interface ProbeManagerEvents {
  /**
   * A container's result changed (emitted only on change). Readiness and startup changes go to the
   * status manager; a liveness or startup `failure` wakes the pod worker, which restarts the container.
   */
  result: (event: ProbeResultEvent) => void;
}

/** Identifies a container of a pod for probe queries. */
export interface ProbedContainer {
  readonly podUid: string;
  readonly containerName: string;
  /** The running instance's CRI container ID. */
  readonly containerId: string;
}

/** Runs liveness, readiness and startup probes per container (the kubelet's `prober.Manager`). */
export interface ProbeManager<P extends PodLike = PodLike> extends Subscribable<ProbeManagerEvents> {
  start(): Promise<void>;
  /** Stops every probe worker. */
  stop(): Promise<void>;
  /** Starts workers for the probes defined on the pod's containers and restartable init containers. */
  addPod(pod: P): void;
  /** Stops all of the pod's workers and forgets its results. */
  removePod(pod: P): void;
  /** Stops only liveness and startup workers: a terminating pod keeps readiness but is never killed by probes. */
  stopLivenessAndStartup(pod: P): void;
  /** Stops workers of pods whose UID is not in `desiredPodUids`. */
  cleanupPods(desiredPodUids: ReadonlySet<string>): void;
  /** Whether the container counts as started: startup probe succeeded, or it has no startup probe. */
  isStarted(container: ProbedContainer): boolean;
  /** Whether the container counts as ready: readiness probe succeeded, or it has no readiness probe. */
  isReady(container: ProbedContainer): boolean;
}
