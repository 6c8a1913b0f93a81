import {
  type Clock,
  type ContainerRef,
  createEventHub,
  createNoopLogger,
  type Logger,
  type StatusManager,
  type StatusManagerEvents,
  type TimerHandle,
} from "@kubelet-kit/core";
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import {
  generateContainersReadyCondition,
  generatePodReadyCondition,
  maintainTransitionTimes,
} from "./conditions.js";
import { STATUS_SYNC_PERIOD_MS } from "./constants.js";
import { isPodStatusEquivalent, normalizePodStatus } from "./normalize.js";
import { bareContainerId, clone, isPodBeingDeleted, isStaticPod, toApiTime } from "./pod-helpers.js";
import { illegalTransition, terminatedPodStatus } from "./status-rules.js";

/**
 * Where the status manager writes statuses: the seam the API-server sync plugs into. It is called after
 * changes, one pod at a time, with the newest status of the pod; a rejected promise is logged and the
 * write is retried at the next change or periodic sync.
 */
export interface PodStatusSink {
  writeStatus(pod: V1Pod, status: V1PodStatus, version: number): Promise<void>;
}

/** One cached pod status, as `listPodStatuses()` returns it. */
export type CachedPodStatus = ReturnType<StatusManager<V1Pod, V1PodStatus>["listPodStatuses"]>[number];

/** Options of {@link createStatusManager}. */
export interface StatusManagerOptions {
  /** Time source for transition times, `startTime` and the sync timers. */
  clock: Clock;
  /** Default: no-op. */
  logger?: Logger;
  /**
   * Receives every new status version once `start()` ran. Default: none; statuses are only cached (the
   * kubelet does not start its sync loop without an API client either).
   */
  sink?: PodStatusSink;
  /**
   * How long after a change the sink is called, so a burst of changes becomes one write per pod.
   * Default: `0` (changes made in the same turn of the event loop coalesce), in ms.
   */
  batchDelayMs?: number;
  /**
   * Period of the full pass that re-sends statuses whose last write failed. Default: `10_000` ms, the
   * kubelet's status `syncPeriod`.
   */
  syncPeriodMs?: number;
}

type ResolvedOptions = Required<Omit<StatusManagerOptions, "sink">> & Pick<StatusManagerOptions, "sink">;

function resolveOptions(options: StatusManagerOptions): ResolvedOptions {
  return {
    clock: options.clock,
    logger: options.logger ?? createNoopLogger(),
    sink: options.sink,
    batchDelayMs: options.batchDelayMs ?? 0,
    syncPeriodMs: options.syncPeriodMs ?? STATUS_SYNC_PERIOD_MS,
  };
}

interface CachedStatus {
  pod: V1Pod;
  status: V1PodStatus;
  version: number;
  podIsFinished: boolean;
}

/**
 * The kubelet's status manager (`pkg/kubelet/status/status_manager.go`) without the API client: an
 * in-memory cache of each pod's API status, keyed by pod UID, with a version per pod.
 *
 * Every update goes through the kubelet's `updateStatusInternal` rules: an illegal container transition
 * (terminated back to running under restart policy Never/OnFailure) drops the update with an error log;
 * condition transition times are kept while a condition's status holds; `startTime` never changes once
 * set; the status is normalised (whole-second times, termination messages within 12 KiB per pod, sorted
 * container statuses). An update equivalent to the cached status is ignored unless the pod is being
 * deleted; otherwise the version goes up and `statusChanged` fires.
 *
 * With a `sink`, `start()` begins writing new versions to it (coalesced per `batchDelayMs`, retried every
 * `syncPeriodMs`).
 *
 * @example
 * ```ts
 * const statuses = createStatusManager({ clock, logger });
 * statuses.on("statusChanged", ({ podUid, status, version }) => console.log(podUid, version, status.phase));
 * statuses.setPodStatus(pod, generatePodStatus({ pod, runtimeStatus, nowMs: clock.now() }));
 * ```
 */
