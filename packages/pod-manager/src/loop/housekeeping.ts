import type { Logger, RuntimePod } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { isPodDeleting, isTerminalPhase, podUid } from "../workers/pod-helpers.js";
import type { PodWorkers } from "../workers/types.js";
import type { SyncLoopOptions } from "./types.js";

/** Grace period for runtime pods that have no configuration: 1 s. */
export const ORPHAN_KILL_GRACE_PERIOD_MS = 1_000;

/** What one housekeeping pass needs. Internal. */
export interface HousekeepingDeps {
  readonly workers: PodWorkers;
  readonly runtime: SyncLoopOptions["runtime"];
  readonly statusManager: SyncLoopOptions["statusManager"];
  readonly probeManager: SyncLoopOptions["probeManager"];
  readonly logger: Logger;
  /** The desired pods. */
  readonly pods: () => V1Pod[];
  /** UIDs of mirror pods seen in the configuration (their statuses are kept too). */
  readonly mirrorPodUids: () => Iterable<string>;
}

/**
 * One pass of the kubelet's `HandlePodCleanups`: prune the workers to the desired pods (forgetting finished
 * ones, terminating orphaned ones), forget orphaned statuses and probes, restart desired pods the workers do
 * not know (a UID re-used after termination), finish deleted terminal pods nobody runs, and kill runtime
 * pods that have no configuration, with a 1 s grace period.
 */
export async function runHousekeeping(deps: HousekeepingDeps): Promise<void> {
  const { workers, logger } = deps;
  const desired = deps.pods();
  const working = workers.syncKnownPods(desired);

  let runningPods: RuntimePod[];
  try {
    runningPods = await deps.runtime.listPods();
  } catch (err) {
    logger.error({ err }, "housekeeping: error listing running pods");
    return;
  }
  // Updates may have arrived while listing: a pod the workers know now is not an orphan.
  const known = (uid: string): boolean => working.has(uid) || workers.workerState(uid) !== undefined;

  const possiblyRunning = new Set<string>();
  for (const [uid, sync] of working) if (sync.state !== "terminated") possiblyRunning.add(uid);
  deps.probeManager?.cleanupPods(possiblyRunning);
  deps.statusManager?.removeOrphanedStatuses(new Set([...desired.map(podUid), ...deps.mirrorPodUids()]));

  for (const pod of desired) {
    const uid = podUid(pod);
    if (known(uid) || !isActive(deps, pod)) continue;
    logger.info({ podUid: uid }, "pod will be restarted: desired but unknown to the pod workers (UID reuse)");
    workers.updatePod({ type: "create", pod });
  }

  const runningUids = new Set(runningPods.map((p) => p.uid));
  for (const pod of desired) {
    const uid = podUid(pod);
    if (isPodDeleting(pod) && isTerminalPhase(pod.status?.phase) && !known(uid) && !runningUids.has(uid)) {
      // Deleted and terminal, never run here (e.g. rejected): let the workers finish it so it can go.
      workers.updatePod({ type: "kill", pod });
    }
  }

  for (const runningPod of runningPods) {
    if (known(runningPod.uid)) continue;
    logger.info({ podUid: runningPod.uid }, "clean up containers for orphaned pod we had not seen before");
    workers.updatePod({
      type: "kill",
      runningPod,
      killOptions: { gracePeriodOverrideMs: ORPHAN_KILL_GRACE_PERIOD_MS },
    });
  }
}

/** A pod that may run: not known terminated, and not terminal unless it is still terminating. */
function isActive(deps: HousekeepingDeps, pod: V1Pod): boolean {
  const uid = podUid(pod);
  if (deps.workers.isPodKnownTerminated(uid)) return false;
  const terminal =
    isTerminalPhase(pod.status?.phase) || isTerminalPhase(deps.statusManager?.getPodStatus(uid)?.phase);
  return !terminal || deps.workers.isPodTerminationRequested(uid);
}
