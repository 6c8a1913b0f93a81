import type { PodStatusSnapshot } from "@kubelet-kit/core";
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import {
  containersOf,
  findStatus,
  initContainersOf,
  isRestartableInitContainer,
  isStaticPod,
  type PodPhase,
  podRestartPolicy,
} from "./pod-helpers.js";

/** Options of {@link getPodPhase}. */
export interface PodPhaseOptions {
  /**
   * The pod worker decided the pod will not run again: a pod whose containers all stopped is then
   * Succeeded or Failed whatever its restart policy (static pods excepted, upstream TODO #116484).
   * Default: `false`.
   */
  readonly podIsTerminal?: boolean;
  /**
   * A regular container of the current sandbox has been created, so the pod initialized once: sidecars that
   * restart do not send it back to Pending. Default: `false`. {@link hasAnyActiveRegularContainerStarted}
   * computes it from the runtime's view.
   */
  readonly podHasInitialized?: boolean;
}

/**
 * The pod phase from its container statuses, regular and init together (the kubelet's `getPhase`,
 * `pkg/kubelet/kubelet_pods.go`, with the `ContainerRestartRules` and `RestartAllContainersOnContainerExits`
 * alpha features off):
 *
 * 1. A regular init container that failed (terminated non-zero, or waiting after a non-zero exit) under
 *    restart policy Never → Failed.
 * 2. A regular init container still pending (no status, running, waiting for its first run, unknown), a
 *    sidecar not started yet or waiting for its first run while the pod has not initialized, or a waiting
 *    container → Pending.
 * 3. Something running and no unknown container → Running.
 * 4. Nothing running, something stopped, nothing unknown: terminal pods (not static) are Succeeded when
 *    every stopped container exited 0, else Failed; otherwise Always → Running, all exit 0 → Succeeded,
 *    Never → Failed, OnFailure → Running.
 * 5. Anything else → Pending.
 *
 * Sidecars count as running while they run and are ignored once terminated.
 *
 * @example
 * ```ts
 * getPodPhase(pod, [...status.containerStatuses, ...status.initContainerStatuses], { podIsTerminal: false });
 * ```
 */
export function getPodPhase(
  pod: V1Pod,
  containerStatuses: readonly V1ContainerStatus[],
  options: PodPhaseOptions = {},
): PodPhase {
  const { podIsTerminal = false, podHasInitialized = false } = options;
  const restartPolicy = podRestartPolicy(pod);
  let pendingRegularInit = 0;
  let pendingSidecars = 0;
  let failedInitialization = 0;

  for (const container of initContainersOf(pod)) {
    if (isRestartableInitContainer(container)) continue;
    const status = findStatus(containerStatuses, container.name);
    const state = status?.state;
    if (state?.running) pendingRegularInit++;
    else if (state?.terminated) {
      if (state.terminated.exitCode !== 0) failedInitialization++;
    } else if (state?.waiting) {
      const last = status?.lastState?.terminated;
      if (last === undefined) pendingRegularInit++;
      else if (last.exitCode !== 0) failedInitialization++;
    } else pendingRegularInit++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;

  for (const container of initContainersOf(pod)) {
    if (!isRestartableInitContainer(container)) continue;
    const status = findStatus(containerStatuses, container.name);
    const state = status?.state;
    if (status === undefined) unknown++;
    else if (state?.running) {
      if (status.started !== true) pendingSidecars++;
      running++;
    } else if (state?.terminated) {
      // A stopped sidecar does not count towards the phase.
    } else if (state?.waiting) {
      if (status.lastState?.terminated === undefined) {
        pendingSidecars++;
        waiting++;
      }
    } else {
      pendingSidecars++;
      unknown++;
    }
  }

  for (const container of containersOf(pod)) {
    const status = findStatus(containerStatuses, container.name);
    const state = status?.state;
    if (status === undefined) unknown++;
    else if (state?.running) running++;
    else if (state?.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (state?.waiting) {
      if (status.lastState?.terminated !== undefined) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInitialization > 0 && restartPolicy === "Never") return "Failed";
  if (pendingRegularInit > 0 || (pendingSidecars > 0 && !podHasInitialized) || waiting > 0) return "Pending";
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal && !isStaticPod(pod)) return stopped === succeeded ? "Succeeded" : "Failed";
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

/**
 * Whether a regular container of the pod's current sandbox exists in the runtime, whatever its state (the
 * kubelet's `HasAnyActiveRegularContainerStarted`, over `ActiveContainerStatuses`). "Current sandbox" is
 * read as "created no earlier than the newest sandbox", since {@link PodStatusSnapshot} does not link
 * containers to sandboxes; a snapshot without sandboxes counts every container.
 */
export function hasAnyActiveRegularContainerStarted(pod: V1Pod, runtimeStatus: PodStatusSnapshot): boolean {
  const names = new Set(containersOf(pod).map((c) => c.name));
  const newestSandboxMs = Math.max(
    Number.NEGATIVE_INFINITY,
    ...runtimeStatus.sandboxes.map((s) => s.createdAtMs),
  );
  return runtimeStatus.containers.some((c) => names.has(c.name) && c.createdAtMs >= newestSandboxMs);
}
