import type { PodStatusSnapshot } from "@kubelet-kit/core";
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import {
  POD_SANDBOX_NOT_READY_MESSAGES,
  REASON_CONTAINERS_NOT_INITIALIZED,
  REASON_CONTAINERS_NOT_READY,
  REASON_POD_COMPLETED,
  REASON_POD_FAILED,
  REASON_POD_SANDBOX_NOT_READY,
  REASON_READINESS_GATES_NOT_READY,
  REASON_UNKNOWN_CONTAINER_STATUSES,
} from "./constants.js";
import {
  containersOf,
  findStatus,
  goList,
  initContainersOf,
  isRestartableInitContainer,
  toApiTime,
} from "./pod-helpers.js";

/** Condition types the kubelet owns: it replaces them wholesale (`kubetypes.PodConditionByKubelet`). */
export const KUBELET_OWNED_CONDITIONS: ReadonlySet<string> = new Set([
  "PodScheduled",
  "Ready",
  "Initialized",
  "ContainersReady",
  "PodReadyToStartContainers",
  "PodResizePending",
  "PodResizeInProgress",
]);

/** Condition types the kubelet shares with other writers (`kubetypes.PodConditionSharedByKubelet`). */
export const KUBELET_SHARED_CONDITIONS: ReadonlySet<string> = new Set(["DisruptionTarget"]);

/** Conditions whose `lastTransitionTime` the status manager maintains (`updateStatusInternal`). */
const TRANSITION_TIME_CONDITIONS = [
  "ContainersReady",
  "Ready",
  "Initialized",
  "PodReadyToStartContainers",
  "PodScheduled",
  "DisruptionTarget",
] as const;

/**
 * The ContainersReady condition (`GenerateContainersReadyCondition`): regular containers and sidecars must
 * all be `ready`. `statuses` are the pod's regular and init container statuses together.
 */
export function generateContainersReadyCondition(
  pod: V1Pod,
  statuses: readonly V1ContainerStatus[] | undefined,
  phase: string | undefined,
): V1PodCondition {
  const type = "ContainersReady";
  if (statuses === undefined || statuses.length === 0) {
    return condition(pod, type, "False", REASON_UNKNOWN_CONTAINER_STATUSES);
  }
  const unknown: string[] = [];
  const unready: string[] = [];
  const considered = [...initContainersOf(pod).filter(isRestartableInitContainer), ...containersOf(pod)];
  for (const container of considered) {
    const status = findStatus(statuses, container.name);
    if (status === undefined) unknown.push(container.name);
    else if (!status.ready) unready.push(container.name);
  }
  if ((phase === "Succeeded" && unknown.length === 0) || phase === "Failed") {
    return condition(pod, type, "False", phase === "Failed" ? REASON_POD_FAILED : REASON_POD_COMPLETED);
  }
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length > 0) {
    return condition(pod, type, "False", REASON_CONTAINERS_NOT_READY, messages.join(", "));
  }
  return condition(pod, type, "True");
}

/**
 * The Ready condition (`GeneratePodReadyCondition`): ContainersReady's status, reason and message when it is
 * not True; else every readiness gate's condition (looked up in `conditions`) must be True.
 */
