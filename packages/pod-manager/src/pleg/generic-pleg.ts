import {
  createEventHub,
  createNoopLogger,
  createRealClock,
  formatGoDuration,
  KubeletKitError,
  PLEG_RELIST_PERIOD_MS,
  PLEG_RELIST_THRESHOLD_MS,
  type PodStatusSnapshot,
  type RuntimePod,
  type TimerHandle,
} from "@kubelet-kit/core";
import { createPodCache, type PodCache } from "./pod-status-cache.js";
import type {
  GenericPleg,
  GenericPlegOptions,
  PlegEvents,
  PodLifecycleEvent,
  PodLifecycleEventType,
  RelistDurations,
} from "./types.js";

/** A container's state as PLEG compares it; `non-existent` completes the transitions. */
type PlegContainerState = "running" | "exited" | "unknown" | "non-existent";

interface PodRecord {
  old: RuntimePod | undefined;
  current: RuntimePod | undefined;
}

/**
 * Creates the generic PLEG (the kubelet's `pleg/generic.go`): every period it lists all pods and containers
 * (exited ones too), compares each container's and sandbox's state with the previous relist and emits
 * `ContainerStarted` (→ running), `ContainerDied` (→ exited), `ContainerChanged` (→ created/unknown) and
 * `ContainerRemoved` (gone; preceded by `ContainerDied` unless it had already exited). For each pod with
 * events it first refreshes the pod's cached status (without a runtime call when the cached status already
 * shows every container and sandbox in the listed state, and none when a newer cached status contradicts
 * the listing: then the pod is looked at again next relist); a pod whose status fetch failed keeps its
 * last-seen state, so its changes are worked out again next relist (a `PodSync` event when there are none).
 * After each relist the cache is marked current as of the relist's start.
 */
export function createGenericPleg(options: GenericPlegOptions): GenericPleg {
  const clock = options.clock ?? createRealClock();
  const logger = (options.logger ?? createNoopLogger()).child({ component: "pleg" });
  let durations = checkDurations({
    relistPeriodMs: options.relistPeriodMs ?? PLEG_RELIST_PERIOD_MS,
    relistThresholdMs: options.relistThresholdMs ?? PLEG_RELIST_THRESHOLD_MS,
  });
  const { runtime } = options;
  const cache: PodCache = options.cache ?? createPodCache();
  const hub = createEventHub<PlegEvents>({ logger });
  const records = new Map<string, PodRecord>();
  const toReinspect = new Set<string>();
  let relistTimeMs: number | undefined;
  let running = false;
  let timer: TimerHandle | undefined;
  let chain: Promise<void> = Promise.resolve();

  function relist(): Promise<void> {
    chain = chain.then(doRelist, doRelist);
    return chain;
  }

  async function doRelist(): Promise<void> {
    const timestampMs = clock.now();
    let pods: RuntimePod[];
    try {
      pods = await runtime.listPods({ all: true });
    } catch (err) {
      logger.error({ err }, "GenericPLEG: Unable to retrieve pods");
      return;
    }
    relistTimeMs = timestampMs;
    for (const record of records.values()) record.current = undefined;
    for (const pod of pods) {
      const record = records.get(pod.uid);
      if (record === undefined) records.set(pod.uid, { old: undefined, current: pod });
      else record.current = pod;
    }
    for (const uid of [...records.keys()]) await reconcilePod(uid, timestampMs);
    cache.updateTime(timestampMs);
  }

  async function reconcilePod(uid: string, timestampMs: number): Promise<void> {
    const record = records.get(uid);
    if (record === undefined) return;
    const events = computeEvents(uid, record.old, record.current);
    const reinspect = toReinspect.delete(uid);
    if (events.length === 0 && !reinspect) return;

    const pod = record.current;
    const cached = judgeCachedStatus(uid, pod, timestampMs);
    if (cached === "defer") {
      // A pod worker observed the pod after this listing was asked for, and saw something else: the
      // listing is likely the older view. Look again next relist, from the same last-seen state.
      if (reinspect) toReinspect.add(uid);
      return;
    }
    if (pod === undefined) {
      // No container or sandbox left: nothing to cache.
      cache.delete(uid);
    } else if (cached === "fetch" && !(await fetchIntoCache(uid, pod, timestampMs))) {
      // The record is not advanced, so the same changes are seen and retried next relist.
      return;
    }
    if (events.length === 0) events.push({ podUid: uid, type: "PodSync" });

    if (record.current === undefined) records.delete(uid);
    else {
      record.old = record.current;
      record.current = undefined;
    }
    for (const event of events) hub.emit("event", event);
  }

  /**
   * What to make of the cached status (typically a pod worker's fetch right after it changed the pod):
   * `reuse` when it shows exactly the listed containers and sandboxes in the listed states (a fetch would
   * return the same; it is marked current as of this relist if it was older); `defer` when it differs (or
   * the pod is no longer listed) but was observed after this relist began; else `fetch`.
   */
  function judgeCachedStatus(
    uid: string,
    listed: RuntimePod | undefined,
    timestampMs: number,
  ): "reuse" | "defer" | "fetch" {
    const entry = cache.get(uid);
    const cached = entry?.status;
    if (entry === undefined || cached === undefined) return "fetch";
    // Strictly after: within one millisecond the order of the two observations is unknown.
    const newer = entry.timestampMs > timestampMs;
    if (listed === undefined || !sameStates(cached, listed)) return newer ? "defer" : "fetch";
    if (entry.timestampMs < timestampMs) cache.set(uid, { status: cached, timestampMs });
    return "reuse";
  }

  /** Fetches the pod's status into the cache (an error is cached too); false when the fetch failed. */
  async function fetchIntoCache(uid: string, pod: RuntimePod, timestampMs: number): Promise<boolean> {
    let status: PodStatusSnapshot;
    try {
      status = await runtime.getPodStatus(uid, pod.name, pod.namespace);
    } catch (err) {
      logger.debug({ err, podUid: uid }, "PLEG: Ignoring events for pod");
      cache.set(uid, { error: err, timestampMs });
      toReinspect.add(uid);
      return false;
    }
    // Not stored when a pod worker cached a newer status meanwhile; the events stand either way.
    cache.set(uid, { status: keepPodIps(status, cache.get(uid)?.status), timestampMs });
    return true;
  }

  function schedule(delayMs: number): void {
    timer = clock.setTimeout(() => {
      timer = undefined;
      const next = (): void => {
        if (running) schedule(durations.relistPeriodMs);
      };
      void relist().then(next, next);
    }, delayMs);
  }

  return {
    on: hub.on,
    once: hub.once,
    async start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await chain;
    },
    relist,
    healthy() {
      if (relistTimeMs === undefined) return { ok: false, message: "pleg has yet to be successful" };
      const elapsedMs = clock.now() - relistTimeMs;
      if (elapsedMs > durations.relistThresholdMs) {
        return {
          ok: false,
          message: `pleg was last seen active ${formatGoDuration(elapsedMs)} ago; threshold is ${formatGoDuration(durations.relistThresholdMs)}`,
        };
      }
      return { ok: true };
    },
    getPodStatus: (podUid) => cache.get(podUid),
    cache,
    mode: () => "generic",
    setRelistDurations(next) {
      durations = checkDurations(next);
    },
  };
}

