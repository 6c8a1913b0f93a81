import {
  type ContainerGcPolicy,
  createNoopLogger,
  createRealClock,
  KubeletKitError,
  type PodUpdate,
  type ProbeResultEvent,
  type TimerHandle,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { isMirrorPod } from "../config/pod-annotations.js";
import type { PodLifecycleEvent } from "../pleg/types.js";
import { podUid } from "../workers/pod-helpers.js";
import { runHousekeeping } from "./housekeeping.js";
import type { SyncLoop, SyncLoopOptions, SyncLoopProbeManager, SyncLoopStatusManager } from "./types.js";

/** The kubelet's container GC defaults: keep exited containers 0 s, 1 per container, no total limit. */
export const DEFAULT_CONTAINER_GC_POLICY: ContainerGcPolicy = Object.freeze({
  minAgeMs: 0,
  maxPerPodContainer: 1,
  maxContainers: -1,
});

/**
 * Creates the sync loop (the kubelet's `syncLoop` / `syncLoopIteration`). Configuration updates: `add` →
 * create, `update` and `delete` → update (deletion is graceful), `remove` → kill with the pod's grace
 * period, `reconcile` → stored, synced only when `reconcileNeedsSync` says so. PLEG events sync the pod they
 * name (not `ContainerRemoved`/`ContainerChanged`; events of pods without configuration are ignored —
 * housekeeping kills those). Probe results of a `probeManager` with `on` sync the pod as the kubelet's
 * `handleProbeSync` (readiness and startup changes reach the status manager first). Every second the pods
 * due for a resync are synced; every 2 s housekeeping runs; every minute the runtime collects garbage.
 *
 * @example
 * ```ts
 * const loop = createSyncLoop({ config: podConfig, workers, pleg, runtime, statusManager, clock });
 * await loop.start();
 * ```
 */
export function createSyncLoop(options: SyncLoopOptions): SyncLoop {
  const clock = options.clock ?? createRealClock();
  const logger = (options.logger ?? createNoopLogger()).child({ component: "sync-loop" });
  const syncPeriodMs = options.syncPeriodMs ?? 1_000;
  const housekeepingPeriodMs = options.housekeepingPeriodMs ?? 2_000;
  const containerGcPeriodMs = options.containerGcPeriodMs ?? 60_000;
  for (const [name, value] of Object.entries({ syncPeriodMs, housekeepingPeriodMs, containerGcPeriodMs })) {
    if (!(value > 0)) throw new KubeletKitError("InvalidArgument", `${name} must be > 0`);
  }
  const gcPolicy = options.containerGcPolicy ?? DEFAULT_CONTAINER_GC_POLICY;
  const { workers, pleg, runtime } = options;
  const reconcileNeedsSync = options.reconcileNeedsSync ?? (() => false);
  const probeResults = probeResultsSubscription(options);

  const pods = new Map<string, V1Pod>();
  const mirrorPodUids = new Set<string>();
  const queued: PodUpdate<V1Pod>[] = [];
  const timers = new Set<TimerHandle>();
  const inFlight = new Set<Promise<void>>();
  let sawUpdate = false;
  let state: "new" | "running" | "stopped" = "new";
  const sourcesReady = options.sourcesReady ?? (() => sawUpdate);

  const unsubscribeConfig = options.config.on("update", (update) => {
    if (state === "new") queued.push(update);
    else if (state === "running") dispatch(update);
  });
  let unsubscribePleg: (() => void) | undefined;
  let unsubscribeProbes: (() => void) | undefined;

  function dispatch(update: PodUpdate<V1Pod>): void {
    sawUpdate = true;
    switch (update.type) {
      case "add":
        for (const pod of byCreationTime(update.pods)) if (remember(pod)) send("create", pod);
        break;
      case "update":
      case "delete":
        // A deletion is an update: the pod carries its deletion timestamp and grace period.
        for (const pod of update.pods) if (remember(pod)) send("update", pod);
        break;
      case "remove":
        for (const pod of update.pods) removePod(pod);
        break;
      case "reconcile":
        for (const pod of update.pods) if (remember(pod) && reconcileNeedsSync(pod)) send("sync", pod);
        break;
      case "set":
        logger.error({ source: update.source }, "the sync loop does not support snapshot (set) updates");
        break;
    }
  }

  /** Stores a pod; false for mirror pods, which only the status manager cares about. */
  function remember(pod: V1Pod): boolean {
    const uid = podUid(pod);
    if (isMirrorPod(pod)) {
      mirrorPodUids.add(uid);
      return false;
    }
    pods.set(uid, pod);
    return true;
  }

  function removePod(pod: V1Pod): void {
    const uid = podUid(pod);
    if (isMirrorPod(pod)) {
      mirrorPodUids.delete(uid);
      return;
    }
    pods.delete(uid);
    if (!sourcesReady()) {
      // Housekeeping kills it once the sources are ready, if it still runs.
      logger.info({ podUid: uid }, "skipping delete because sources aren't ready yet");
      return;
    }
    workers.updatePod({ type: "kill", pod });
  }

  function send(type: "create" | "update" | "sync", pod: V1Pod): void {
    workers.updatePod({ type, pod });
  }

  function onPlegEvent(event: PodLifecycleEvent): void {
    if (event.type === "ContainerRemoved" || event.type === "ContainerChanged") return;
    const pod = pods.get(event.podUid);
    if (pod === undefined) {
      logger.debug({ event }, "SyncLoop (PLEG): pod does not exist, ignore irrelevant event");
      return;
    }
    send("sync", pod);
  }

  /** The kubelet's probe cases of `syncLoopIteration`, then `handleProbeSync`. */
  function onProbeResult(event: ProbeResultEvent, setters: ProbeStatusSetters): void {
    if (state !== "running") return;
    const container = { podUid: event.podUid, containerId: event.containerId };
    let status: string;
    switch (event.kind) {
      case "liveness":
        if (event.result !== "failure") return;
        status = "unhealthy";
        break;
      case "readiness": {
        const ready = event.result === "success";
        setters.setContainerReadiness(container, ready);
        status = ready ? "ready" : "not ready";
        break;
      }
      case "startup": {
        const started = event.result === "success";
        setters.setContainerStartup(container, started);
        status = started ? "started" : "unhealthy";
        break;
      }
    }
    const pod = pods.get(event.podUid);
    const fields = { probe: event.kind, status, podUid: event.podUid, containerName: event.containerName };
    if (pod === undefined) {
      logger.debug(fields, "SyncLoop (probe): ignore irrelevant update");
      return;
    }
    logger.debug(fields, "SyncLoop (probe)");
    send("sync", pod);
  }

  function syncDuePods(): void {
    for (const uid of workers.takeDueWork()) {
      const pod = pods.get(uid);
      if (pod !== undefined) send("sync", pod);
    }
  }

  async function housekeeping(): Promise<void> {
    if (!sourcesReady()) {
      logger.debug("SyncLoop (housekeeping, skipped): sources aren't ready yet");
      return;
    }
    await runHousekeeping({
      workers,
      runtime,
      statusManager: options.statusManager,
      probeManager: options.probeManager,
      logger,
      pods: () => [...pods.values()],
      mirrorPodUids: () => mirrorPodUids,
    });
  }

  async function garbageCollect(): Promise<void> {
    try {
      await runtime.garbageCollect(gcPolicy, {
        allSourcesReady: sourcesReady(),
        evictNonDeletedPods: false,
        podState: workers,
      });
    } catch (err) {
      logger.error({ err }, "container garbage collection failed");
    }
  }

  /** Runs `task` now-ish and then `periodMs` after each completion, until stopped. */
  function every(periodMs: number, task: () => void | Promise<void>, firstDelayMs = periodMs): void {
    const arm = (delayMs: number): void => {
      const handle = clock.setTimeout(() => {
        timers.delete(handle);
        if (state !== "running") return;
        const run = Promise.resolve()
          .then(task)
          .catch((err: unknown) => logger.error({ err }, "sync loop task failed"))
          .finally(() => {
            inFlight.delete(run);
            if (state === "running") arm(periodMs);
          });
        inFlight.add(run);
      }, delayMs);
      timers.add(handle);
    };
    arm(firstDelayMs);
  }

  return {
    async start() {
      if (state !== "new") return;
      state = "running";
      unsubscribePleg = pleg.on("event", onPlegEvent);
      if (probeResults !== undefined) {
        const { probeManager, setters } = probeResults;
        unsubscribeProbes = probeManager.on("result", (event) => onProbeResult(event, setters));
      }
      for (const update of queued.splice(0)) dispatch(update);
      await pleg.start();
      every(syncPeriodMs, syncDuePods);
      every(housekeepingPeriodMs, housekeeping);
      every(containerGcPeriodMs, garbageCollect, 0);
    },
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      unsubscribeConfig();
      unsubscribePleg?.();
      unsubscribeProbes?.();
      for (const handle of timers) clock.clearTimeout(handle);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      await pleg.stop();
      await workers.stop();
    },
    housekeeping,
    garbageCollect,
    getPodByUid: (uid) => pods.get(uid),
    getPods: () => [...pods.values()],
  };
}

