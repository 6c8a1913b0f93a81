import type { PodLike, PodSourceName } from "@kubelet-kit/core";

/** `kubernetes.io/config.source`: the name of the source a pod came from (`file`, `http`, `api`, …). */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
/** `kubernetes.io/config.hash`: a static pod's content hash (its generated UID). */
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
/** `kubernetes.io/config.seen`: when the kubelet first saw the pod (RFC 3339, nanoseconds, UTC). */
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";
/** `kubernetes.io/config.mirror`: on a mirror pod, the `config.hash` of the static pod it mirrors. */
export const CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

/**
 * Annotations the kubelet itself maintains; the merge ignores them when deciding whether a pod changed,
 * and keeps its own values when it copies a change in.
 */
export const LOCAL_ANNOTATIONS: readonly string[] = Object.freeze([
  CONFIG_SOURCE_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
]);

/** Source names of the kubelet (`kubetypes.FileSource`, `HTTPSource`, `ApiserverSource`, `AllSource`). */
export const FILE_SOURCE = "file";
export const HTTP_SOURCE = "http";
export const API_SOURCE = "api";
export const ALL_SOURCES = "*";

/** `<name>_<namespace>`, the kubelet's pod full name (`kubecontainer.BuildPodFullName`). */
export function buildPodFullName(name: string, namespace: string): string {
  return `${name}_${namespace}`;
}

/** The full name (`<name>_<namespace>`) of a pod; missing parts count as empty. */
export function getPodFullName(pod: PodLike): string {
  return buildPodFullName(pod.metadata?.name ?? "", pod.metadata?.namespace ?? "");
}

/** The pod's `kubernetes.io/config.source` annotation, or `undefined` when it has none. */
export function getPodSource(pod: PodLike): PodSourceName | undefined {
  return pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION];
}

/** A static pod: one whose source annotation is set and is not `api` (file, http or a custom source). */
export function isStaticPod(pod: PodLike): boolean {
  const source = getPodSource(pod);
  return source !== undefined && source !== API_SOURCE;
}

/** A mirror pod: the API server's copy of a static pod, marked with `kubernetes.io/config.mirror`. */
export function isMirrorPod(pod: PodLike): boolean {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

/**
 * Formats a time as the kubelet's `config.seen` does (RFC 3339 with a fixed nine-digit fraction), in UTC:
 * `2023-11-14T22:13:20.000000000Z`. JavaScript time has millisecond precision, so the last six digits are 0.
 */
export function formatSeenTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}
