import {
  type Clock,
  isKubeletKitError,
  KubeletKitError,
  type Logger,
  type PodStatusGenerator,
  type PodStatusSnapshot,
  type ProbeStateReader,
  type RuntimePod,
  type SyncResult,
  toRunningPod,
} from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { keepPodIps } from "../pleg/generic-pleg.js";
import type { PodCache } from "../pleg/pod-status-cache.js";
import { isTerminalPhase, podUid } from "./pod-helpers.js";
import { changedNothing, errorMessage, NETWORK_NOT_READY_MESSAGE, onlyBackOffFailures } from "./requeue.js";
import type { SyncSlots } from "./sync-slots.js";
import type { PodKillOptions, PodWorkersOptions, WorkerRuntime, WorkerStatusManager } from "./types.js";

/** Grace period of orphaned runtime pods, which have no spec to take one from: 1 s. */
export const ORPHAN_GRACE_PERIOD_MS = 1_000;

/** What {@link PodSyncer.syncPod} reports. */
export interface SyncPodOutcome {
  /** The generated phase is `Succeeded` or `Failed`: the pod must now terminate. */
  readonly isTerminal: boolean;
  /** The runtime's result, when `syncPod` was called. */
  readonly result?: SyncResult;
}

/** The per-pod lifecycle operations the workers call (the kubelet's `podSyncer`). Internal. */
export interface PodSyncer {
  /**
   * Sets the pod up: status, volumes, probes, then `PodRuntime.syncPod`. Throws when it must be retried;
   * back-off waits (CrashLoopBackOff, ImagePullBackOff) are not errors.
   */
  syncPod(pod: V1Pod, lastSyncResult: SyncResult | undefined, signal: AbortSignal): Promise<SyncPodOutcome>;
  /** Stops every container of the pod with `gracePeriodMs`; throws when it must be retried. */
  syncTerminatingPod(
    pod: V1Pod,
    gracePeriodMs: number,
    abnormal: PodKillOptions | undefined,
    signal: AbortSignal,
  ): Promise<void>;
  /** Stops an orphan's containers with a 1 s grace period. */
  syncTerminatingRuntimePod(runningPod: RuntimePod, signal: AbortSignal): Promise<void>;
  /** Writes the final status, waits for volumes to unmount and tells the status manager the pod is done. */
  syncTerminatedPod(pod: V1Pod, signal: AbortSignal): Promise<void>;
}

/** The collaborators and settings {@link createPodSyncer} needs. */
export interface PodSyncerDeps {
  readonly runtime: WorkerRuntime;
  readonly statusManager: WorkerStatusManager;
  readonly generateStatus: PodStatusGenerator<V1Pod>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly nodeIps: readonly string[];
  readonly probes: ProbeStateReader | undefined;
  readonly probeManager: PodWorkersOptions["probeManager"];
  readonly volumeManager: PodWorkersOptions["volumeManager"];
  readonly networkError: () => string | undefined;
  readonly pullSecrets: NonNullable<PodWorkersOptions["pullSecrets"]> | undefined;
  readonly containerHealth: PodWorkersOptions["containerHealth"];
  /** The newest `syncPod` result of a pod, for status generation while terminating. */
  readonly lastSyncResult: (uid: string) => SyncResult | undefined;
  /** Called with every `PodRuntime.syncPod` result, failed or not, before anything else happens. */
  readonly recordSyncResult: (uid: string, result: SyncResult) => void;
  /** The PLEG's cache; without one every status is fetched from the runtime. */
  readonly podCache: PodCache | undefined;
  /**
   * The time the next status of the pod must be observed at or after (the kubelet's `lastSyncTime`): 0
   * before the first step, then set through {@link PodSyncerDeps.setStatusNeededSinceMs} after each step.
   */
  readonly statusNeededSinceMs: (uid: string) => number;
  readonly setStatusNeededSinceMs: (uid: string, timestampMs: number) => void;
  /** Aborts when the workers stop, so no step keeps waiting for a PLEG that stopped. */
  readonly stopSignal: AbortSignal;
  /** Bounds the pods inside `runtime.syncPod` (and the status fetch after it) at once. */
  readonly syncSlots: SyncSlots;
}

