import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { KUBELET_OWNED_CONDITIONS, KUBELET_SHARED_CONDITIONS } from "./conditions.js";
import { MAX_POD_TERMINATION_MESSAGE_BYTES } from "./constants.js";
import { containersOf, initContainersOf, truncateApiTime } from "./pod-helpers.js";

/**
 * Brings a status into the form the API server stores (`normalizeStatus`, `status_manager.go`), in place:
 * every timestamp truncated to whole seconds; each terminated `message` cut to its share of the pod's
 * 12 KiB (`MAX_POD_TERMINATION_MESSAGE_BYTES` divided by the number of init and regular containers, in
 * UTF-8 bytes, never splitting a character); regular statuses sorted by name, init statuses in spec order.
 * Returns `status`.
 */
export function normalizePodStatus(pod: V1Pod, status: V1PodStatus): V1PodStatus {
  const containers = containersOf(pod).length + initContainersOf(pod).length;
  const bytesPerStatus =
    containers > 0
      ? Math.floor(MAX_POD_TERMINATION_MESSAGE_BYTES / containers)
      : MAX_POD_TERMINATION_MESSAGE_BYTES;
  setTime(status, "startTime");
  for (const condition of status.conditions ?? []) {
    setTime(condition, "lastProbeTime");
    setTime(condition, "lastTransitionTime");
  }
  for (const list of [status.containerStatuses, status.initContainerStatuses]) {
    for (const container of list ?? []) {
      normalizeState(container.state, bytesPerStatus);
      normalizeState(container.lastState, bytesPerStatus);
    }
  }
  status.containerStatuses?.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (status.initContainerStatuses !== undefined) {
    const order = new Map(initContainersOf(pod).map((c, i) => [c.name, i]));
    const rank = (s: V1ContainerStatus): number => order.get(s.name) ?? Number.MAX_SAFE_INTEGER;
    status.initContainerStatuses.sort((a, b) => rank(a) - rank(b));
  }
  return status;
}

function normalizeState(state: V1ContainerState | undefined, bytesPerStatus: number): void {
  if (state?.running) setTime(state.running, "startedAt");
  const terminated = state?.terminated;
  if (terminated) {
    setTime(terminated, "startedAt");
    setTime(terminated, "finishedAt");
    if (terminated.message !== undefined)
      terminated.message = truncateUtf8(terminated.message, bytesPerStatus);
  }
}

function setTime<K extends string>(target: { [key in K]?: Date }, key: K): void {
  if (!(key in target)) return;
  const truncated = truncateApiTime(target[key]);
  if (truncated === undefined) delete target[key];
  else target[key] = truncated;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/**
 * Whether two statuses are the same as far as the kubelet is concerned (`isPodStatusByKubeletEqual`):
 * every kubelet-owned or shared condition in `next` exists in `previous` with the same status, reason and
 * message (transition times do not matter), other conditions are ignored, and everything else is equal
 * (`Date`s by value, missing and empty lists alike, missing and empty strings alike).
 */
export function isPodStatusEquivalent(previous: V1PodStatus, next: V1PodStatus): boolean {
  for (const condition of next.conditions ?? []) {
    if (!KUBELET_OWNED_CONDITIONS.has(condition.type) && !KUBELET_SHARED_CONDITIONS.has(condition.type))
      continue;
    const old = previous.conditions?.find((c) => c.type === condition.type);
    if (
      old === undefined ||
      old.status !== condition.status ||
      (old.reason ?? "") !== (condition.reason ?? "") ||
      (old.message ?? "") !== (condition.message ?? "")
    ) {
      return false;
    }
  }
  return semanticEqual({ ...previous, conditions: undefined }, { ...next, conditions: undefined });
}

/** Deep equality with the API's zero-value rules: `undefined` equals `""` and `[]`; `Date`s compare by time. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isZero(a) && isZero(b)) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => semanticEqual(item, b[i]));
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) if (!semanticEqual(left[key], right[key])) return false;
    return true;
  }
  return a === b;
}

function isZero(value: unknown): boolean {
  return (
    value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)
  );
}
