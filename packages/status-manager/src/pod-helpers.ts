import type { V1Container, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { API_SERVER_SOURCE, CONFIG_SOURCE_ANNOTATION } from "./constants.js";

/** The pod phases. */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** True for `Succeeded` and `Failed`. */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** The pod's restart policy; the API defaults a missing one to `Always`. */
export function podRestartPolicy(pod: V1Pod): string {
  return pod.spec?.restartPolicy ?? "Always";
}

/** A sidecar: an init container with `restartPolicy: Always`. */
export function isRestartableInitContainer(container: V1Container): boolean {
  return container.restartPolicy === "Always";
}

/** A static pod: its config source annotation is set and is not `api` (`kubetypes.IsStaticPod`). */
export function isStaticPod(pod: V1Pod): boolean {
  const source = pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== API_SERVER_SOURCE;
}

/** True once the pod has a deletion timestamp. */
export function isPodBeingDeleted(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function initContainersOf(pod: V1Pod): readonly V1Container[] {
  return pod.spec?.initContainers ?? [];
}

export function containersOf(pod: V1Pod): readonly V1Container[] {
  return pod.spec?.containers ?? [];
}

/** The status named `name`, if any. */
export function findStatus(
  statuses: readonly V1ContainerStatus[] | undefined,
  name: string,
): V1ContainerStatus | undefined {
  return statuses?.find((s) => s.name === name);
}

/** Milliseconds truncated to whole seconds, as a `Date` (the API serialises times as RFC 3339 seconds). */
export function toApiTime(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/**
 * A time field truncated to whole seconds. Accepts what JSON or YAML parsing may leave in a `Date` field
 * (an RFC 3339 string) and returns a `Date`; returns `undefined` for missing or unparsable values.
 */
export function truncateApiTime(value: Date | string | undefined | null): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : toApiTime(ms);
}

/** `<runtimeType>://<id>`, the API form of a container ID. */
export function formatContainerId(runtimeType: string, id: string): string {
  return `${runtimeType}://${id}`;
}

/** The runtime's own ID inside an API container ID (`containerd://abc` → `abc`); other strings unchanged. */
export function bareContainerId(apiContainerId: string | undefined): string | undefined {
  if (apiContainerId === undefined) return undefined;
  const at = apiContainerId.indexOf("://");
  return at === -1 ? apiContainerId : apiContainerId.slice(at + 3);
}

/** A list as Go's `%s` prints a `[]string`: `[a b c]`. */
export function goList(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

/**
 * A deep copy of API data: plain objects, arrays, `Date`s (kept as `Date`s) and primitives. Objects come
 * back as plain objects with their own enumerable properties. Several times cheaper than `structuredClone`,
 * which the status manager would otherwise pay on every status it stores and hands out.
 */
export function clone<T>(value: T): T {
  return copyApiValue(value) as T;
}

function copyApiValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = copyApiValue(value[i]);
    return items;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyApiValue((value as Record<string, unknown>)[key]);
  return copy;
}
