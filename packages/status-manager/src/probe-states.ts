import type { ProbeStateQuery, ProbeStateReader } from "@kubelet-kit/core";
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
 *   initContainerStatuses: init, probes: { isReady: (c) => readiness.get(c.containerId), isStarted: () => undefined } });
 * ```
 */
export function applyProbeStates(input: ProbeStatesInput): {
  containerStatuses: V1ContainerStatus[];
  initContainerStatuses: V1ContainerStatus[];
} {
  const { pod, probes } = input;
  const query = (status: V1ContainerStatus): ProbeStateQuery | undefined => probeQuery(pod, status);
  const containerStatuses = input.containerStatuses.map((status) => {
    const started = isStarted(status, probes, query);
    const next: V1ContainerStatus = { ...status, started };
    if (started) next.ready = isReady(status, probes, query);
    return next;
  });
  const initSpecs = initContainersOf(pod);
  const initContainerStatuses = input.initContainerStatuses.map((status) => {
    const started = isStarted(status, probes, query);
    const next: V1ContainerStatus = { ...status, started };
    const spec = initSpecs.find((c) => c.name === status.name);
    if (spec === undefined) return next;
    if (!isRestartableInitContainer(spec)) {
      if (status.state?.terminated !== undefined && status.state.terminated.exitCode === 0) next.ready = true;
      return next;
    }
    if (started) next.ready = isReady(status, probes, query);
    return next;
  });
  return { containerStatuses, initContainerStatuses };
}

type QueryOf = (status: V1ContainerStatus) => ProbeStateQuery | undefined;

function isStarted(status: V1ContainerStatus, probes: ProbeStateReader | undefined, query: QueryOf): boolean {
  if (status.state?.running === undefined) return false;
  const q = probes === undefined ? undefined : query(status);
  const result = q === undefined ? undefined : probes?.isStarted(q);
  return result ?? true;
}

function isReady(status: V1ContainerStatus, probes: ProbeStateReader | undefined, query: QueryOf): boolean {
  if (status.state?.running === undefined) return false;
  const q = probes === undefined ? undefined : query(status);
  const result = q === undefined ? undefined : probes?.isReady(q);
  return result ?? true;
}

/**
 * What the prober is asked about one container: the instance, when it started, and what the pod's API
 * status (`pod.status`) said about it and about the pod (for the agent-restart rule).
 */
function probeQuery(pod: V1Pod, status: V1ContainerStatus): ProbeStateQuery | undefined {
  const containerId = bareContainerId(status.containerID);
  if (containerId === undefined) return undefined;
  const apiStatus = pod.status;
  const previous = [
    ...(apiStatus?.containerStatuses ?? []),
    ...(apiStatus?.initContainerStatuses ?? []),
  ].find((s) => s.name === status.name && s.containerID === status.containerID);
  const startedAt = status.state?.running?.startedAt;
  const startedAtMs = startedAt === undefined ? Number.NaN : new Date(startedAt).getTime();
  return {
    podUid: pod.metadata?.uid ?? "",
    containerName: status.name,
    containerId,
    ...(Number.isNaN(startedAtMs) ? {} : { startedAtMs }),
    ...(previous?.started === undefined ? {} : { previouslyStarted: previous.started }),
    podWasReady: apiStatus?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
  };
}
