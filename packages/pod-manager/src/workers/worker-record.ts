import type { RuntimePod, SyncResult } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { isPodDeleting, isTerminalPhase } from "./pod-helpers.js";
import type { PodKillOptions, PodUpdateKind, PodWorkerState, UpdatePodOptions } from "./types.js";

/** An update as the worker keeps it (the kubelet's `UpdatePodOptions` after `UpdatePod` normalised it). */
export interface WorkUpdate {
  readonly type: PodUpdateKind;
  readonly pod?: V1Pod;
  readonly runningPod?: RuntimePod;
  readonly killOptions?: PodKillOptions;
}

/** Everything a pod worker tracks about one UID (the kubelet's `podSyncStatus`). Internal. */
export interface WorkerRecord {
  readonly uid: string;
  readonly fullName: string;
  /** The newest update not yet picked up by the worker. */
  pending: WorkUpdate | undefined;
  /** The state the worker last acted on; visible once the pod started. */
  active: WorkUpdate | undefined;
  /** An update is pending or being processed. */
  working: boolean;
  /** The worker's processing loop, while it runs. */
  loop: Promise<void> | undefined;
  /** Cancels the current step when termination starts or the grace period shrinks. */
  abort: AbortController | undefined;
  syncedAtMs: number;
  startedAtMs: number | undefined;
  terminatingAtMs: number | undefined;
  terminatedAtMs: number | undefined;
  /** The grace period in effect once termination was requested, in ms (0 = none yet). */
  gracePeriodMs: number;
  /** Kill requests with a status adjustment, oldest first. */
  abnormalTerminations: PodKillOptions[];
  startedTerminating: boolean;
  deleted: boolean;
  evicted: boolean;
  finished: boolean;
  restartRequested: boolean;
  observedRuntime: boolean;
  /** Removed from the map; a loop still running must stop. */
  forgotten: boolean;
  lastSyncResult: SyncResult | undefined;
  /** The next step's runtime status must be observed at or after this time (the kubelet's `lastSyncTime`). */
  statusNeededSinceMs: number;
  /** The state last announced through `workerStateChanged`. */
  announced: PodWorkerState;
}

export function newRecord(uid: string, fullName: string, nowMs: number): WorkerRecord {
  return {
    uid,
    fullName,
    pending: undefined,
    active: undefined,
    working: false,
    loop: undefined,
    abort: undefined,
    syncedAtMs: nowMs,
    startedAtMs: undefined,
    terminatingAtMs: undefined,
    terminatedAtMs: undefined,
    gracePeriodMs: 0,
    abnormalTerminations: [],
    startedTerminating: false,
    deleted: false,
    evicted: false,
    finished: false,
    restartRequested: false,
    observedRuntime: false,
    forgotten: false,
    lastSyncResult: undefined,
    statusNeededSinceMs: 0,
    announced: "sync",
  };
}

export const isTerminationRequested = (r: WorkerRecord): boolean => r.terminatingAtMs !== undefined;
export const isTerminated = (r: WorkerRecord): boolean => r.terminatedAtMs !== undefined;
export const isStarted = (r: WorkerRecord): boolean => r.startedAtMs !== undefined;

/** The kind of work the record calls for next (`podSyncStatus.WorkType`). */
export function workType(r: WorkerRecord): Exclude<PodWorkerState, "finished"> {
  if (isTerminated(r)) return "terminated";
  if (isTerminationRequested(r)) return "terminating";
  return "sync";
}

/** The state shown to the outside: the work type, or `finished` once cleanup succeeded. */
export function visibleState(r: WorkerRecord): PodWorkerState {
  return r.finished ? "finished" : workType(r);
}

/**
 * Folds an update into the active one (`mergeLastUpdate`): the newest spec wins, but a runtime-only update
 * never replaces a known spec; kill options accumulate.
 */
export function mergeLastUpdate(r: WorkerRecord, update: WorkUpdate): void {
  const previous = r.active;
  const keepPod = previous?.pod !== undefined && update.runningPod !== undefined;
  const pod = keepPod ? previous?.pod : update.pod;
  const killOptions = update.killOptions ?? previous?.killOptions;
  r.active = {
    type: update.type,
    ...(pod === undefined ? {} : { pod }),
    ...(update.runningPod === undefined ? {} : { runningPod: update.runningPod }),
    ...(killOptions === undefined ? {} : { killOptions }),
  };
}

/** Marks the pod terminating when the update calls for it; true when it just became so. */
export function requestTerminationIfNeeded(
  r: WorkerRecord,
  pod: V1Pod,
  update: UpdatePodOptions,
  isRuntimePod: boolean,
  now: number,
): boolean {
  if (isTerminationRequested(r)) return false;
  if (isRuntimePod || isPodDeleting(pod)) {
    r.deleted = true;
  } else if (isTerminalPhase(pod.status?.phase)) {
    // Terminal in the API: it must not run again.
  } else if (update.type === "kill") {
    if (update.killOptions?.evict === true) r.evicted = true;
  } else {
    return false;
  }
  r.terminatingAtMs = now;
  return true;
}

/** Notes that the worker saw the termination; returns the newest kill that adjusts the status. */
export function acknowledgeTerminating(r: WorkerRecord): PodKillOptions | undefined {
  if (isTerminationRequested(r)) r.startedTerminating = true;
  return r.abnormalTerminations.findLast((k) => k.podStatusFn !== undefined);
}

/** Replays the active update so the next state's work runs at once (unless an update is waiting). */
export function requeueLastUpdate(r: WorkerRecord): void {
  if (r.pending !== undefined || r.active === undefined) return;
  r.pending = { ...r.active };
  r.working = true;
}

/** The update without kill options (they only apply while terminating). */
export function withoutKillOptions(update: WorkUpdate): WorkUpdate {
  if (update.killOptions === undefined) return update;
  const { killOptions: _dropped, ...rest } = update;
  return rest;
}
