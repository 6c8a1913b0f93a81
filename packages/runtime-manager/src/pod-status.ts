import type {
  PodStatusSnapshot,
  RuntimeContainer,
  RuntimeContainerState,
  RuntimePod,
  RuntimeSandbox,
} from "@kubelet-kit/core";
import { isKubeletKitError } from "@kubelet-kit/core";
import {
  type Container,
  ContainerState,
  type ContainerStatus,
  NamespaceMode,
  type PodSandbox,
  PodSandboxState,
  type PodSandboxStatus,
} from "@kubelet-kit/cri-api";
import type { RuntimeContext } from "./context.js";
import { containerInfoFromAnnotations, containerInfoFromLabels, POD_UID_LABEL } from "./labels.js";
import { exitedContainerMessage } from "./termination-message.js";

const nsToMs = (ns: bigint): number => Number(ns / 1_000_000n);

function stateOf(state: ContainerState): RuntimeContainerState {
  switch (state) {
    case ContainerState.CONTAINER_CREATED:
      return "created";
    case ContainerState.CONTAINER_RUNNING:
      return "running";
    case ContainerState.CONTAINER_EXITED:
      return "exited";
    default:
      return "unknown";
  }
}

/** `determinePodSandboxIPs`: the primary IP, then the additional ones. */
export function sandboxIps(status: PodSandboxStatus): string[] {
  const network = status.network;
  if (network === undefined) return [];
  return [...(network.ip === "" ? [] : [network.ip]), ...network.additionalIps.map((ip) => ip.ip)];
}

/** A CRI sandbox status as core's {@link RuntimeSandbox}. */
export function toRuntimeSandbox(status: PodSandboxStatus): RuntimeSandbox {
  return {
    id: status.id,
    name: status.metadata?.name ?? "",
    namespace: status.metadata?.namespace ?? "",
    uid: status.metadata?.uid ?? "",
    attempt: status.metadata?.attempt ?? 0,
    state: status.state === PodSandboxState.SANDBOX_READY ? "ready" : "notready",
    createdAtMs: nsToMs(status.createdAt),
    ips: sandboxIps(status),
    hostNetwork: status.linux?.namespaces?.options?.network === NamespaceMode.NODE,
    runtimeHandler: status.runtimeHandler,
    labels: { ...status.labels },
    annotations: { ...status.annotations },
  };
}

/** A CRI sandbox list item as a {@link RuntimeSandbox} (no IPs or network mode in listings). */
function listedSandbox(sandbox: PodSandbox): RuntimeSandbox {
  return {
    id: sandbox.id,
    name: sandbox.metadata?.name ?? "",
    namespace: sandbox.metadata?.namespace ?? "",
    uid: sandbox.metadata?.uid ?? "",
    attempt: sandbox.metadata?.attempt ?? 0,
    state: sandbox.state === PodSandboxState.SANDBOX_READY ? "ready" : "notready",
    createdAtMs: nsToMs(sandbox.createdAt),
    ips: [],
    hostNetwork: false,
    runtimeHandler: sandbox.runtimeHandler,
    labels: { ...sandbox.labels },
    annotations: { ...sandbox.annotations },
  };
}

/**
 * A CRI container status as core's {@link RuntimeContainer} (`toKubeContainerStatus` +
 * `convertToKubeContainerStatus`): name from the container-name label, restart count and hash from the
 * annotations, image ID preferring `image_id`, start time unless still created, exit details (message
 * including the termination message) once exited.
 */
export async function toRuntimeContainer(
  status: ContainerStatus,
  runtimeType: string,
  ctx: Pick<RuntimeContext, "clock">,
): Promise<RuntimeContainer> {
  const labels = containerInfoFromLabels(status.labels);
  const annotations = containerInfoFromAnnotations(status.annotations);
  const state = stateOf(status.state);
  const exited = state === "exited";
  return {
    id: status.id,
    runtimeType,
    name: labels.containerName !== "" ? labels.containerName : (status.metadata?.name ?? ""),
    image: status.image?.image ?? "",
    imageRef: status.imageId !== "" ? status.imageId : status.imageRef,
    state,
    createdAtMs: nsToMs(status.createdAt),
    ...(state !== "created" ? { startedAtMs: nsToMs(status.startedAt) } : {}),
    ...(exited
      ? {
          finishedAtMs: nsToMs(status.finishedAt),
          exitCode: status.exitCode,
          reason: status.reason,
          message: await exitedContainerMessage(status, ctx.clock),
        }
      : {}),
    restartCount: annotations.restartCount,
    ...(annotations.hash !== undefined ? { hash: annotations.hash } : {}),
    labels: { ...status.labels },
    annotations: { ...status.annotations },
  };
}

