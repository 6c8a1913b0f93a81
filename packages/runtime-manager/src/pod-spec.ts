import type { PodRef, PodStatusSnapshot, RuntimeContainer } from "@kubelet-kit/core";
import type { V1Container, V1ContainerPort, V1EphemeralContainer, V1Pod } from "@kubernetes/client-node";
import { formatPodDesc } from "./go-format.js";
import { hashContainer, parseContainerHash } from "./hash.js";

// Reading a V1Pod the way the kubelet reads an API-defaulted pod. Where the API server fills a default
// (restart policy, grace period, termination message path/policy, pull policy, port protocol), an absent
// field is read as that default, so pods that skipped API defaulting behave the same.

/** Pod restart policy; the API default is `Always`. */
export type RestartPolicy = "Always" | "OnFailure" | "Never";

/** API default of `terminationGracePeriodSeconds`. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** API default of `terminationMessagePath`. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";

export function podRefOf(pod: V1Pod): PodRef {
  return {
    uid: pod.metadata?.uid ?? "",
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
  };
}

/** `format.Pod(pod)`: `<name>_<namespace>(<uid>)`. */
export function podDesc(pod: V1Pod): string {
  return formatPodDesc(podRefOf(pod));
}

export function restartPolicyOf(pod: V1Pod): RestartPolicy {
  const policy = pod.spec?.restartPolicy;
  return policy === "OnFailure" || policy === "Never" ? policy : "Always";
}

/** `shouldRestartOnFailure`: every policy but `Never`. */
export function shouldRestartOnFailure(pod: V1Pod): boolean {
  return restartPolicyOf(pod) !== "Never";
}

export function terminationGracePeriodSecondsOf(pod: V1Pod): number {
  return pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
}

export function terminationMessagePathOf(container: V1Container): string {
  return container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
}

export function terminationMessagePolicyOf(container: V1Container): string {
  return container.terminationMessagePolicy ?? "File";
}

export function portProtocolOf(port: V1ContainerPort): string {
  return port.protocol ?? "TCP";
}

/** A restartable init container ("sidecar"): an init container with `restartPolicy: Always`. */
export function isRestartableInitContainer(container: V1Container): boolean {
  return container.restartPolicy === "Always";
}

export function hasRestartableInitContainer(pod: V1Pod | undefined): boolean {
  return (pod?.spec?.initContainers ?? []).some(isRestartableInitContainer);
}

export function containersOf(pod: V1Pod): readonly V1Container[] {
  return pod.spec?.containers ?? [];
}

export function initContainersOf(pod: V1Pod): readonly V1Container[] {
  return pod.spec?.initContainers ?? [];
}

export function ephemeralContainersOf(pod: V1Pod): readonly V1EphemeralContainer[] {
  return pod.spec?.ephemeralContainers ?? [];
}

/** Any container of the pod by name: regular, init or ephemeral (`kubecontainer.GetContainerSpec`). */
export function containerSpecByName(pod: V1Pod, name: string): V1Container | undefined {
  return (
    initContainersOf(pod).find((c) => c.name === name) ??
    containersOf(pod).find((c) => c.name === name) ??
    (ephemeralContainersOf(pod).find((c) => c.name === name) as V1Container | undefined)
  );
}

/** The newest runtime record of a container (statuses are newest first). */
export function findContainerStatus(status: PodStatusSnapshot, name: string): RuntimeContainer | undefined {
  return status.containers.find((c) => c.name === name);
}

/**
 * `ShouldContainerBeRestarted`: never once the pod is being deleted; yes when it never ran, is created or
 * unknown; no while running; an exited one per restart policy (OnFailure: only after a non-zero exit).
 */
export function shouldContainerBeRestarted(
  container: V1Container,
  pod: V1Pod,
  podStatus: PodStatusSnapshot,
): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  const status = findContainerStatus(podStatus, container.name);
  if (status === undefined) return true;
  if (status.state === "running") return false;
  if (status.state === "unknown" || status.state === "created") return true;
  const policy = restartPolicyOf(pod);
  if (policy === "Never") return false;
  if (policy === "OnFailure" && (status.exitCode ?? 0) === 0) return false;
  return true;
}

/** `isInitContainerFailed`: OOM-killed, exited non-zero, or in unknown state. */
export function isInitContainerFailed(status: RuntimeContainer): boolean {
  if (status.reason === "OOMKilled") return true;
  if (status.state === "exited" && (status.exitCode ?? 0) !== 0) return true;
  return status.state === "unknown";
}

/** The default image pull policy the API assigns: `Always` for `:latest` or untagged, else `IfNotPresent`. */
export function pullPolicyOf(container: V1Container): "Always" | "IfNotPresent" | "Never" {
  const policy = container.imagePullPolicy;
  if (policy === "Always" || policy === "IfNotPresent" || policy === "Never") return policy;
  const image = container.image ?? "";
  if (image.includes("@")) return "IfNotPresent";
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  const tag = colon < 0 ? "" : image.slice(colon + 1);
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

/** True when the running instance no longer matches the spec's hash (name + image). */
export function containerChanged(container: V1Container, status: RuntimeContainer): boolean {
  return parseContainerHash(hashContainer(container)) !== parseContainerHash(status.hash);
}
