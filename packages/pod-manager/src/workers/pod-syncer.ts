import {
  type Clock,
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
import { isTerminalPhase, podUid } from "./pod-helpers.js";
import { errorMessage, NETWORK_NOT_READY_MESSAGE, onlyBackOffFailures } from "./requeue.js";
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
  syncTerminatedPod(pod: V1Pod): Promise<void>;
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
}

/** Creates the kubelet's `SyncPod` / `SyncTerminatingPod` / `SyncTerminatedPod` over the contracts. */
export function createPodSyncer(deps: PodSyncerDeps): PodSyncer {
  const { runtime, statusManager, clock, logger } = deps;

  const fetchStatus = (pod: V1Pod): Promise<PodStatusSnapshot> =>
    runtime.getPodStatus(podUid(pod), pod.metadata?.name ?? "", pod.metadata?.namespace ?? "");

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
      const runtimeStatus = await fetchStatus(pod);
      const status = generate(pod, runtimeStatus, lastSyncResult, false);
      statusManager.setPodStatus(pod, status);
      if (isTerminalPhase(status.phase)) return { isTerminal: true };

      const networkError = deps.networkError();
      if (networkError !== undefined && pod.spec?.hostNetwork !== true) {
        throw new KubeletKitError("Unavailable", `${NETWORK_NOT_READY_MESSAGE}: ${networkError}`);
      }
      await deps.volumeManager?.waitForAttachAndMount(pod, { signal });
      const pullSecrets = deps.pullSecrets === undefined ? [] : await deps.pullSecrets(pod);
      deps.probeManager?.addPod(pod);

      // Not cancellable, as upstream: a half-finished sync is worse than a late one.
      const { containerHealth } = deps;
      const result = await runtime.syncPod(pod, runtimeStatus, {
        pullSecrets,
        ...(containerHealth === undefined ? {} : { containerHealth }),
      });
      deps.recordSyncResult(podUid(pod), result);
      await refreshStatus(pod, result);
      if (!onlyBackOffFailures(result)) {
        throw new KubeletKitError("Unknown", describeSyncFailure(result), {
          cause: result.syncError,
          details: { results: result.results },
        });
      }
      return { isTerminal: false, result };
    },

    async syncTerminatingPod(pod, gracePeriodMs, abnormal, signal) {
      const uid = podUid(pod);
      const before = await fetchStatus(pod);
      let status = generate(pod, before, deps.lastSyncResult(uid), false);
      if (abnormal?.podStatusFn !== undefined) status = abnormal.podStatusFn(status);
      statusManager.setPodStatus(pod, status);

      deps.probeManager?.stopLivenessAndStartup(pod);
      await runtime.killPod(pod, toRunningPod(before), { gracePeriodOverrideMs: gracePeriodMs, signal });
      deps.probeManager?.removePod(pod);

      // A runtime that reports success while containers still run would leave them behind: check.
      const after = { ...(await fetchStatus(pod)), ips: before.ips };
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
    },

    async syncTerminatingRuntimePod(runningPod, signal) {
      logger.info(
        { podUid: runningPod.uid, pod: `${runningPod.namespace}/${runningPod.name}` },
        "orphaned running pod terminating without grace period",
      );
      await runtime.killPod(undefined, runningPod, { gracePeriodOverrideMs: ORPHAN_GRACE_PERIOD_MS, signal });
    },

    async syncTerminatedPod(pod) {
      const runtimeStatus = await fetchStatus(pod);
      statusManager.setPodStatus(pod, generate(pod, runtimeStatus, deps.lastSyncResult(podUid(pod)), true));
      await deps.volumeManager?.waitForUnmount(pod);
      statusManager.terminatePod(pod);
    },
  };

  /**
   * Regenerates the status right after `syncPod`, so a failure the sync just hit (CrashLoopBackOff,
   * ErrImagePull, …) shows without waiting for the next sync. Best effort: a failure is only logged.
   */
  async function refreshStatus(pod: V1Pod, result: SyncResult): Promise<void> {
    try {
      const fresh = await fetchStatus(pod);
      const status = generate(pod, fresh, result, false);
      // A terminal phase is left to the next sync, which moves the pod to terminating.
      if (!isTerminalPhase(status.phase)) statusManager.setPodStatus(pod, status);
    } catch (err) {
      logger.warn({ err, podUid: podUid(pod) }, "could not refresh the pod status after a sync");
    }
  }
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