export function createStatusManager(options: StatusManagerOptions): StatusManager<V1Pod, V1PodStatus> {
  const { clock, logger, sink, batchDelayMs, syncPeriodMs } = resolveOptions(options);
  const hub = createEventHub<StatusManagerEvents<V1PodStatus>>({ logger });
  const cache = new Map<string, CachedStatus>();
  const written = new Map<string, number>();
  let started = false;
  let batchTimer: TimerHandle | undefined;
  let periodTimer: TimerHandle | undefined;
  let syncing: Promise<void> | undefined;
  let syncAgain = false;

  function podLog(pod: V1Pod): Record<string, unknown> {
    return { pod: `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`, podUid: pod.metadata?.uid };
  }

  function updateStatusInternal(pod: V1Pod, next: V1PodStatus, force: boolean, podIsFinished: boolean): void {
    const uid = pod.metadata?.uid;
    if (uid === undefined || uid === "") {
      logger.error(podLog(pod), "Status update on pod without a UID ignored");
      return;
    }
    const cached = cache.get(uid);
    const old = cached?.status ?? pod.status ?? {};
    let finished = podIsFinished;
    if (cached?.podIsFinished && !finished && !isStaticPod(pod)) {
      logger.info(podLog(pod), "Got podIsFinished=false while the cached status is finished");
      finished = true;
    }
    const illegal = illegalTransition(pod, old, next);
    if (illegal !== undefined) {
      logger.error({ ...podLog(pod), err: new Error(illegal) }, "Status update on pod aborted");
      return;
    }
    const nowMs = clock.now();
    maintainTransitionTimes(next, old, nowMs);
    if (old.startTime !== undefined && old.startTime !== null) next.startTime = old.startTime;
    else if (next.startTime === undefined || next.startTime === null) next.startTime = toApiTime(nowMs);
    normalizePodStatus(pod, next);

    if (cached !== undefined && !force && isPodStatusEquivalent(cached.status, next)) {
      logger.debug(podLog(pod), "Ignoring same status for pod");
      return;
    }
    const version = (cached?.version ?? 0) + 1;
    cache.set(uid, { pod, status: next, version, podIsFinished: finished });
    hub.emit("statusChanged", { podUid: uid, status: clone(next), version });
    scheduleSync();
  }

  function findContainer(status: V1PodStatus, containerId: string): V1ContainerStatus | undefined {
    const matches = (s: V1ContainerStatus): boolean =>
      s.containerID !== undefined &&
      (s.containerID === containerId || bareContainerId(s.containerID) === bareContainerId(containerId));
    return status.containerStatuses?.find(matches) ?? status.initContainerStatuses?.find(matches);
  }

  function updateContainer(ref: ContainerRef, what: "readiness" | "startup", value: boolean): void {
    const entry = cache.get(ref.podUid);
    const fields = { podUid: ref.podUid, containerId: ref.containerId };
    if (entry === undefined) {
      logger.info(fields, `Container ${what} changed before pod has synced`);
      return;
    }
    const current = findContainer(entry.status, ref.containerId);
    if (current === undefined) {
      logger.info(fields, `Container ${what} changed for unknown container`);
      return;
    }
    if (what === "readiness" ? current.ready === value : current.started === value) {
      logger.debug(fields, `Container ${what} unchanged`);
      return;
    }
    const status = clone(entry.status);
    const container = findContainer(status, ref.containerId);
    if (container === undefined) return;
    if (what === "startup") {
      container.started = value;
    } else {
      container.ready = value;
      const all = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
      const conditions = status.conditions ?? [];
      replaceCondition(conditions, generatePodReadyCondition(entry.pod, conditions, all, status.phase));
      replaceCondition(conditions, generateContainersReadyCondition(entry.pod, all, status.phase));
      status.conditions = conditions;
    }
    updateStatusInternal(entry.pod, status, false, false);
  }

  function scheduleSync(): void {
    if (!started || sink === undefined || batchTimer !== undefined) return;
    batchTimer = clock.setTimeout(() => {
      batchTimer = undefined;
      void sync();
    }, batchDelayMs);
  }

  function armPeriodicSync(): void {
    periodTimer = clock.setTimeout(() => {
      void sync();
      if (started) armPeriodicSync();
    }, syncPeriodMs);
  }

  function sync(): Promise<void> {
    if (syncing !== undefined) {
      syncAgain = true;
      return syncing;
    }
    syncing = (async () => {
      do {
        syncAgain = false;
        for (const [uid, entry] of [...cache]) {
          if (!started || sink === undefined) return;
          if ((written.get(uid) ?? 0) >= entry.version) continue;
          try {
            await sink.writeStatus(entry.pod, clone(entry.status), entry.version);
            if (cache.get(uid) !== undefined)
              written.set(uid, Math.max(written.get(uid) ?? 0, entry.version));
          } catch (err) {
            logger.warn(
              { ...podLog(entry.pod), err, version: entry.version },
              "Failed to write status for pod",
            );
          }
        }
      } while (syncAgain && started);
    })().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  return {
    on: (event, listener) => hub.on(event, listener),
    once: (event, listener) => hub.once(event, listener),

    async start() {
      if (started) return;
      started = true;
      if (sink === undefined) {
        logger.info("No status sink, statuses are only cached");
        return;
      }
      armPeriodicSync();
      scheduleSync();
    },

    async stop() {
      started = false;
      if (batchTimer !== undefined) clock.clearTimeout(batchTimer);
      if (periodTimer !== undefined) clock.clearTimeout(periodTimer);
      batchTimer = undefined;
      periodTimer = undefined;
      await syncing;
    },

    getPodStatus(podUid) {
      const entry = cache.get(podUid);
      return entry === undefined ? undefined : clone(entry.status);
    },

    setPodStatus(pod, status) {
      updateStatusInternal(pod, clone(status), isPodBeingDeleted(pod), false);
    },

    setContainerReadiness(container, ready) {
      updateContainer(container, "readiness", ready);
    },

    setContainerStartup(container, started) {
      updateContainer(container, "startup", started);
    },

    terminatePod(pod) {
      const uid = pod.metadata?.uid ?? "";
      const old = cache.get(uid)?.status ?? pod.status ?? {};
      updateStatusInternal(pod, terminatedPodStatus(pod, old), true, true);
    },

    removeOrphanedStatuses(activePodUids) {
      for (const uid of [...cache.keys()]) {
        if (activePodUids.has(uid)) continue;
        logger.debug({ podUid: uid }, "Removing pod from status map");
        cache.delete(uid);
        written.delete(uid);
      }
    },

    listPodStatuses(): CachedPodStatus[] {
      return [...cache].map(([podUid, entry]) => ({
        podUid,
        podName: entry.pod.metadata?.name ?? "",
        podNamespace: entry.pod.metadata?.namespace ?? "",
        status: clone(entry.status),
        version: entry.version,
        podIsFinished: entry.podIsFinished,
      }));
    },

    version(podUid) {
      return cache.get(podUid)?.version;
    },
  };
}

function replaceCondition(conditions: V1PodCondition[], condition: V1PodCondition): void {
  const at = conditions.findIndex((c) => c.type === condition.type);
  if (at === -1) conditions.push(condition);
  else conditions[at] = condition;
}
