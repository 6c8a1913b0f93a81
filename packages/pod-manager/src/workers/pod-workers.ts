import {
  type Clock,
  createEventHub,
  isKubeletKitError,
  KubeletKitError,
  type Logger,
  type SyncResult,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { buildPodFullName, isStaticPod } from "../config/pod-annotations.js";
import { effectiveGracePeriodMs, MIN_WORKER_GRACE_PERIOD_MS } from "./grace-period.js";
import { resolvePodWorkersOptions } from "./options.js";
import { podFromRuntimePod, podUid } from "./pod-helpers.js";
import { createPodSyncer } from "./pod-syncer.js";
import { jitter, type RequeueTiming, requeueDelayMs, type WorkOutcome } from "./requeue.js";
import { createStaticPodGate } from "./static-pod-gate.js";
import { createStepPacer } from "./step-pacer.js";
import { createSyncSlots } from "./sync-slots.js";
import type {
  PodWorkerState,
  PodWorkerSync,
  PodWorkers,
  PodWorkersEvents,
  PodWorkersOptions,
  UpdatePodOptions,
} from "./types.js";
import { createWorkQueue } from "./work-queue.js";
import {
  acknowledgeTerminating,
  isStarted,
  isTerminated,
  isTerminationRequested,
  mergeLastUpdate,
  newRecord,
  requestTerminationIfNeeded,
  requeueLastUpdate,
  visibleState,
  type WorkerRecord,
  type WorkUpdate,
  withoutKillOptions,
  workType,
} from "./worker-record.js";

/** What `startPodSync` hands the loop: the work to do, or nothing when the pod cannot run now. */
interface StartedWork {
  readonly type: Exclude<PodWorkerState, "finished">;
  readonly update: WorkUpdate;
  readonly signal: AbortSignal;
}

/**
 * Creates the pod workers (the kubelet's `pod_workers.go`): one serialized worker per UID, the newest
 * pending update wins, and each pod moves sync → terminating → terminated → finished, never back.
 *
 * @example
 * ```ts
 * const workers = createPodWorkers({ runtime, statusManager, generateStatus: generatePodStatus, clock });
 * workers.updatePod({ type: "create", pod });
 * workers.on("workerStateChanged", ({ uid, from, to }) => log.info({ uid, from, to }, "pod worker"));
 * ```
 */
export function createPodWorkers(options: PodWorkersOptions): PodWorkers {
  const o = resolvePodWorkersOptions(options);
  const clock: Clock = o.clock;
  const logger: Logger = o.logger.child({ component: "pod-workers" });
  const hub = createEventHub<PodWorkersEvents>({ logger });
  const records = new Map<string, WorkerRecord>();
  const staticPods = createStaticPodGate((uid) => {
    const other = records.get(uid);
    return other === undefined || isTerminationRequested(other) || isTerminated(other);
  });
  const spawned = new WeakSet<WorkerRecord>();
  const queue = createWorkQueue(clock);
  const pacer = createStepPacer(o.maxStepsPerTurn);
  const timing: RequeueTiming = {
    resyncIntervalMs: o.resyncIntervalMs,
    backOffPeriodMs: o.backOffPeriodMs,
    jitterFactor: o.jitterFactor,
    random: o.random,
    clock,
  };
  let podsSynced = false;
  let stopped = false;
  const stopping = new AbortController();

  const syncer = createPodSyncer({
    runtime: o.runtime,
    statusManager: o.statusManager,
    generateStatus: o.generateStatus,
    clock,
    logger,
    nodeIps: o.nodeIps,
    probes: o.probes,
    probeManager: o.probeManager,
    volumeManager: o.volumeManager,
    networkError: o.networkError ?? (() => undefined),
    pullSecrets: o.pullSecrets,
    containerHealth: o.containerHealth,
    lastSyncResult: (uid) => records.get(uid)?.lastSyncResult,
    recordSyncResult: (uid, result) => {
      const record = records.get(uid);
      if (record !== undefined) record.lastSyncResult = result;
      hub.emit("syncResult", { uid, result });
    },
    podCache: o.podCache,
    statusNeededSinceMs: (uid) => records.get(uid)?.statusNeededSinceMs ?? 0,
    setStatusNeededSinceMs: (uid, timestampMs) => {
      const record = records.get(uid);
      if (record !== undefined) record.statusNeededSinceMs = timestampMs;
    },
    stopSignal: stopping.signal,
    syncSlots: createSyncSlots(o.maxConcurrentSyncs),
  });

  function announce(r: WorkerRecord): void {
    const to = visibleState(r);
    if (to === r.announced) return;
    const from = r.announced;
    r.announced = to;
    logger.debug({ podUid: r.uid, from, to }, "pod worker state changed");
    hub.emit("workerStateChanged", { uid: r.uid, from, to });
  }

  const releaseStatic = (r: WorkerRecord): void => staticPods.release(r.fullName, r.uid);

  function updatePod(update: UpdatePodOptions): void {
    if (stopped) {
      logger.debug({ type: update.type }, "pod workers are stopped; update ignored");
      return;
    }
    const runningPod = update.pod === undefined ? update.runningPod : undefined;
    if (update.pod === undefined && runningPod === undefined) {
      throw new KubeletKitError("InvalidArgument", "updatePod needs a pod or a runningPod");
    }
    const isRuntimePod = runningPod !== undefined;
    if (isRuntimePod && update.type !== "kill") {
      logger.info({ podUid: runningPod.uid, type: update.type }, "runtime pods can only be killed; ignored");
      return;
    }
    const sourcePod = update.pod ?? podFromRuntimePod(runningPod as NonNullable<typeof runningPod>);
    const uid = podUid(sourcePod);
    if (uid === "") throw new KubeletKitError("InvalidArgument", "updatePod: the pod has no metadata.uid");

    const now = clock.now();
    const existing = records.get(uid);
    const record =
      existing ??
      newRecord(
        uid,
        buildPodFullName(sourcePod.metadata?.name ?? "", sourcePod.metadata?.namespace ?? ""),
        now,
      );
    if (existing === undefined) records.set(uid, record);

    let work: WorkUpdate = {
      type: update.type,
      ...(update.pod === undefined ? {} : { pod: update.pod }),
      ...(runningPod === undefined ? {} : { runningPod }),
      ...(update.killOptions === undefined ? {} : { killOptions: update.killOptions }),
    };
    let pod: V1Pod = sourcePod;
    if (isRuntimePod) {
      // Once seen in the runtime, the pod must be driven to completion, with its spec when one is known.
      record.observedRuntime = true;
      const known = record.pending?.pod ?? record.active?.pod;
      if (known !== undefined) {
        pod = known;
        work = {
          type: work.type,
          pod: known,
          ...(work.killOptions ? { killOptions: work.killOptions } : {}),
        };
      }
    }

    if (existing !== undefined && isTerminationRequested(record) && update.type === "create") {
      // Same UID created again while terminating (static pods with a fixed UID): restart once forgotten.
      record.restartRequested = true;
      return;
    }
    if (record.finished) return;

    const becameTerminating = requestTerminationIfNeeded(record, pod, update, isRuntimePod, now);
    let shortened = false;
    if (isTerminated(record)) {
      if (isRuntimePod) return;
      work = withoutKillOptions(work);
    } else if (isTerminationRequested(record)) {
      const grace = effectiveGracePeriodMs(record.gracePeriodMs, pod, work.killOptions);
      shortened = grace.shortened;
      record.gracePeriodMs = grace.gracePeriodMs;
      if (work.killOptions !== undefined) record.abnormalTerminations.push(work.killOptions);
      work = { ...work, killOptions: { ...work.killOptions, gracePeriodOverrideMs: grace.gracePeriodMs } };
    } else {
      work = withoutKillOptions(work);
    }

    if (!spawned.has(record)) {
      spawned.add(record);
      // Static pods with the same full name start in the order their workers were created.
      if (isStaticPod(pod)) staticPods.enqueue(record.fullName, uid);
    }
    record.pending = work;
    record.working = true;
    announce(record);
    kick(record);
    if ((becameTerminating || shortened) && record.abort !== undefined) {
      record.abort.abort(
        new KubeletKitError("Canceled", "pod termination requested or grace period shortened"),
      );
    }
  }

  function kick(r: WorkerRecord): void {
    if (r.loop !== undefined || stopped || r.forgotten) return;
    r.loop = runLoop(r);
  }

  async function runLoop(r: WorkerRecord): Promise<void> {
    // Yield first, so `kick` has stored this promise before the loop can finish and clear it.
    await Promise.resolve();
    try {
      for (;;) {
        if (stopped || r.forgotten) return;
        await pacer.enter();
        if (stopped || r.forgotten) return;
        const work = startPodSync(r);
        if (work === undefined) return;
        await doWork(r, work);
        if (r.finished) return;
      }
    } finally {
      r.loop = undefined;
    }
  }

  /** Takes the pending update, or leaves it pending when a static pod must wait for its turn. */
  function startPodSync(r: WorkerRecord): StartedWork | undefined {
    const update = r.pending;
    if (update === undefined) {
      r.working = false;
      return undefined;
    }
    const type = workType(r);
    r.pending = undefined;
    if (r.abort === undefined || r.abort.signal.aborted) r.abort = new AbortController();
    const started = { type, update, signal: r.abort.signal };
    if (isStarted(r) || (update.runningPod !== undefined && type === "terminating")) {
      mergeLastUpdate(r, update);
      return started;
    }
    if (update.pod === undefined) {
      mergeLastUpdate(r, update);
      return undefined;
    }
    const allowed = allowPodStart(r, update.pod);
    if (allowed === "never") {
      // Terminated before it ever started: nothing to stop or clean up.
      r.finished = true;
      r.working = false;
      r.terminatedAtMs = clock.now();
      releaseStatic(r);
      announce(r);
      return undefined;
    }
    if (allowed === "wait") {
      r.pending = update;
      r.working = false;
      return undefined;
    }
    r.startedAtMs = clock.now();
    mergeLastUpdate(r, update);
    return started;
  }

  function allowPodStart(r: WorkerRecord, pod: V1Pod): "yes" | "wait" | "never" {
    if (!isStaticPod(pod)) return "yes";
    if (isTerminationRequested(r)) return "never";
    if (!staticPods.tryStart(r.fullName, r.uid)) {
      queue.enqueue(r.uid, jitter(o.backOffPeriodMs, o.jitterFactor, o.random));
      return "wait";
    }
    return "yes";
  }

  async function doWork(r: WorkerRecord, work: StartedWork): Promise<void> {
    const { type, update, signal } = work;
    const pod = update.pod;
    let isTerminal = false;
    let error: unknown;
    let syncResult: SyncResult | undefined;
    try {
      if (type === "terminated") {
        if (pod !== undefined) await syncer.syncTerminatedPod(pod, signal);
      } else if (type === "terminating") {
        const abnormal = acknowledgeTerminating(r);
        if (update.runningPod !== undefined) {
          await syncer.syncTerminatingRuntimePod(update.runningPod, signal);
        } else if (pod !== undefined) {
          const graceMs = update.killOptions?.gracePeriodOverrideMs ?? ensureGracePeriod(r, pod);
          await syncer.syncTerminatingPod(pod, graceMs, abnormal, signal);
        }
      } else if (pod !== undefined) {
        const outcome = await syncer.syncPod(pod, r.lastSyncResult, signal);
        isTerminal = outcome.isTerminal;
        syncResult = outcome.result;
      }
    } catch (err) {
      error = err;
      if (!(isKubeletKitError(err) && err.code === "Canceled")) {
        logger.error({ err, podUid: r.uid, state: type }, "error syncing pod, skipping");
        hub.emit("syncError", { uid: r.uid, state: type, error: err });
      }
    }

    let phaseTransition = false;
    if (error === undefined) {
      if (type === "terminated") {
        completeTerminated(r);
        return;
      }
      if (type === "terminating" && update.runningPod !== undefined) {
        completeTerminatingRuntimePod(r);
        return;
      }
      if (type === "terminating") {
        r.terminatedAtMs = clock.now();
        phaseTransition = true;
      } else if (isTerminal) {
        r.terminatingAtMs ??= clock.now();
        r.startedTerminating = true;
        phaseTransition = true;
      }
      if (phaseTransition) {
        requeueLastUpdate(r);
        announce(r);
      }
    }
    completeWork(r, { phaseTransition, error, ...(syncResult ? { syncResult } : {}) });
  }

  function ensureGracePeriod(r: WorkerRecord, pod: V1Pod): number {
    r.gracePeriodMs = effectiveGracePeriodMs(r.gracePeriodMs, pod, undefined).gracePeriodMs;
    return r.gracePeriodMs;
  }

  function completeTerminated(r: WorkerRecord): void {
    r.finished = true;
    r.working = false;
    r.pending = undefined;
    queue.remove(r.uid);
    releaseStatic(r);
    announce(r);
  }

  /** An orphan's containers are stopped: it has no API object, so nothing is left to track. */
  function completeTerminatingRuntimePod(r: WorkerRecord): void {
    r.terminatedAtMs = clock.now();
    r.finished = true;
    r.working = false;
    releaseStatic(r);
    announce(r);
    forget(r);
  }

  function forget(r: WorkerRecord): void {
    r.forgotten = true;
    records.delete(r.uid);
    queue.remove(r.uid);
    releaseStatic(r);
  }

  function completeWork(r: WorkerRecord, outcome: WorkOutcome): void {
    queue.enqueue(r.uid, requeueDelayMs(outcome, timing));
    if (r.pending === undefined) r.working = false;
  }

  /** Forgets a finished worker, or drives an orphan towards termination; true when it was forgotten. */
  function removeTerminatedWorker(r: WorkerRecord, orphaned: boolean): boolean {
    if (!r.finished) {
      if (!orphaned) return false;
      r.deleted = true;
      if (isStarted(r) || r.observedRuntime) {
        if (!isTerminationRequested(r)) {
          r.terminatingAtMs = clock.now();
          const pod = r.active?.pod;
          r.gracePeriodMs =
            pod === undefined
              ? MIN_WORKER_GRACE_PERIOD_MS
              : effectiveGracePeriodMs(r.gracePeriodMs, pod, undefined).gracePeriodMs;
          announce(r);
        }
        requeueLastUpdate(r);
        kick(r);
        return false;
      }
    }
    forget(r);
    return true;
  }

  /** `test` of the UID's worker, or `whenUnknown` when there is none. */
  const ask = (uid: string, test: (r: WorkerRecord) => boolean, whenUnknown: boolean): boolean => {
    const r = records.get(uid);
    return r === undefined ? whenUnknown : test(r);
  };
  const isFinished = (r: WorkerRecord): boolean => r.finished;
  const isTerminatingStarted = (r: WorkerRecord): boolean => r.startedTerminating;
  const isContentRemovable = (r: WorkerRecord): boolean => r.evicted || (r.deleted && isTerminated(r));

  return {
    on: hub.on,
    once: hub.once,
    updatePod,
    syncKnownPods(desiredPods) {
      const known = new Set(desiredPods.map(podUid));
      podsSynced = true;
      const workers = new Map<string, PodWorkerSync>();
      for (const [uid, r] of [...records]) {
        const orphan = !known.has(uid);
        if ((r.restartRequested || orphan) && removeTerminatedWorker(r, orphan)) continue;
        const configPod = r.active !== undefined ? r.active.pod : r.pending?.pod;
        workers.set(uid, {
          state: workType(r),
          orphan,
          hasConfig: configPod !== undefined,
          static: configPod !== undefined && isStaticPod(configPod),
        });
      }
      return workers;
    },
    takeDueWork: () => queue.takeDue(),
    nextSyncAtMs: (uid) => queue.dueAtMs(uid),
    workerState: (uid) => {
      const r = records.get(uid);
      return r === undefined ? undefined : visibleState(r);
    },
    isPodKnownTerminated: (uid) => ask(uid, isTerminated, false),
    couldHaveRunningContainers: (uid) => !ask(uid, isTerminated, podsSynced),
    shouldPodBeFinished: (uid) => ask(uid, isFinished, podsSynced),
    isPodTerminationRequested: (uid) => ask(uid, isTerminationRequested, false),
    shouldPodContainersBeTerminating: (uid) => ask(uid, isTerminatingStarted, podsSynced),
    shouldPodRuntimeBeRemoved: (uid) => ask(uid, isTerminated, podsSynced),
    shouldPodContentBeRemoved: (uid) => ask(uid, isContentRemovable, podsSynced),
    isPodForMirrorPodTerminatingByFullName(fullName) {
      const uid = staticPods.startedUid(fullName);
      const r = uid === undefined ? undefined : records.get(uid);
      return r !== undefined && isTerminationRequested(r) && !isTerminated(r);
    },
    async stop() {
      stopped = true;
      stopping.abort(new KubeletKitError("Canceled", "pod workers stopped"));
      queue.clear();
      await Promise.allSettled([...records.values()].map((r) => r.loop));
    },
  };
}
