// The status manager's rules about container states (`status_manager.go`): which transitions are illegal,
// and what a terminated pod's status looks like.
import type { V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import {
  MESSAGE_CONTAINER_LOST_AT_TERMINATION,
  REASON_CONTAINER_STATUS_UNKNOWN,
  UNKNOWN_CONTAINER_EXIT_CODE,
} from "./constants.js";
import {
  clone,
  initContainersOf,
  isRestartableInitContainer,
  isStaticPod,
  podRestartPolicy,
} from "./pod-helpers.js";

/**
 * Why `next` may not replace `previous`, or `undefined` when it may (`checkContainerStateTransition`). Under
 * restart policy Always anything goes. Otherwise a terminated container may not become non-terminated,
 * except one that failed under OnFailure; sidecars always may restart. Init statuses are matched to the spec
 * by position, and a mismatch is itself an error.
 */
export function illegalTransition(pod: V1Pod, previous: V1PodStatus, next: V1PodStatus): string | undefined {
  const policy = podRestartPolicy(pod);
  if (policy === "Always") return undefined;
  const mayRestart = (old: V1ContainerStatus): boolean => {
    const terminated = old.state?.terminated;
    return terminated === undefined || (terminated.exitCode !== 0 && policy === "OnFailure");
  };
  for (const old of previous.containerStatuses ?? []) {
    if (mayRestart(old)) continue;
    if (
      (next.containerStatuses ?? []).some((s) => s.name === old.name && s.state?.terminated === undefined)
    ) {
      return `terminated container ${old.name} attempted illegal transition to non-terminated state`;
    }
  }
  const specs = initContainersOf(pod);
  for (const [i, old] of (previous.initContainerStatuses ?? []).entries()) {
    const spec = specs[i];
    if (spec === undefined || spec.name !== old.name) {
      return `found mismatch between pod spec and status, container: ${old.name}`;
    }
    if (isRestartableInitContainer(spec) || mayRestart(old)) continue;
    if (
      (next.initContainerStatuses ?? []).some((s) => s.name === old.name && s.state?.terminated === undefined)
    ) {
      return `terminated init container ${old.name} attempted illegal transition to non-terminated state`;
    }
  }
  return undefined;
}

/**
 * The status of a pod the kubelet is done with (`TerminatePod`): built from `previous`, every container that
 * may have run and has no terminated state gets a made-up one (`ContainerStatusUnknown`, exit 137): regular
 * containers once the pod initialized, init containers up to the last one that ever started. Pods that are
 * not static go from Pending or Running (or no phase) to Failed; static pods keep their phase (upstream
 * TODO #116484). Returns a new status; `previous` is not modified.
 */
export function terminatedPodStatus(pod: V1Pod, previous: V1PodStatus): V1PodStatus {
  const status = clone(previous);
  const lost = () => ({
    terminated: {
      reason: REASON_CONTAINER_STATUS_UNKNOWN,
      message: MESSAGE_CONTAINER_LOST_AT_TERMINATION,
      exitCode: UNKNOWN_CONTAINER_EXIT_CODE,
    },
  });
  if (hasPodInitialized(pod, previous)) {
    for (const container of status.containerStatuses ?? []) {
      if (container.state?.terminated === undefined) container.state = lost();
    }
  }
  for (const container of initializedContainers(status.initContainerStatuses ?? [])) {
    if (container.state?.terminated === undefined) container.state = lost();
  }
  if (!isStaticPod(pod) && status.phase !== "Succeeded" && status.phase !== "Failed") status.phase = "Failed";
  return status;
}

/**
 * Whether the pod ever got past its init containers (`hasPodInitialized`): it has none; a regular container
 * left waiting or has a last termination; or the last init container completed (a sidecar: is running and
 * started).
 */
export function hasPodInitialized(pod: V1Pod, status: V1PodStatus): boolean {
  const specs = initContainersOf(pod);
  if (specs.length === 0) return true;
  for (const container of status.containerStatuses ?? []) {
    if (container.lastState?.terminated !== undefined || container.state?.waiting === undefined) return true;
  }
  const statuses = status.initContainerStatuses ?? [];
  const last = statuses[statuses.length - 1];
  if (last === undefined) return false;
  const spec = specs[statuses.length - 1];
  if (spec === undefined || spec.name !== last.name) return false;
  if (isRestartableInitContainer(spec)) return last.state?.running !== undefined && last.started === true;
  return last.lastState?.terminated?.exitCode === 0 || last.state?.terminated?.exitCode === 0;
}

/** The init statuses up to the last one that ever left Waiting (at least the first one). */
function initializedContainers(statuses: V1ContainerStatus[]): V1ContainerStatus[] {
  for (let i = statuses.length - 1; i >= 0; i--) {
    const status = statuses[i];
    if (status?.state?.waiting === undefined || status.lastState?.terminated !== undefined) {
      return statuses.slice(0, i + 1);
    }
  }
  return statuses.slice(0, 1);
}
