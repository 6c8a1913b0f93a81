/** Reading what an agent reports and what the runtime holds, for the scenarios' assertions. */

import type { Container, PodSandbox } from "@kubelet-kit/cri-api";
import type { V1ContainerStatus, V1PodStatus } from "@kubernetes/client-node";
import type { AgentPod, E2eAgent, E2eTarget } from "./target.js";

/** The newest pod the agent knows by the static pod name `<name>-<nodeName>` (the latest UID). */
export function currentPod(agent: E2eAgent, name: string): AgentPod | undefined {
  const fullName = `${name}-${agent.nodeName}`;
  const matching = agent.pods().filter(({ pod }) => pod.metadata?.name === fullName);
  return matching[matching.length - 1];
}

/** The latest status of {@link currentPod}. */
export function statusOf(agent: E2eAgent, name: string): V1PodStatus | undefined {
  return currentPod(agent, name)?.status;
}

/** The UID of {@link currentPod}, or "" when the agent does not know the pod. */
export function uidOf(agent: E2eAgent, name: string): string {
  return currentPod(agent, name)?.pod.metadata?.uid ?? "";
}

/** One container status of a pod status, regular or init, by name. */
export function containerStatus(
  status: V1PodStatus | undefined,
  container: string,
): V1ContainerStatus | undefined {
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])].find(
    (c) => c.name === container,
  );
}

/** `<runtime>://<id>` → `<id>`. */
export function bareId(containerId: string | undefined): string {
  return (containerId ?? "").replace(/^[a-z-]+:\/\//, "");
}

/** Every container ID of a status (init and regular), by container name. */
export function containerIds(status: V1PodStatus | undefined): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const c of [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])]) {
    ids[c.name] = c.containerID ?? "";
  }
  return ids;
}

/** The pod's containers in the runtime (every state), oldest first. */
export async function runtimeContainers(target: E2eTarget, podUid: string): Promise<Container[]> {
  const { containers } = await target.runtime.listContainers({
    filter: { labelSelector: { "io.kubernetes.pod.uid": podUid } },
  });
  return containers.sort((a, b) => Number(a.createdAt - b.createdAt));
}

/** The pod's sandboxes in the runtime (every state). */
export async function runtimeSandboxes(target: E2eTarget, podUid: string): Promise<PodSandbox[]> {
  const { items } = await target.runtime.listPodSandbox({
    filter: { labelSelector: { "io.kubernetes.pod.uid": podUid } },
  });
  return items;
}

/** Whether `ip` (IPv4) lies in `subnet` (`a.b.c.d/n`). */
export function inSubnet(ip: string, subnet: string): boolean {
  const [base = "", bits = "32"] = subnet.split("/");
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const toNumber = (address: string): number =>
    address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}
