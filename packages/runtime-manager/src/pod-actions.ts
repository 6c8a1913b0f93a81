import type { V1Container } from "@kubernetes/client-node";

// The result type of computePodActions and its mutable draft.

/** Why a container is killed; drives the grace period (probe grace periods) as upstream. */
export type KillReason = "StartupProbe" | "LivenessProbe" | "FailedPostStartHook" | "Unknown" | "";

/** One container instance the sync will stop before starting anything. */
export interface ContainerToKill {
  /** CRI container ID of the running (or unknown-state) instance. */
  readonly containerId: string;
  readonly name: string;
  /** The spec the instance belongs to (for preStop and grace periods). */
  readonly container: V1Container;
  /** Shown in the `Killing` event, e.g. `Container app failed liveness probe, will be restarted`. */
  readonly message: string;
  readonly reason: KillReason;
}

/** What one sync must do (the kubelet's `podActions`). */
export interface PodActions {
  /** Stop every container and the sandbox first. */
  readonly killPod: boolean;
  /** Create a new sandbox (after killing the pod and purging init containers). */
  readonly createSandbox: boolean;
  /** The existing sandbox to start containers in; "" when there is none. */
  readonly sandboxId: string;
  /** Sandbox attempt: the highest existing attempt, plus one when a new sandbox is needed. */
  readonly attempt: number;
  /** Indexes into `spec.initContainers` to start, in spec order. */
  readonly initContainersToStart: readonly number[];
  /** Indexes into `spec.containers` to start. */
  readonly containersToStart: readonly number[];
  /** Indexes into `spec.ephemeralContainers` to start (they are never restarted). */
  readonly ephemeralContainersToStart: readonly number[];
  /** Instances to kill, in the order they were decided. */
  readonly containersToKill: readonly ContainerToKill[];
}

/** Mutable working copy of {@link PodActions} while computing. */
export interface PodActionsDraft {
  killPod: boolean;
  createSandbox: boolean;
  sandboxId: string;
  attempt: number;
  initContainersToStart: number[];
  containersToStart: number[];
  ephemeralContainersToStart: number[];
  containersToKill: Map<string, ContainerToKill>;
}