/** Creates the kubelet's `SyncPod` / `SyncTerminatingPod` / `SyncTerminatedPod` over the contracts. */
export function createPodSyncer(deps: PodSyncerDeps): PodSyncer {
  const { runtime, statusManager, clock, logger } = deps;

  const { podCache } = deps;

  const fetchStatus = (pod: V1Pod): Promise<PodStatusSnapshot> =>
    runtime.getPodStatus(podUid(pod), pod.metadata?.name ?? "", pod.metadata?.namespace ?? "");

  /**
   * The status a step starts from: from the PLEG's cache, once it holds one observed after the previous
   * step ended (waiting for the next relist when it does not yet), else fetched from the runtime.
   */
  async function startingStatus(pod: V1Pod, signal: AbortSignal): Promise<ObservedStatus> {
    if (podCache === undefined) {
      const seenAtMs = clock.now();
      return { status: await fetchStatus(pod), seenAtMs };
    }
    const uid = podUid(pod);
    const waitSignal = AbortSignal.any([signal, deps.stopSignal]);
    const entry = await podCache.getNewerThan(uid, deps.statusNeededSinceMs(uid), waitSignal);
    if (entry.error !== undefined) {
      const code = isKubeletKitError(entry.error) ? entry.error.code : "Unknown";
      throw new KubeletKitError(code, `error determining status: ${errorMessage(entry.error)}`, {
        cause: entry.error,
      });
    }
    return { status: entry.status ?? emptyStatus(pod, entry.timestampMs), seenAtMs: entry.timestampMs };
  }

  /**
   * Fetches the status after the step changed the pod and shares it through the cache, stamped with the
   * time the fetch began (what it shows is at least that new).
   */
  async function observeChange(pod: V1Pod, previous: PodStatusSnapshot): Promise<ObservedStatus> {
    const seenAtMs = clock.now();
    const status = keepPodIps(await fetchStatus(pod), previous);
    podCache?.set(podUid(pod), { status, timestampMs: seenAtMs });
    return { status, seenAtMs };
  }

  /**
   * The next step needs a status observed at or after `seenAtMs`: the status this step ended with, when it
   * knows one that shows its own changes; else one observed after now (a relist that began within this
   * millisecond may have listed before the step's last change), so it waits for the PLEG's next relist.
   */
  const stepEnded = (pod: V1Pod, seenAtMs: number | undefined): void =>
    deps.setStatusNeededSinceMs(podUid(pod), seenAtMs ?? clock.now() + 1);

  const generate = (
    pod: V1Pod,
    runtimeStatus: PodStatusSnapshot,
    lastSyncResult: SyncResult | undefined,
    podIsTerminal: boolean,
  ): V1PodStatus =>
    deps.generateStatus({
      pod,
      runtimeStatus,
      ...(lastSyncResult === undefined ? {} : { lastSyncResult }),
      ...withPrevious(statusManager.getPodStatus(podUid(pod))),
      ...(deps.probes === undefined ? {} : { probes: deps.probes }),
      podIsTerminal,
      nodeIps: deps.nodeIps,
      nowMs: clock.now(),
    });

  return {
    async syncPod(pod, lastSyncResult, signal) {
      const { status: runtimeStatus, seenAtMs: startedAtMs } = await startingStatus(pod, signal);
      let seenAtMs: number | undefined;
      try {
        const status = generate(pod, runtimeStatus, lastSyncResult, false);
        statusManager.setPodStatus(pod, status);
        if (isTerminalPhase(status.phase)) {
          seenAtMs = startedAtMs;
          return { isTerminal: true };
        }

        const networkError = deps.networkError();
        if (networkError !== undefined && pod.spec?.hostNetwork !== true) {
          throw new KubeletKitError("Unavailable", `${NETWORK_NOT_READY_MESSAGE}: ${networkError}`);
        }
        await deps.volumeManager?.waitForAttachAndMount(pod, { signal });
        const pullSecrets = deps.pullSecrets === undefined ? [] : await deps.pullSecrets(pod);
        deps.probeManager?.addPod(pod);

        // Not cancellable, as upstream: a half-finished sync is worse than a late one.
        const { containerHealth } = deps;
        const release = await deps.syncSlots.acquire();
        let result: SyncResult;
        try {
          result = await runtime.syncPod(pod, runtimeStatus, {
            pullSecrets,
            ...(containerHealth === undefined ? {} : { containerHealth }),
          });
          deps.recordSyncResult(podUid(pod), result);
          seenAtMs = await showSyncOutcome(pod, runtimeStatus, startedAtMs, result);
        } finally {
          release();
        }
        if (!onlyBackOffFailures(result)) {
          throw new KubeletKitError("Unknown", describeSyncFailure(result), {
            cause: result.syncError,
            details: { results: result.results },
          });
        }
        return { isTerminal: false, result };
      } finally {
        stepEnded(pod, seenAtMs);
      }
    },

    async syncTerminatingPod(pod, gracePeriodMs, abnormal, signal) {
      const uid = podUid(pod);
      const { status: before } = await startingStatus(pod, signal);
      let seenAtMs: number | undefined;
      try {
        let status = generate(pod, before, deps.lastSyncResult(uid), false);
        if (abnormal?.podStatusFn !== undefined) status = abnormal.podStatusFn(status);
        statusManager.setPodStatus(pod, status);

        deps.probeManager?.stopLivenessAndStartup(pod);
        await runtime.killPod(pod, toRunningPod(before), { gracePeriodOverrideMs: gracePeriodMs, signal });
        deps.probeManager?.removePod(pod);

        // A runtime that reports success while containers still run would leave them behind: check, with
        // a fresh status (as upstream), which the terminated step then starts from.
        const { status: after, seenAtMs: afterAtMs } = await observeChange(pod, before);
        const running = after.containers.filter((c) => c.state === "running").map((c) => c.id);
        if (running.length > 0) {
          throw new KubeletKitError(
            "Internal",
            `detected running containers after a successful KillPod, CRI violation: [${running.join(" ")}]`,
          );
        }
        let final = generate(pod, after, deps.lastSyncResult(uid), true);
        if (abnormal?.podStatusFn !== undefined) final = abnormal.podStatusFn(final);
        statusManager.setPodStatus(pod, final);
        seenAtMs = afterAtMs;
      } finally {
        stepEnded(pod, seenAtMs);
      }
    },

    async syncTerminatingRuntimePod(runningPod, signal) {
      logger.info(
        { podUid: runningPod.uid, pod: `${runningPod.namespace}/${runningPod.name}` },
        "orphaned running pod terminating without grace period",
      );
      await runtime.killPod(undefined, runningPod, { gracePeriodOverrideMs: ORPHAN_GRACE_PERIOD_MS, signal });
    },

    async syncTerminatedPod(pod, signal) {
      const { status: runtimeStatus } = await startingStatus(pod, signal);
      statusManager.setPodStatus(pod, generate(pod, runtimeStatus, deps.lastSyncResult(podUid(pod)), true));
      await deps.volumeManager?.waitForUnmount(pod);
      statusManager.terminatePod(pod);
    },
  };

  /**
   * Shows what the sync just did (a started container, CrashLoopBackOff, ErrImagePull, …) without waiting
   * for the next sync: regenerates the status from a fresh runtime status when the sync changed anything
   * in the runtime, else from the status it started from. Returns when that status was observed. Best
   * effort: a failed fetch is only logged (and the next step then waits for the PLEG's next relist).
   */
  async function showSyncOutcome(
    pod: V1Pod,
    started: PodStatusSnapshot,
    startedAtMs: number,
    result: SyncResult,
  ): Promise<number | undefined> {
    let current: ObservedStatus = { status: started, seenAtMs: startedAtMs };
    if (!changedNothing(result)) {
      try {
        current = await observeChange(pod, started);
      } catch (err) {
        logger.warn({ err, podUid: podUid(pod) }, "could not refresh the pod status after a sync");
        return undefined;
      }
    }
    const status = generate(pod, current.status, result, false);
    // A terminal phase is left to the next sync, which moves the pod to terminating.
    if (!isTerminalPhase(status.phase)) statusManager.setPodStatus(pod, status);
    return current.seenAtMs;
  }
}