export function generatePodReadyCondition(
  pod: V1Pod,
  conditions: readonly V1PodCondition[],
  statuses: readonly V1ContainerStatus[] | undefined,
  phase: string | undefined,
): V1PodCondition {
  const containersReady = generateContainersReadyCondition(pod, statuses, phase);
  if (containersReady.status !== "True") {
    return condition(pod, "Ready", containersReady.status, containersReady.reason, containersReady.message);
  }
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const found = conditions.find((c) => c.type === gate.conditionType);
    if (found === undefined) {
      messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    } else if (found.status !== "True") {
      messages.push(
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${found.status}`,
      );
    }
  }
  if (messages.length > 0) {
    return condition(pod, "Ready", "False", REASON_READINESS_GATES_NOT_READY, messages.join(", "));
  }
  return condition(pod, "Ready", "True");
}

/**
 * The Initialized condition (`GeneratePodInitializedCondition`): a regular init container counts when
 * `ready` (exited 0), a sidecar when `started`; a pod whose regular containers ever ran stays initialized.
 */
export function generatePodInitializedCondition(
  pod: V1Pod,
  statuses: readonly V1ContainerStatus[] | undefined,
  phase: string | undefined,
): V1PodCondition {
  const type = "Initialized";
  const initContainers = initContainersOf(pod);
  if ((statuses === undefined || statuses.length === 0) && initContainers.length > 0) {
    return condition(pod, type, "False", REASON_UNKNOWN_CONTAINER_STATUSES);
  }
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const container of initContainers) {
    const status = findStatus(statuses, container.name);
    if (status === undefined) unknown.push(container.name);
    else if (isRestartableInitContainer(container) ? status.started !== true : !status.ready) {
      incomplete.push(container.name);
    }
  }
  if (phase === "Succeeded" && unknown.length === 0) {
    return condition(pod, type, "True", REASON_POD_COMPLETED);
  }
  if (hasAnyRegularContainerStarted(pod, statuses)) return condition(pod, type, "True");
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length > 0) {
    return condition(pod, type, "False", REASON_CONTAINERS_NOT_INITIALIZED, messages.join(", "));
  }
  return condition(pod, type, "True");
}

/**
 * The PodReadyToStartContainers condition: True when no new sandbox is needed (the kubelet's
 * `PodSandboxChanged`: exactly one ready sandbox, the newest, in the pod's network mode, with an IP unless
 * the pod uses the host network); else False with reason `PodSandboxNotReady` and why.
 */
export function generatePodReadyToStartContainersCondition(
  pod: V1Pod,
  runtimeStatus: PodStatusSnapshot,
): V1PodCondition {
  const why = sandboxChangeReason(pod, runtimeStatus);
  if (why === undefined) return condition(pod, "PodReadyToStartContainers", "True");
  return condition(pod, "PodReadyToStartContainers", "False", REASON_POD_SANDBOX_NOT_READY, why);
}

function sandboxChangeReason(pod: V1Pod, runtimeStatus: PodStatusSnapshot): string | undefined {
  const sandboxes = [...runtimeStatus.sandboxes].sort((a, b) => b.createdAtMs - a.createdAtMs);
  const newest = sandboxes[0];
  if (newest === undefined) return POD_SANDBOX_NOT_READY_MESSAGES.noSandbox;
  if (sandboxes.filter((s) => s.state === "ready").length > 1) {
    return POD_SANDBOX_NOT_READY_MESSAGES.multipleSandboxes;
  }
  if (newest.state !== "ready") return POD_SANDBOX_NOT_READY_MESSAGES.sandboxNotReady;
  const hostNetwork = pod.spec?.hostNetwork === true;
  if (newest.hostNetwork !== hostNetwork) return POD_SANDBOX_NOT_READY_MESSAGES.networkNamespaceChanged;
  if (!hostNetwork && newest.ips.length === 0) return POD_SANDBOX_NOT_READY_MESSAGES.noIpAddress;
  return undefined;
}

/** Input of {@link generatePodConditions}. */
export interface PodConditionsInput {
  readonly pod: V1Pod;
  readonly runtimeStatus: PodStatusSnapshot;
  /** The pod's previous status (status manager's copy, else the API's): DisruptionTarget and transition times. */
  readonly previousStatus?: V1PodStatus;
  readonly containerStatuses: readonly V1ContainerStatus[];
  readonly initContainerStatuses: readonly V1ContainerStatus[];
  readonly phase: string;
  /** When given, `lastTransitionTime` is maintained against `previousStatus` (see {@link maintainTransitionTimes}). */
  readonly nowMs?: number;
}

/**
 * All pod conditions in the kubelet's order (`generateAPIPodStatus`): conditions of other owners kept from
 * `pod.status`, DisruptionTarget carried from the previous status, then PodReadyToStartContainers,
 * Initialized, Ready, ContainersReady and PodScheduled (always True).
 *
 * @example
 * ```ts
 * const conditions = generatePodConditions({ pod, runtimeStatus, containerStatuses, initContainerStatuses,
 *   phase: "Running", previousStatus, nowMs: clock.now() });
 * ```
 */
export function generatePodConditions(input: PodConditionsInput): V1PodCondition[] {
  const { pod, runtimeStatus, previousStatus, phase } = input;
  const conditions: V1PodCondition[] = (pod.status?.conditions ?? [])
    .filter((c) => !KUBELET_OWNED_CONDITIONS.has(c.type))
    .map((c) => ({ ...c }));
  const disruption = previousStatus?.conditions?.find((c) => c.type === "DisruptionTarget");
  if (disruption !== undefined) {
    const at = conditions.findIndex((c) => c.type === "DisruptionTarget");
    if (at === -1) conditions.push({ ...disruption });
    else conditions[at] = { ...disruption };
  }
  const all = [...input.initContainerStatuses, ...input.containerStatuses];
  conditions.push(generatePodReadyToStartContainersCondition(pod, runtimeStatus));
  conditions.push(generatePodInitializedCondition(pod, all, phase));
  conditions.push(generatePodReadyCondition(pod, conditions, all, phase));
  conditions.push(generateContainersReadyCondition(pod, all, phase));
  conditions.push(condition(pod, "PodScheduled", "True"));
  if (input.nowMs !== undefined) {
    const status: V1PodStatus = { conditions };
    maintainTransitionTimes(status, previousStatus, input.nowMs);
  }
  return conditions;
}

/**
 * Sets `lastTransitionTime` of the kubelet-maintained conditions in `status` (ContainersReady, Ready,
 * Initialized, PodReadyToStartContainers, PodScheduled, DisruptionTarget): the old condition's time when its
 * status did not change, else `nowMs` truncated to seconds (`updateLastTransitionTime`). Mutates `status`.
 */
export function maintainTransitionTimes(
  status: V1PodStatus,
  oldStatus: V1PodStatus | undefined,
  nowMs: number,
): void {
  for (const type of TRANSITION_TIME_CONDITIONS) {
    const current = status.conditions?.find((c) => c.type === type);
    if (current === undefined) continue;
    const old = oldStatus?.conditions?.find((c) => c.type === type);
    if (old !== undefined && old.status === current.status) {
      if (old.lastTransitionTime === undefined) delete current.lastTransitionTime;
      else current.lastTransitionTime = old.lastTransitionTime;
    } else {
      current.lastTransitionTime = toApiTime(nowMs);
    }
  }
}

/** Whether a regular container is running or terminated (`HasAnyRegularContainerStarted`). */
export function hasAnyRegularContainerStarted(
  pod: V1Pod,
  statuses: readonly V1ContainerStatus[] | undefined,
): boolean {
  const names = new Set(containersOf(pod).map((c) => c.name));
  return (statuses ?? []).some(
    (s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined),
  );
}

function condition(
  pod: V1Pod,
  type: string,
  status: string,
  reason?: string,
  message?: string,
): V1PodCondition {
  const result: V1PodCondition = { type, status };
  const generation = pod.metadata?.generation;
  if (generation !== undefined) result.observedGeneration = generation;
  if (reason !== undefined && reason !== "") result.reason = reason;
  if (message !== undefined && message !== "") result.message = message;
  return result;
}
