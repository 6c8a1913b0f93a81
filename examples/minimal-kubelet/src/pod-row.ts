// One row of `kubectl get pods`: NAME, READY, STATUS, RESTARTS, AGE, computed the way kubectl's pod printer
// does (`printPod` in kubernetes/kubernetes pkg/printers/internalversion/printers.go).

import type { V1Container, V1ContainerStatus, V1Pod, V1PodCondition } from "@kubernetes/client-node";
import { humanDuration } from "./duration.js";

/** The cells of one `kubectl get pods` row. */
export interface PodRow {
  readonly name: string;
  /** `<ready>/<total>`; restartable init containers (sidecars) count. */
  readonly ready: string;
  /** What kubectl calls STATUS: `Running`, `Completed`, `CrashLoopBackOff`, `Init:0/1`, `Terminating`, … */
  readonly status: string;
  /** Total restarts, with `(<age> ago)` of the last one when there was one. */
  readonly restarts: string;
  readonly age: string;
}

/** The annotation holding when the kubelet first saw a static pod; AGE falls back to it (see {@link podRow}). */
const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";

/**
 * Computes the row for `pod` at `nowMs`. AGE is measured from `metadata.creationTimestamp`; a static pod has
 * none until the API server creates its mirror pod, so the kubelet's first-seen time
 * (`kubernetes.io/config.seen`) stands in, then `status.startTime`; without any, AGE is `<unknown>`.
 */
export function podRow(pod: V1Pod, nowMs: number): PodRow {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const initSpecs = new Map<string, V1Container>((spec?.initContainers ?? []).map((c) => [c.name, c]));
  const isSidecar = (name: string): boolean => initSpecs.get(name)?.restartPolicy === "Always";

  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  let lastRestartMs: number | undefined;
  let lastSidecarRestartMs: number | undefined;
  let totalContainers = spec?.containers?.length ?? 0;
  for (const c of spec?.initContainers ?? []) if (c.restartPolicy === "Always") totalContainers++;

  let reason = status.reason !== undefined && status.reason !== "" ? status.reason : (status.phase ?? "");
  for (const condition of status.conditions ?? []) {
    if (condition.type === "PodScheduled" && condition.reason === "SchedulingGated")
      reason = "SchedulingGated";
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [index, container] of initStatuses.entries()) {
    restarts += container.restartCount ?? 0;
    const finished = lastFinishedMs(container);
    if (finished !== undefined) lastRestartMs = later(lastRestartMs, finished);
    if (isSidecar(container.name)) {
      sidecarRestarts += container.restartCount ?? 0;
      if (finished !== undefined) lastSidecarRestartMs = later(lastSidecarRestartMs, finished);
    }
    const terminated = container.state?.terminated;
    const waitingReason = container.state?.waiting?.reason ?? "";
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    if (isSidecar(container.name) && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated !== undefined) {
      reason = `Init:${terminatedReason(terminated)}`;
    } else if (waitingReason !== "" && waitingReason !== "PodInitializing") {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${index}/${spec?.initContainers?.length ?? 0}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasTrueCondition(status.conditions, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestartMs = lastSidecarRestartMs;
    let hasRunning = false;
    let errorReason = "";
    const statuses = status.containerStatuses ?? [];
    // Last to first: the first container's state wins, as in kubectl.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] as V1ContainerStatus;
      restarts += container.restartCount ?? 0;
      const finished = lastFinishedMs(container);
      if (finished !== undefined) lastRestartMs = later(lastRestartMs, finished);
      const waitingReason = container.state?.waiting?.reason ?? "";
      const terminated = container.state?.terminated;
      if (waitingReason !== "") {
        reason = waitingReason;
      } else if (terminated !== undefined) {
        reason = terminatedReason(terminated);
        if (terminated.exitCode !== 0) errorReason = reason;
      } else if (container.ready && container.state?.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A completed container next to running ones does not make the pod look done.
    if (reason === "Completed") {
      if (hasRunning && hasTrueCondition(status.conditions, "Ready")) reason = "Running";
      else if (errorReason !== "") reason = errorReason;
      else if (hasRunning) reason = "NotReady";
    }
  }

  if (pod.metadata?.deletionTimestamp != null) {
    if (status.reason === "NodeLost") reason = "Unknown";
    else if (status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";
  }

  const restartsCell =
    restarts !== 0 && lastRestartMs !== undefined
      ? `${restarts} (${humanDuration(nowMs - lastRestartMs)} ago)`
      : String(restarts);
  const createdMs = creationMs(pod);
  return {
    name: pod.metadata?.name ?? "",
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsCell,
    age: createdMs === undefined ? "<unknown>" : humanDuration(nowMs - createdMs),
  };
}

function terminatedReason(terminated: { reason?: string; signal?: number; exitCode: number }): string {
  if (terminated.reason !== undefined && terminated.reason !== "") return terminated.reason;
  if (terminated.signal !== undefined && terminated.signal !== 0) return `Signal:${terminated.signal}`;
  return `ExitCode:${terminated.exitCode}`;
}

function hasTrueCondition(conditions: readonly V1PodCondition[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === "True");
}

function lastFinishedMs(container: V1ContainerStatus): number | undefined {
  const terminated = container.lastState?.terminated;
  return terminated === undefined ? undefined : toMs(terminated.finishedAt);
}

function later(a: number | undefined, b: number): number {
  return a === undefined || b > a ? b : a;
}

function creationMs(pod: V1Pod): number | undefined {
  return (
    toMs(pod.metadata?.creationTimestamp) ??
    toMs(pod.metadata?.annotations?.[CONFIG_SEEN_ANNOTATION]) ??
    toMs(pod.status?.startTime)
  );
}

/** A time from the API object: a `Date` (client-node's type) or an RFC 3339 string (decoded YAML/JSON). */
function toMs(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
