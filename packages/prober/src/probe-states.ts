import type { ContainerHealth, ProbeKind, ProbeResult, ProbeStateQuery } from "@kubelet-kit/core";
import { AGENT_RESTART_GRACE_MS } from "./worker.js";

/** What the `UpdatePodStatus` rules read: cached results, which workers exist, and the restart settings. */
export interface ProbeStateSource {
  result(kind: ProbeKind, containerId: string): ProbeResult | undefined;
  hasWorker(podUid: string, containerName: string, kind: ProbeKind): boolean;
  /** Asked to probe readiness now: the container has a readiness worker but no success yet. */
  triggerReadiness(podUid: string, containerName: string): void;
  /** The agent's start, for the restart rule; `undefined`: no container counts as older than the agent. */
  readonly agentStartedAtMs: number | undefined;
  /** Upstream's `ChangeContainerStatusOnKubeletRestart` gate: true turns the restart rule off. */
  readonly changeContainerStatusOnRestart: boolean;
}

/** `started` of a running container (the kubelet's `UpdatePodStatus`); `undefined`: no startup probe. */
export function probedStarted(query: ProbeStateQuery, source: ProbeStateSource): boolean | undefined {
  const result = source.result("startup", query.containerId);
  if (result !== undefined) return result === "success";
  if (!source.changeContainerStatusOnRestart && query.previouslyStarted === true) return true;
  return source.hasWorker(query.podUid, query.containerName, "startup") ? false : undefined;
}

/** `ready` of a started container (the kubelet's `UpdatePodStatus`); `undefined`: no readiness probe. */
export function probedReady(query: ProbeStateQuery, source: ProbeStateSource): boolean | undefined {
  const result = source.result("readiness", query.containerId);
  if (result === "success") return true;
  if (!source.hasWorker(query.podUid, query.containerName, "readiness")) return undefined;
  source.triggerReadiness(query.podUid, query.containerName);
  const { agentStartedAtMs } = source;
  const olderThanAgent =
    agentStartedAtMs !== undefined &&
    query.startedAtMs !== undefined &&
    query.startedAtMs < agentStartedAtMs - AGENT_RESTART_GRACE_MS;
  if (!source.changeContainerStatusOnRestart && olderThanAgent) {
    // Agent-restart rule: no readiness verdict for it yet, so it keeps the pod's readiness.
    return result === undefined && query.podWasReady === true;
  }
  return false;
}

/** The liveness and startup results `syncPod` reads, or `undefined` when there are neither. */
export function probedHealth(
  liveness: ProbeResult | undefined,
  startup: ProbeResult | undefined,
): ContainerHealth | undefined {
  if (liveness === undefined && startup === undefined) return undefined;
  return {
    ...(liveness === undefined ? {} : { liveness }),
    ...(startup === undefined ? {} : { startup }),
  };
}
