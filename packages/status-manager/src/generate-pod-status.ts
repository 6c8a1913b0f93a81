import { isIP } from "node:net";
import type { PodStatusGenerator, PodStatusInput } from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { generatePodConditions } from "./conditions.js";
import { generateContainerStatuses } from "./container-statuses.js";
import { getPodPhase, hasAnyActiveRegularContainerStarted } from "./phase.js";
import { initContainersOf, isTerminalPhase, toApiTime, truncateApiTime } from "./pod-helpers.js";
import { applyProbeStates } from "./probe-states.js";
import { getPodQosClass } from "./qos.js";

/**
 * The kubelet's API status for a pod (`generateAPIPodStatus`, `pkg/kubelet/kubelet_pods.go`), computed
 * from the runtime's view. Pure: same input, same output; time comes from `nowMs`.
 *
 * The previous status is `input.previousStatus` (the status manager's copy), else `pod.status`. From it come
 * the sticky parts: a terminal phase is never left (nor one the API shows), the phase's reason and message
 * stay while the phase does, `startTime` (else now), condition transition times, restart counts and last
 * states of containers the runtime forgot. Conditions of other owners are kept from `pod.status`.
 *
 * @example
 * ```ts
 * const status = generatePodStatus({ pod, runtimeStatus: await runtime.getPodStatus(uid, name, ns),
 *   lastSyncResult, previousStatus: statusManager.getPodStatus(uid), probes, nodeIps: ["10.0.0.5"],
 *   nowMs: clock.now() });
 * statusManager.setPodStatus(pod, status);
 * ```
 */
export const generatePodStatus: PodStatusGenerator<V1Pod> = (input: PodStatusInput<V1Pod>): V1PodStatus => {
  const { pod, runtimeStatus, lastSyncResult, nowMs } = input;
  const apiStatus = pod.status ?? {};
  const old = input.previousStatus ?? apiStatus;

  const regular = generateContainerStatuses({
    pod,
    runtimeStatus,
    kind: "regular",
    previousStatuses: old.containerStatuses,
    lastSyncResult,
  });
  const init = generateContainerStatuses({
    pod,
    runtimeStatus,
    kind: "init",
    previousStatuses: old.initContainerStatuses,
    lastSyncResult,
  });
  const ephemeral = generateContainerStatuses({
    pod,
    runtimeStatus,
    kind: "ephemeral",
    previousStatuses: old.ephemeralContainerStatuses,
    lastSyncResult,
  });

  let phase: string = getPodPhase(pod, [...regular, ...init], {
    podIsTerminal: input.podIsTerminal ?? false,
    podHasInitialized: hasAnyActiveRegularContainerStarted(pod, runtimeStatus),
  });
  if (!isTerminalPhase(phase)) {
    if (isTerminalPhase(old.phase)) phase = old.phase ?? phase;
    else if (isTerminalPhase(apiStatus.phase)) phase = apiStatus.phase ?? phase;
  }
  let reason: string | undefined;
  let message: string | undefined;
  if (phase === old.phase) {
    reason = old.reason || apiStatus.reason;
    message = old.message || apiStatus.message;
  }
  // The API's terminal phase is final.
  if (isTerminalPhase(apiStatus.phase) && phase !== apiStatus.phase) phase = apiStatus.phase ?? phase;

  const probed = applyProbeStates({
    pod,
    containerStatuses: regular,
    initContainerStatuses: init,
    probes: input.probes,
  });
  const conditions = generatePodConditions({
    pod,
    runtimeStatus,
    previousStatus: old,
    containerStatuses: probed.containerStatuses,
    initContainerStatuses: probed.initContainerStatuses,
    phase,
    nowMs,
  });

  const nodeIps = input.nodeIps ?? [];
  const hostIps = pickIpsByFamily(nodeIps, nodeIps[0]);
  let podIps = pickIpsByFamily(runtimeStatus.ips, nodeIps[0]);
  if (pod.spec?.hostNetwork === true && hostIps.length > 0) {
    const [primary, secondary] = hostIps;
    if (podIps.length === 0 && primary !== undefined) podIps = [primary];
    if (secondary !== undefined && podIps.length === 1 && ipFamily(podIps[0]) !== ipFamily(secondary)) {
      podIps = [...podIps, secondary];
    }
  }

  const status: V1PodStatus = { phase, conditions };
  if (hostIps[0] !== undefined) {
    status.hostIP = hostIps[0];
    status.hostIPs = hostIps.map((ip) => ({ ip }));
  }
  if (podIps[0] !== undefined) {
    status.podIP = podIps[0];
    status.podIPs = podIps.map((ip) => ({ ip }));
  }
  status.startTime = truncateApiTime(old.startTime) ?? toApiTime(nowMs);
  if (initContainersOf(pod).length > 0) status.initContainerStatuses = probed.initContainerStatuses;
  status.containerStatuses = probed.containerStatuses;
  status.qosClass = getPodQosClass(pod);
  if (ephemeral.length > 0) status.ephemeralContainerStatuses = ephemeral;
  if (reason) status.reason = reason;
  if (message) status.message = message;
  const generation = pod.metadata?.generation;
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
};

/**
 * At most two IPs: the first of the preferred family (that of `familyOf`, IPv4 when absent), then the first
 * of the other family (the kubelet's `sortPodIPs`). Strings that are not IPs are dropped.
 */
export function pickIpsByFamily(ips: readonly string[], familyOf: string | undefined): string[] {
  const primary = familyOf !== undefined && ipFamily(familyOf) === 6 ? 6 : 4;
  const first = ips.find((ip) => ipFamily(ip) === primary);
  const second = ips.find((ip) => ipFamily(ip) === (primary === 4 ? 6 : 4));
  return [first, second].filter((ip): ip is string => ip !== undefined);
}

function ipFamily(ip: string | undefined): number {
  return ip === undefined ? 0 : isIP(ip);
}
