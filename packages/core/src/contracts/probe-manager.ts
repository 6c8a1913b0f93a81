import type { Subscribable } from "../events.js";
import type { PodLike } from "./pod-like.js";
import type { ContainerHealth } from "./pod-runtime.js";
import type { ProbeStateReader } from "./status-generator.js";

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
  /**
   * The probe's own `terminationGracePeriodSeconds` (liveness and startup probes only), which replaces the
   * pod's for the kill a `failure` causes (unless the pod is being deleted). Absent when the probe sets none.
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** Events of a {@link ProbeManager}. */
export interface ProbeManagerEvents {
  /**
   * A container's result changed (emitted only on change). Readiness and startup changes go to the
   * status manager; a liveness or startup `failure` wakes the pod worker, which restarts the container.
   */
  result: (event: ProbeResultEvent) => void;
}

/** Identifies a container instance of a pod for probe queries. */
export interface ProbedContainer {
  readonly podUid: string;
  readonly containerName: string;
  /** The running instance's CRI container ID (without the `<runtime>://` prefix). */
  readonly containerId: string;
}

/**
 * Runs liveness, readiness and startup probes per container (the kubelet's `prober.Manager`). It is also
 * the {@link ProbeStateReader} status generation reads `started`/`ready` from, and the source of
 * `SyncPodOptions.containerHealth`.
 */
export interface ProbeManager<P extends PodLike = PodLike>
  extends Subscribable<ProbeManagerEvents>,
    ProbeStateReader {
  start(): Promise<void>;
  /** Stops every probe worker; resolves once probes in flight have settled. */
  stop(): Promise<void>;
  /**
   * Starts workers for the probes defined on the pod's containers and restartable init containers
   * (startup, readiness, liveness, in that order); probes that already have a worker are left alone.
   */
  addPod(pod: P): void;
  /** Stops all of the pod's workers and forgets its results. */
  removePod(pod: P): void;
  /** Stops only liveness and startup workers: a terminating pod keeps readiness but is never killed by probes. */
  stopLivenessAndStartup(pod: P): void;
  /** Stops workers of pods whose UID is not in `desiredPodUids`. */
  cleanupPods(desiredPodUids: ReadonlySet<string>): void;
  /**
   * The latest liveness and startup results of a container instance (the kubelet's liveness and startup
   * results managers), for `SyncPodOptions.containerHealth`; `undefined` when it has neither.
   */
  containerHealth(containerId: string): ContainerHealth | undefined;
}