function checkDurations(durations: RelistDurations): RelistDurations {
  if (!(durations.relistPeriodMs > 0) || !(durations.relistThresholdMs > 0)) {
    throw new KubeletKitError("InvalidArgument", "PLEG relist period and threshold must be > 0");
  }
  return durations;
}

/** The events for every container and sandbox of a pod between two relists, containers first. */
function computeEvents(
  uid: string,
  old: RuntimePod | undefined,
  current: RuntimePod | undefined,
): PodLifecycleEvent[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const pod of [old, current]) {
    for (const item of [...(pod?.containers ?? []), ...(pod?.sandboxes ?? [])]) {
      if (!seen.has(item.id)) {
        seen.add(item.id);
        ids.push(item.id);
      }
    }
  }
  return ids.flatMap((id) => transitionEvents(uid, id, stateOf(old, id), stateOf(current, id)));
}

/** Whether a status snapshot lists the same containers and sandboxes, in the same states, as a listing. */
function sameStates(status: PodStatusSnapshot, listed: RuntimePod): boolean {
  if (status.containers.length !== listed.containers.length) return false;
  if (status.sandboxes.length !== listed.sandboxes.length) return false;
  const states = new Map<string, string>();
  for (const c of status.containers) states.set(c.id, c.state);
  for (const s of status.sandboxes) states.set(s.id, s.state);
  if (states.size !== status.containers.length + status.sandboxes.length) return false;
  return (
    listed.containers.every((c) => states.get(c.id) === c.state) &&
    listed.sandboxes.every((s) => states.get(s.id) === s.state)
  );
}

function stateOf(pod: RuntimePod | undefined, id: string): PlegContainerState {
  const container = pod?.containers.find((c) => c.id === id);
  if (container !== undefined) {
    if (container.state === "running") return "running";
    if (container.state === "exited") return "exited";
    // The kubelet does not use "created" yet: it counts as unknown.
    return "unknown";
  }
  const sandbox = pod?.sandboxes.find((s) => s.id === id);
  if (sandbox !== undefined) return sandbox.state === "ready" ? "running" : "exited";
  return "non-existent";
}

function transitionEvents(
  podUid: string,
  containerId: string,
  from: PlegContainerState,
  to: PlegContainerState,
): PodLifecycleEvent[] {
  if (from === to) return [];
  const event = (type: PodLifecycleEventType): PodLifecycleEvent => ({ podUid, type, containerId });
  switch (to) {
    case "running":
      return [event("ContainerStarted")];
    case "exited":
      return [event("ContainerDied")];
    case "unknown":
      return [event("ContainerChanged")];
    case "non-existent":
      return from === "exited"
        ? [event("ContainerRemoved")]
        : [event("ContainerDied"), event("ContainerRemoved")];
  }
}

/**
 * Keeps the previous pod IPs when a stopped pod's new status has none (network torn down), so the API
 * still shows the IP of a completed pod (`getPodIPs`).
 */
export function keepPodIps(
  status: PodStatusSnapshot,
  previous: PodStatusSnapshot | undefined,
): PodStatusSnapshot {
  if (status.ips.length > 0 || previous === undefined || previous.ips.length === 0) return status;
  if (status.sandboxes.some((s) => s.state === "ready")) return status;
  return { ...status, ips: previous.ips };
}
