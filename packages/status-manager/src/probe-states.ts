import type { ProbeStateReader } from "@kubelet-kit/core";
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { bareContainerId, initContainersOf, isRestartableInitContainer } from "./pod-helpers.js";

/** Input of {@link applyProbeStates}. */
export interface ProbeStatesInput {
  readonly pod: V1Pod;
  readonly containerStatuses: readonly V1ContainerStatus[];
  readonly initContainerStatuses: readonly V1ContainerStatus[];
  /** Probe results; omitted means no container has probes. */
  readonly probes?: ProbeStateReader;
}

/**
 * Sets `started` and `ready` from probe results (the prober manager's `UpdatePodStatus`). Returns updated
 * copies; the inputs are not modified.
 *
 * - `started`: false unless running; then the startup probe's result, or true without a startup probe.
 * - `ready` (regular containers and sidecars, once started): running and the readiness probe's result, or
 *   running without a readiness probe. Containers not started keep the `ready` they had.
 * - Regular init containers are ready once they exited 0.
 *
 * @example
 * ```ts
 * const { containerStatuses, initContainerStatuses } = applyProbeStates({ pod, containerStatuses: regular,
 *   initContainerStatuses: init, probes: { isReady: (id) => readiness.get(id), isStarted: () => undefined } });
 * ```
 */
export function applyProbeStates(input: ProbeStatesInput): {
  containerStatuses: V1ContainerStatus[];
  initContainerStatuses: V1ContainerStatus[];
} {
  const { pod, probes } = input;
  const containerStatuses = input.containerStatuses.map((status) => {
    const started = isStarted(status, probes);
    const next: V1ContainerStatus = { ...status, started };
    if (started) next.ready = isReady(status, probes);
    return next;
  });
  const initSpecs = initContainersOf(pod);
  const initContainerStatuses = input.initContainerStatuses.map((status) => {
    const started = isStarted(status, probes);
    const next: V1ContainerStatus = { ...status, started };
    const spec = initSpecs.find((c) => c.name === status.name);
    if (spec === undefined) return next;
    if (!isRestartableInitContainer(spec)) {
      if (status.state?.terminated !== undefined && status.state.terminated.exitCode === 0) next.ready = true;
      return next;
    }
    if (started) next.ready = isReady(status, probes);
    return next;
  });
  return { containerStatuses, initContainerStatuses };
}

function isStarted(status: V1ContainerStatus, probes: ProbeStateReader | undefined): boolean {
  if (status.state?.running === undefined) return false;
  const id = bareContainerId(status.containerID);
  const result = id === undefined ? undefined : probes?.isStarted(id);
  return result ?? true;
}

function isReady(status: V1ContainerStatus, probes: ProbeStateReader | undefined): boolean {
  if (status.state?.running === undefined) return false;
  const id = bareContainerId(status.containerID);
  const result = id === undefined ? undefined : probes?.isReady(id);
  return result ?? true;
}
