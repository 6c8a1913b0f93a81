import type { V1Pod } from "@kubernetes/client-node";
import { CONFIG_SEEN_ANNOTATION, LOCAL_ANNOTATIONS } from "./pod-annotations.js";

/** What {@link checkAndUpdatePod} decided about an incoming version of a known pod. */
export type PodChange = "none" | "update" | "delete" | "reconcile";

/**
 * Folds `incoming` (a new version of the pod, already annotated with its source) into `existing` (the stored
 * version, mutated in place), as the kubelet's `checkAndUpdatePod`:
 * - the pods differ semantically (spec, labels, deletion timestamp or grace period, or annotations other
 *   than the kubelet-local ones): copy spec, labels, deletion fields, status and annotations in, keeping
 *   the local annotations (source, mirror, first-seen time) → `delete` when a deletion timestamp is set,
 *   else `update`;
 * - otherwise, when only the status differs: copy the status in → `reconcile`;
 * - otherwise → `none`.
 */
export function checkAndUpdatePod(existing: V1Pod, incoming: V1Pod): PodChange {
  const existingMeta = existing.metadata ?? {};
  const incomingMeta = incoming.metadata ?? {};
  if (!podsDifferSemantically(existing, incoming)) {
    if (!semanticEqual(existing.status, incoming.status)) {
      existing.status = structuredClone(incoming.status);
      return "reconcile";
    }
    return "none";
  }
  const annotations: Record<string, string> = { ...incomingMeta.annotations };
  for (const key of LOCAL_ANNOTATIONS) {
    const value = existingMeta.annotations?.[key];
    if (value !== undefined) annotations[key] = value;
    else if (key === CONFIG_SEEN_ANNOTATION) delete annotations[key];
  }
  const metadata = { ...existingMeta, annotations };
  assignOrDelete(metadata, "labels", incomingMeta.labels);
  assignOrDelete(metadata, "deletionTimestamp", incomingMeta.deletionTimestamp);
  assignOrDelete(metadata, "deletionGracePeriodSeconds", incomingMeta.deletionGracePeriodSeconds);
  existing.metadata = metadata;
  assignOrDelete(existing, "spec", structuredClone(incoming.spec));
  assignOrDelete(existing, "status", structuredClone(incoming.status));
  return isSet(incomingMeta.deletionTimestamp) ? "delete" : "update";
}

/**
 * The kubelet's `podsDifferSemantically`: spec, labels, deletion timestamp, deletion grace period, and
 * annotations ignoring the kubelet-local ones. Metadata such as resourceVersion and the status do not count.
 */
export function podsDifferSemantically(existing: V1Pod, incoming: V1Pod): boolean {
  const a = existing.metadata ?? {};
  const b = incoming.metadata ?? {};
  return !(
    semanticEqual(existing.spec, incoming.spec) &&
    semanticEqual(a.labels ?? {}, b.labels ?? {}) &&
    semanticEqual(a.deletionTimestamp, b.deletionTimestamp) &&
    semanticEqual(a.deletionGracePeriodSeconds, b.deletionGracePeriodSeconds) &&
    annotationsEqualIgnoringLocal(a.annotations, b.annotations)
  );
}

function annotationsEqualIgnoringLocal(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const strip = (map: Readonly<Record<string, string>> | undefined): Record<string, string> => {
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(map ?? {}))
      if (!LOCAL_ANNOTATIONS.includes(key)) result[key] = value;
    return result;
  };
  return semanticEqual(strip(a), strip(b));
}

/**
 * Deep equality with JSON meaning: members that are `undefined` or `null` count as absent, `Date`s compare by
 * instant (also against an RFC 3339 string for the same instant), arrays by position.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const aAbsent = a === undefined || a === null;
  const bAbsent = b === undefined || b === null;
  if (aAbsent || bAbsent) return aAbsent && bAbsent;
  if (a instanceof Date || b instanceof Date) return instant(a) !== undefined && instant(a) === instant(b);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => semanticEqual(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) if (!semanticEqual(ra[key], rb[key])) return false;
  return true;
}

function instant(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function assignOrDelete<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value === undefined || value === null) delete target[key];
  else target[key] = value;
}