type ProbeStatusSetters = Required<
  Pick<SyncLoopStatusManager, "setContainerReadiness" | "setContainerStartup">
>;

/** The probe manager to follow and the status setters its results need, or `undefined` without `on`. */
function probeResultsSubscription(
  options: SyncLoopOptions,
): { probeManager: Required<Pick<SyncLoopProbeManager, "on">>; setters: ProbeStatusSetters } | undefined {
  const on = options.probeManager?.on;
  if (on === undefined) return undefined;
  const statusManager = options.statusManager;
  const setReadiness = statusManager?.setContainerReadiness;
  const setStartup = statusManager?.setContainerStartup;
  if (statusManager === undefined || setReadiness === undefined || setStartup === undefined) {
    throw new KubeletKitError(
      "InvalidArgument",
      "a probeManager with on() needs a statusManager with setContainerReadiness and setContainerStartup",
    );
  }
  return {
    probeManager: { on: on.bind(options.probeManager) },
    setters: {
      setContainerReadiness: setReadiness.bind(statusManager),
      setContainerStartup: setStartup.bind(statusManager),
    },
  };
}

/** Oldest first, as the kubelet admits additions (`PodsByCreationTime`). */
function byCreationTime(pods: readonly V1Pod[]): V1Pod[] {
  const time = (pod: V1Pod): number => {
    const created = pod.metadata?.creationTimestamp;
    return created === undefined ? 0 : new Date(created).getTime();
  };
  return [...pods].sort((a, b) => time(a) - time(b));
}