/** A CRI container list item as a {@link RuntimeContainer} (listings carry no times past creation). */
function listedContainer(container: Container, runtimeType: string): RuntimeContainer {
  const annotations = containerInfoFromAnnotations(container.annotations);
  return {
    id: container.id,
    runtimeType,
    name: container.metadata?.name ?? "",
    image: container.image?.image ?? "",
    imageRef: container.imageId !== "" ? container.imageId : container.imageRef,
    state: stateOf(container.state),
    createdAtMs: nsToMs(container.createdAt),
    restartCount: annotations.restartCount,
    ...(annotations.hash !== undefined ? { hash: annotations.hash } : {}),
    labels: { ...container.labels },
    annotations: { ...container.annotations },
  };
}

/** Newest first; instances created in the same millisecond are ordered by restart count. */
const newestFirst = (a: RuntimeContainer, b: RuntimeContainer): number =>
  b.createdAtMs - a.createdAtMs ||
  b.restartCount - a.restartCount ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * `GetPodStatus`: the pod's sandboxes (newest first, IPs from the newest if ready) and every container
 * instance labelled with the pod UID (newest first). Items that vanish between list and status are skipped.
 */
export async function getPodStatus(
  ctx: RuntimeContext,
  pod: { uid: string; name: string; namespace: string },
  signal?: AbortSignal,
): Promise<PodStatusSnapshot> {
  const selector = { labelSelector: { [POD_UID_LABEL]: pod.uid } };
  const { items } = await ctx.runtime.listPodSandbox({ filter: selector }, { signal });
  // Newest first; sandboxes created in the same instant are ordered by attempt.
  const ordered = [...items].sort(
    (a, b) =>
      Number(b.createdAt - a.createdAt) ||
      (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const sandboxes: RuntimeSandbox[] = [];
  let ips: readonly string[] = [];
  for (const [index, item] of ordered.entries()) {
    let status: PodSandboxStatus | undefined;
    try {
      status = (await ctx.runtime.podSandboxStatus({ podSandboxId: item.id }, { signal })).status;
    } catch (err) {
      if (isKubeletKitError(err) && err.code === "NotFound") continue;
      throw err;
    }
    if (status === undefined) throw new Error("pod sandbox status is nil");
    const sandbox = toRuntimeSandbox(status);
    sandboxes.push(sandbox);
    if (index === 0 && sandbox.state === "ready") ips = sandbox.ips;
  }
  const runtimeType = await ctx.runtimeName();
  const { containers } = await ctx.runtime.listContainers({ filter: selector }, { signal });
  const statuses: RuntimeContainer[] = [];
  for (const container of containers) {
    let status: ContainerStatus | undefined;
    try {
      status = (await ctx.runtime.containerStatus({ containerId: container.id }, { signal })).status;
    } catch (err) {
      if (isKubeletKitError(err) && err.code === "NotFound") continue;
      throw err;
    }
    if (status === undefined) throw new Error("container status is nil");
    statuses.push(await toRuntimeContainer(status, runtimeType, ctx));
  }
  statuses.sort(newestFirst);
  return { ...pod, ips, sandboxes, containers: statuses, timestampMs: ctx.clock.now() };
}

/**
 * `GetPods`: sandboxes grouped by their metadata UID and containers by their pod-UID label, newest pod
 * first. Running containers and ready sandboxes only unless `all`.
 */
export async function listPods(
  ctx: RuntimeContext,
  all: boolean,
  signal?: AbortSignal,
): Promise<RuntimePod[]> {
  const { items } = await ctx.runtime.listPodSandbox(
    { filter: all ? {} : { state: { state: PodSandboxState.SANDBOX_READY } } },
    { signal },
  );
  const { containers } = await ctx.runtime.listContainers(
    { filter: all ? {} : { state: { state: ContainerState.CONTAINER_RUNNING } } },
    { signal },
  );
  const runtimeType = await ctx.runtimeName();
  const pods = new Map<
    string,
    { pod: RuntimePod & { containers: RuntimeContainer[]; sandboxes: RuntimeSandbox[] }; createdAt: number }
  >();
  const entry = (uid: string, name: string, namespace: string) => {
    let found = pods.get(uid);
    if (found === undefined) {
      found = { pod: { uid, name, namespace, containers: [], sandboxes: [] }, createdAt: 0 };
      pods.set(uid, found);
    }
    return found;
  };
  for (const sandbox of items) {
    if (sandbox.metadata === undefined) continue;
    const found = entry(sandbox.metadata.uid, sandbox.metadata.name, sandbox.metadata.namespace);
    found.pod.sandboxes.push(listedSandbox(sandbox));
    found.createdAt = nsToMs(sandbox.createdAt);
  }
  for (const container of containers) {
    if (container.metadata === undefined) continue;
    const labels = containerInfoFromLabels(container.labels);
    entry(labels.podUid, labels.podName, labels.podNamespace).pod.containers.push(
      listedContainer(container, runtimeType),
    );
  }
  return [...pods.values()].sort((a, b) => b.createdAt - a.createdAt).map((p) => p.pod);
}
