import {
  type Clock,
  createEventHub,
  createNoopLogger,
  createRealClock,
  type Logger,
  type ProbeKind,
  type ProbeManager,
  type ProbeResult,
  type ProbeStateQuery,
  type Subscribable,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import type { ProberEvents } from "./events.js";
import { DEFAULT_MAX_CONCURRENT_PROBES, limitProbeConcurrency } from "./handler-slots.js";
import { createNoopProberMetrics, type ProberMetricsSink } from "./metrics.js";
import { PROBE_KINDS_IN_ADD_ORDER, probedContainers, probeOf } from "./probe-spec.js";
import { type ProbeStateSource, probedHealth, probedReady, probedStarted } from "./probe-states.js";
import { createProbeResultsCache, type ProbeResultsCache } from "./results.js";
import type { ProbeHandlers } from "./run-probe.js";
import { createTickScheduler } from "./tick-scheduler.js";
import { createProbeWorker, type ProbeStatusSource, type ProbeWorker } from "./worker.js";

/** Options of {@link createProbeManager}. */
export interface ProbeManagerOptions {
  /**
   * Where workers read each pod's cached API status (container IDs and states, `started`, pod IP, phase):
   * the status manager. Required.
   */
  statusManager: ProbeStatusSource;
  /** Runs probe actions. Required; a probe whose action has no handler errors with "missing probe handler". */
  handlers: Partial<ProbeHandlers>;
  /** Time source of every period, delay and jitter. Default: the real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** Receives `prober_probe_total` and `prober_probe_duration_seconds`. Default: dropped. */
  metrics?: ProberMetricsSink;
  /** Randomness in [0, 1) for the first-probe jitter. Default: `Math.random`. */
  random?: () => number;
  /**
   * When the agent started, ms since the epoch. A worker created less than one period after it waits a
   * random part of its period before its first probe; containers running since more than 10 s before it
   * keep their state (see `changeContainerStatusOnRestart`). Default: `clock.now()` at creation.
   */
  agentStartedAtMs?: number;
  /**
   * Mirrors the deprecated kubelet feature gate `ChangeContainerStatusOnKubeletRestart`. `false` (the default,
   * as since Kubernetes 1.35): a container already running more than 10 s before the agent started gets no
   * initial result, keeps `started` from the pod's API status and, while no readiness result exists yet,
   * stays ready if the pod was Ready. `true`: every container starts from the initial results (not ready,
   * not started) after an agent restart.
   */
  changeContainerStatusOnRestart?: boolean;
  /**
   * How many probe attempts (handler calls, every probe type together) may run at once; the others wait
   * their turn, and a probe's timeout starts only when its attempt does. The kubelet has no such limit: its
   * probes are goroutines spread over every core. Here they share one event loop, and when it is saturated
   * (600 gRPC probes a second right after a start, while the code is still cold) probes would otherwise
   * time out in the queue and count as failures (three in a row restart a container). Waiting probes
   * delay their workers' next periods, so a target that hangs for the whole timeout holds a turn that long.
   * `Infinity` turns the limit off. Default: 128.
   */
  maxConcurrentProbes?: number;
}

/**
 * The prober: the core {@link ProbeManager} contract (workers, ready/started for status generation, health
 * for `syncPod`, `result` events) plus `event`s to record and a few read-outs.
 */
export interface Prober extends Omit<ProbeManager<V1Pod>, "on" | "once">, Subscribable<ProberEvents> {
  /** The cached result of one probe type for a container instance, if any. */
  result(kind: ProbeKind, containerId: string): ProbeResult | undefined;
  /** Whether a worker runs for that probe of that container. */
  hasWorker(podUid: string, containerName: string, kind: ProbeKind): boolean;
  /** Number of running workers. */
  readonly workerCount: number;
}

type ResolvedOptions = Required<Omit<ProbeManagerOptions, "agentStartedAtMs">> & { agentStartedAtMs: number };

function resolveOptions(options: ProbeManagerOptions): ResolvedOptions {
  const clock = options.clock ?? createRealClock();
  return {
    statusManager: options.statusManager,
    handlers: options.handlers,
    clock,
    logger: options.logger ?? createNoopLogger(),
    metrics: options.metrics ?? createNoopProberMetrics(),
    random: options.random ?? Math.random,
    agentStartedAtMs: options.agentStartedAtMs ?? clock.now(),
    changeContainerStatusOnRestart: options.changeContainerStatusOnRestart ?? false,
    maxConcurrentProbes: options.maxConcurrentProbes ?? DEFAULT_MAX_CONCURRENT_PROBES,
  };
}

const workerKey = (containerName: string, kind: ProbeKind): string => `${kind}\u0000${containerName}`;

/**
 * Creates the prober (the kubelet's `prober.Manager`, `pkg/kubelet/prober`): one worker per (pod UID,
 * container name, probe type) for regular and restartable init containers, results cached per container
 * instance, and the kubelet's `UpdatePodStatus` rules behind `isStarted`/`isReady`:
 *
 * - started: the startup result is `success`; without one, the container's previous `started` (agent-restart
 *   rule); else false while a startup worker exists; else no opinion (`undefined`: started).
 * - ready: the readiness result is `success`; else, while a readiness worker exists, false, and that worker
 *   is asked to probe right away; else no opinion (`undefined`: ready).
 *
 * Workers with the same period share one clock timer (see `createTickScheduler`), so thousands of probes
 * cost one timer per distinct period.
 *
 * @example
 * ```ts
 * const prober = createProbeManager({ statusManager, handlers, clock, metrics });
 * prober.on("result", (e) => { if (e.kind === "liveness" && e.result === "failure") wakePodWorker(e.podUid); });
 * prober.on("event", (e) => recordEvent(e));
 * const workers = createPodWorkers({ ..., probeManager: prober, probes: prober, containerHealth: prober.containerHealth });
 * ```
 */
export function createProbeManager(options: ProbeManagerOptions): Prober {
  const o = resolveOptions(options);
  const handlers = limitProbeConcurrency(o.handlers, o.maxConcurrentProbes);
  const { clock, logger } = o;
  const hub = createEventHub<ProberEvents>({ logger });
  const scheduler = createTickScheduler({ clock });
  const caches: Record<ProbeKind, ProbeResultsCache> = {
    liveness: createProbeResultsCache({ kind: "liveness", logger }),
    readiness: createProbeResultsCache({ kind: "readiness", logger }),
    startup: createProbeResultsCache({ kind: "startup", logger }),
  };
  for (const cache of Object.values(caches)) cache.on("change", (event) => hub.emit("result", event));

  /** Workers by pod UID, then by probe type and container name. */
  const workers = new Map<string, Map<string, ProbeWorker>>();
  let count = 0;

  function getWorker(podUid: string, containerName: string, kind: ProbeKind): ProbeWorker | undefined {
    return workers.get(podUid)?.get(workerKey(containerName, kind));
  }

  const stateSource: ProbeStateSource = {
    result: (kind, containerId) => caches[kind].get(containerId),
    hasWorker: (podUid, containerName, kind) => getWorker(podUid, containerName, kind) !== undefined,
    triggerReadiness: (podUid, containerName) => getWorker(podUid, containerName, "readiness")?.trigger(),
    agentStartedAtMs: o.agentStartedAtMs,
    changeContainerStatusOnRestart: o.changeContainerStatusOnRestart,
  };

  function removeWorker(podUid: string, key: string, worker: ProbeWorker): void {
    const pod = workers.get(podUid);
    if (pod?.get(key) !== worker) return;
    pod.delete(key);
    count--;
    if (pod.size === 0) workers.delete(podUid);
  }

  function stopWorkers(podUid: string, kinds: readonly ProbeKind[] | undefined): void {
    const pod = workers.get(podUid);
    if (pod === undefined) return;
    for (const worker of [...pod.values()]) {
      if (kinds === undefined || kinds.includes(worker.kind)) worker.stop();
    }
  }

  const uidOf = (pod: V1Pod): string => pod.metadata?.uid ?? "";

  return {
    on: hub.on,
    once: hub.once,

    async start() {
      // Workers run from addPod on; nothing else to start.
    },

    async stop() {
      const all = [...workers.values()].flatMap((pod) => [...pod.values()]);
      for (const worker of all) worker.stop();
      await Promise.all(all.map((worker) => worker.done));
    },

    addPod(pod) {
      const podUid = uidOf(pod);
      for (const container of probedContainers(pod)) {
        for (const kind of PROBE_KINDS_IN_ADD_ORDER) {
          const probe = probeOf(container, kind);
          if (probe === undefined) continue;
          const key = workerKey(container.name, kind);
          if (workers.get(podUid)?.has(key) === true) continue;
          let podWorkers = workers.get(podUid);
          if (podWorkers === undefined) {
            podWorkers = new Map();
            workers.set(podUid, podWorkers);
          }
          const worker: ProbeWorker = createProbeWorker({
            kind,
            pod,
            container,
            probe,
            clock,
            scheduler,
            results: caches[kind],
            statusSource: o.statusManager,
            handlers,
            metrics: o.metrics,
            logger,
            emitEvent: (event) => hub.emit("event", event),
            agentStartedAtMs: o.agentStartedAtMs,
            random: o.random,
            changeContainerStatusOnRestart: o.changeContainerStatusOnRestart,
            onExit: () => removeWorker(podUid, key, worker),
          });
          podWorkers.set(key, worker);
          count++;
        }
      }
    },

    removePod(pod) {
      stopWorkers(uidOf(pod), undefined);
    },

    stopLivenessAndStartup(pod) {
      stopWorkers(uidOf(pod), ["liveness", "startup"]);
    },

    cleanupPods(desiredPodUids) {
      for (const podUid of [...workers.keys()]) {
        if (!desiredPodUids.has(podUid)) stopWorkers(podUid, undefined);
      }
    },

    isStarted: (query: ProbeStateQuery) => probedStarted(query, stateSource),
    isReady: (query: ProbeStateQuery) => probedReady(query, stateSource),
    containerHealth: (containerId) =>
      probedHealth(caches.liveness.get(containerId), caches.startup.get(containerId)),

    result: (kind, containerId) => caches[kind].get(containerId),
    hasWorker: (podUid, containerName, kind) => getWorker(podUid, containerName, kind) !== undefined,
    get workerCount() {
      return count;
    },
  };
}
