import type { V1Pod, V1ResourceRequirements } from "@kubernetes/client-node";
import { containersOf, initContainersOf } from "./pod-helpers.js";
import { isZeroQuantity, quantitiesEqual } from "./quantity.js";

/** A pod's quality-of-service class. */
export type PodQosClass = "Guaranteed" | "Burstable" | "BestEffort";

/** The resources QoS looks at (`supportedQoSComputeResources`). */
const QOS_RESOURCES = ["cpu", "memory"] as const;

/**
 * The pod's QoS class, as the kubelet reports it in `status.qosClass` (`GetPodQOS`,
 * `pkg/apis/core/v1/helper/qos/qos.go`): the class already in `pod.status.qosClass` when set (it never
 * changes once the API server computed it), else {@link computePodQosClass}.
 *
 * @example
 * ```ts
 * getPodQosClass({ spec: { containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }] } });
 * // "Guaranteed" (requests default to limits)
 * ```
 */
export function getPodQosClass(pod: V1Pod): PodQosClass | (string & {}) {
  const existing = pod.status?.qosClass;
  if (existing !== undefined && existing !== "") return existing;
  return computePodQosClass(pod);
}

/**
 * Computes the QoS class from the spec (`ComputePodQOS`). With pod-level `spec.resources` (the
 * `PodLevelResources` feature, on by default since 1.34) those alone decide. Otherwise every init and
 * regular container is classified on its own: any Burstable container, or a mix of BestEffort and
 * Guaranteed containers, makes the pod Burstable; all BestEffort is BestEffort; all Guaranteed is Guaranteed.
 *
 * A container is BestEffort without cpu/memory requests and limits, Guaranteed when cpu and memory requests
 * equal non-zero limits, Burstable otherwise. A missing request takes its limit first, as API defaulting
 * does (`SetDefaults_Pod`), so pods that never went through an API server classify the same way.
 */
export function computePodQosClass(pod: V1Pod): PodQosClass {
  if (pod.spec?.resources !== undefined) return resourceQos(pod.spec.resources);
  let podQos: PodQosClass | undefined;
  for (const container of [...initContainersOf(pod), ...containersOf(pod)]) {
    const qos = resourceQos(container.resources ?? {});
    if (qos === "Burstable") return qos;
    if (podQos === undefined) podQos = qos;
    else if (podQos !== qos) return "Burstable";
  }
  return podQos ?? "BestEffort";
}

function resourceQos(resources: V1ResourceRequirements): PodQosClass {
  const limits = resources.limits ?? {};
  const requests = { ...limits, ...(resources.requests ?? {}) };
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return "BestEffort";
  let qos: PodQosClass | undefined;
  for (const name of QOS_RESOURCES) {
    const request = requests[name];
    const limit = limits[name];
    if (!quantitiesEqual(request, limit)) return "Burstable";
    const bestEffort = isZeroQuantity(request) && isZeroQuantity(limit);
    if (qos === undefined) qos = bestEffort ? "BestEffort" : "Guaranteed";
    else if (bestEffort !== (qos === "BestEffort")) return "Burstable";
  }
  return qos ?? "BestEffort";
}
