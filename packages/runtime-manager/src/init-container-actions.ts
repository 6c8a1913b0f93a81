import type { ContainerHealth, PodStatusSnapshot } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import type { PodActionsDraft } from "./pod-actions.js";
import {
  containerChanged,
  containersOf,
  findContainerStatus,
  initContainersOf,
  isInitContainerFailed,
  isRestartableInitContainer,
  shouldRestartOnFailure,
} from "./pod-spec.js";

/**
 * `computeInitContainerActions` (sidecar-aware): walks the init containers backwards to find the next one to
 * start, keeps restartable init containers ("sidecars") running (restarting them when they exit, are in
 * unknown state, changed spec, or failed liveness/startup), and fails the pod when an init container fails
 * under restart policy `Never`. Returns whether initialization is complete. Mutates `draft`.
 */
export function computeInitContainerActions(
  pod: V1Pod,
  podStatus: PodStatusSnapshot,
  draft: PodActionsDraft,
  health: (containerId: string) => ContainerHealth | undefined,
): boolean {
  const inits = initContainersOf(pod);
  if (inits.length === 0) return true;

  // A regular container that is created or running proves initialization happened earlier, even if the
  // init containers have since been removed. (Exited ones do not: they may predate a sandbox re-creation.)
  let podHasInitialized = containersOf(pod).some((c) => {
    const state = findContainerStatus(podStatus, c.name)?.state;
    return state === "created" || state === "running";
  });
  let previouslyInitialized = podHasInitialized;
  const restartOnFailure = shouldRestartOnFailure(pod);
  const start = (index: number): void => {
    draft.initContainersToStart.push(index);
  };

  for (let i = inits.length - 1; i >= 0; i--) {
    const container = inits[i];
    if (container === undefined) continue;
    const status = findContainerStatus(podStatus, container.name);
    const restartable = isRestartableInitContainer(container);
    if (status === undefined) {
      if (previouslyInitialized && restartable) start(i);
      continue;
    }
    if (previouslyInitialized && !restartable) continue;

    const kill = (message: string, reason: "StartupProbe" | "LivenessProbe" | "Unknown" | ""): void => {
      draft.containersToKill.set(status.id, {
        containerId: status.id,
        name: container.name,
        container,
        message,
        reason,
      });
    };

    switch (status.state) {
      case "created":
        // Created but never started (the start failed): start it again.
        start(i);
        break;
      case "running": {
        if (!restartable) break;
        const result = health(status.id);
        if (container.startupProbe !== undefined) {
          if (result?.startup === undefined) break; // wait for the startup probe
          if (result.startup !== "success") {
            if (result.startup === "failure") {
              kill(`Init container ${container.name} failed startup probe`, "StartupProbe");
              start(i);
            }
            break;
          }
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) start(i + 1);
        if (containerChanged(container, status)) {
          kill(`Init container ${container.name} definition changed`, "");
          start(i);
          break;
        }
        if (container.livenessProbe !== undefined) {
          if (result?.liveness === undefined) break;
          if (result.liveness === "failure") {
            kill(`Init container ${container.name} failed liveness probe`, "LivenessProbe");
            start(i);
          }
        }
        break;
      }
      case "exited":
        if (restartable) {
          start(i);
        } else if (isInitContainerFailed(status)) {
          if (!restartOnFailure) {
            draft.killPod = true;
            draft.initContainersToStart = [];
            return false;
          }
          start(i);
        } else if (i === inits.length - 1) {
          podHasInitialized = true;
        } else {
          start(i + 1);
        }
        break;
      default:
        // Unknown state.
        if (!restartable && !restartOnFailure) {
          draft.killPod = true;
          draft.initContainersToStart = [];
          return false;
        }
        kill(`Init container is in "unknown" state, try killing it before restart`, "Unknown");
        start(i);
    }
    if (!previouslyInitialized) previouslyInitialized = true;
  }

  if (!previouslyInitialized) start(0);
  draft.initContainersToStart.reverse();
  return podHasInitialized;
}
