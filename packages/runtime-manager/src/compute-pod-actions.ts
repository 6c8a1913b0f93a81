import type { ContainerHealth, PodStatusSnapshot } from "@kubelet-kit/core";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { computeInitContainerActions } from "./init-container-actions.js";
import type { KillReason, PodActions, PodActionsDraft } from "./pod-actions.js";
import {
  containerChanged,
  containersOf,
  ephemeralContainersOf,
  findContainerStatus,
  initContainersOf,
  restartPolicyOf,
  shouldContainerBeRestarted,
  shouldRestartOnFailure,
} from "./pod-spec.js";

/** Options of {@link computePodActions}. */
export interface ComputePodActionsOptions {
  /** Latest liveness/startup results per container ID (see core's `SyncPodOptions.containerHealth`). */
  readonly containerHealth?: (containerId: string) => ContainerHealth | undefined;
}

/** `PodSandboxChanged`: whether a new sandbox is needed, its attempt and the current sandbox ID. */
export function podSandboxChanged(
  pod: V1Pod,
  podStatus: PodStatusSnapshot,
): { changed: boolean; attempt: number; sandboxId: string } {
  const sandboxes = podStatus.sandboxes;
  const newest = sandboxes[0];
  if (newest === undefined) return { changed: true, attempt: 0, sandboxId: "" };
  const ready = sandboxes.filter((s) => s.state === "ready").length;
  const maxAttempt = Math.max(...sandboxes.map((s) => s.attempt));
  if (ready > 1) return { changed: true, attempt: maxAttempt + 1, sandboxId: newest.id };
  if (newest.state !== "ready") return { changed: true, attempt: maxAttempt + 1, sandboxId: newest.id };
  if (newest.hostNetwork !== (pod.spec?.hostNetwork === true)) {
    return { changed: true, attempt: maxAttempt + 1, sandboxId: "" };
  }
  if (pod.spec?.hostNetwork !== true && newest.ips.length === 0) {
    return { changed: true, attempt: maxAttempt + 1, sandboxId: newest.id };
  }
  return { changed: false, attempt: maxAttempt, sandboxId: newest.id };
}

function containerSucceeded(container: V1Container, podStatus: PodStatusSnapshot): boolean {
  const status = findContainerStatus(podStatus, container.name);
  return status?.state === "exited" && (status.exitCode ?? 0) === 0;
}

/** `hasAnyRegularContainerCreated`: some regular container is created, running or exited. */
function hasAnyRegularContainerCreated(pod: V1Pod, podStatus: PodStatusSnapshot): boolean {
  return containersOf(pod).some((c) => {
    const state = findContainerStatus(podStatus, c.name)?.state;
    return state === "created" || state === "running" || state === "exited";
  });
}

function finish(draft: PodActionsDraft): PodActions {
  return { ...draft, containersToKill: [...draft.containersToKill.values()] };
}

/**
 * Decides what a sync must do for `pod` given the runtime's view (`computePodActions` in
 * `kuberuntime_manager.go`, with the sidecar-aware init container logic): sandbox (re)creation with the next
 * attempt and a full kill; init containers one at a time in spec order while restartable ones keep running;
 * regular containers started per restart policy once initialization is done; running containers whose spec
 * hash changed, or that failed liveness or startup, killed (and restarted when the policy allows); the
 * whole pod killed when nothing is left running or to start. A pure function.
 */
export function computePodActions(
  pod: V1Pod,
  podStatus: PodStatusSnapshot,
  options: ComputePodActionsOptions = {},
): PodActions {
  const health = options.containerHealth ?? (() => undefined);
  const sandbox = podSandboxChanged(pod, podStatus);
  const draft: PodActionsDraft = {
    killPod: sandbox.changed,
    createSandbox: sandbox.changed,
    sandboxId: sandbox.sandboxId,
    attempt: sandbox.attempt,
    initContainersToStart: [],
    containersToStart: [],
    ephemeralContainersToStart: [],
    containersToKill: new Map(),
  };

  if (sandbox.changed) {
    if (!shouldRestartOnFailure(pod) && sandbox.attempt !== 0 && podStatus.containers.length !== 0) {
      // A Never pod that already ran: kill it, do not bring it back.
      draft.createSandbox = false;
      return finish(draft);
    }
    const toStart = containersOf(pod).flatMap((c, i) =>
      restartPolicyOf(pod) === "OnFailure" && containerSucceeded(c, podStatus) ? [] : [i],
    );
    if (toStart.length === 0 && hasAnyRegularContainerCreated(pod, podStatus)) {
      draft.createSandbox = false;
      return finish(draft);
    }
    if (initContainersOf(pod).length > 0) {
      draft.initContainersToStart = [0];
      return finish(draft);
    }
    draft.containersToStart = toStart;
    return finish(draft);
  }

  ephemeralContainersOf(pod).forEach((c, i) => {
    if (findContainerStatus(podStatus, c.name) === undefined) draft.ephemeralContainersToStart.push(i);
  });

  const initialized = computeInitContainerActions(pod, podStatus, draft, health);
  if (draft.killPod || !initialized) return finish(draft);

  let keepCount = 0;
  containersOf(pod).forEach((container, index) => {
    const status = findContainerStatus(podStatus, container.name);
    if (status === undefined || status.state !== "running") {
      if (shouldContainerBeRestarted(container, pod, podStatus)) {
        draft.containersToStart.push(index);
        if (status?.state === "unknown") {
          draft.containersToKill.set(status.id, {
            containerId: status.id,
            name: status.name,
            container,
            message: `Container is in "unknown" state, try killing it before restart`,
            reason: "Unknown",
          });
        }
      }
      return;
    }
    let message: string;
    let reason: KillReason = "";
    let restart = shouldRestartOnFailure(pod);
    const result = health(status.id);
    if (containerChanged(container, status)) {
      message = `Container ${container.name} definition changed`;
      restart = true;
    } else if (result?.liveness === "failure") {
      message = `Container ${container.name} failed liveness probe`;
      reason = "LivenessProbe";
    } else if (result?.startup === "failure") {
      message = `Container ${container.name} failed startup probe`;
      reason = "StartupProbe";
    } else {
      keepCount++;
      return;
    }
    if (restart) {
      message = `${message}, will be restarted`;
      draft.containersToStart.push(index);
    }
    draft.containersToKill.set(status.id, {
      containerId: status.id,
      name: status.name,
      container,
      message,
      reason,
    });
  });

  if (keepCount === 0 && draft.containersToStart.length === 0) {
    draft.killPod = true;
    // Sidecars must not keep a finished pod alive.
    draft.initContainersToStart = [];
  }
  return finish(draft);
}