/** The status of a pod with no sandbox and no container, as of `timestampMs`. */
function emptyStatus(pod: V1Pod, timestampMs: number): PodStatusSnapshot {
  return {
    uid: podUid(pod),
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
    ips: [],
    sandboxes: [],
    containers: [],
    timestampMs,
  };
}

/** A runtime status and the time it was observed at (or after). */
interface ObservedStatus {
  readonly status: PodStatusSnapshot;
  readonly seenAtMs: number;
}

function withPrevious(previous: V1PodStatus | undefined): { previousStatus?: V1PodStatus } {
  return previous === undefined ? {} : { previousStatus: previous };
}

/** The kubelet's `PodSyncResult.Error()` text: one `failed to "<action>" for "<target>" …` per failure. */
export function describeSyncFailure(result: SyncResult): string {
  const parts: string[] = [];
  if (result.syncError !== undefined) parts.push(`failed to SyncPod: ${errorMessage(result.syncError)}`);
  for (const step of result.results) {
    if (step.error === undefined) continue;
    parts.push(
      `failed to ${JSON.stringify(step.action)} for ${JSON.stringify(step.target)} with ${step.error.reason}: ${JSON.stringify(step.error.message)}`,
    );
  }
  return parts.length === 1 ? (parts[0] as string) : `[${parts.join(", ")}]`;
}
