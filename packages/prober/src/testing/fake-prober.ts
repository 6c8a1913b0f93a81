import {
  createEventHub,
  createNoopLogger,
  type Logger,
  type ProbeKind,
  type ProbeResult,
  type ProbeResultEvent,
  type ProbeStateQuery,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import type { ProbeEvent, ProberEvents } from "../events.js";
import type { Prober } from "../probe-manager.js";
import { PROBE_KINDS_IN_ADD_ORDER, probedContainers, probeOf, probeSettings } from "../probe-spec.js";
import { type ProbeStateSource, probedHealth, probedReady, probedStarted } from "../probe-states.js";

/** A call a {@link FakeProber} received, in the order received. Pods are recorded as passed (not copied). */
export type FakeProberCall =
  | { readonly method: "start" }
  | { readonly method: "stop" }
  | { readonly method: "addPod"; readonly pod: V1Pod }
  | { readonly method: "removePod"; readonly pod: V1Pod }
  | { readonly method: "stopLivenessAndStartup"; readonly pod: V1Pod }
  | { readonly method: "cleanupPods"; readonly desiredPodUids: ReadonlySet<string> };

/** What {@link FakeProber.setResult} stores. */
export interface FakeProbeResultInput {
  readonly kind: ProbeKind;
  readonly podUid: string;
  /**
   * The container's name, carried in the `result` event. Default: the name given earlier for this
   * `containerId`, else the only container of the added pod with a probe of `kind`, else `""`.
   */
  readonly containerName?: string;
  /** The CRI container ID the result belongs to (without the `<runtime>://` prefix). */
  readonly containerId: string;
  readonly result: ProbeResult;
  /**
   * Carried in the `result` event. Default: the probe's own `terminationGracePeriodSeconds` from the added
   * pod's spec (liveness and startup only), as the real prober sends; absent when it has none.
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** Options of {@link createFakeProber}. */
export interface FakeProberOptions {
  /**
   * When the agent started, ms since the epoch, for the real prober's agent-restart readiness rule (a
   * container running since more than 10 s before it keeps the pod's readiness until its first readiness
   * result). Default: unset, so no container counts as older than the agent.
   */
  agentStartedAtMs?: number;
  /**
   * Mirrors the real prober's option (feature gate `ChangeContainerStatusOnKubeletRestart`): `false` keeps
   * `previouslyStarted` and the agent-restart readiness rule. Default: `false`.
   */
  changeContainerStatusOnRestart?: boolean;
  /** Where errors thrown by listeners are logged. Default: a no-op logger. */
  logger?: Logger;
}

/**
 * A {@link Prober} that runs no probe: results are set by hand with {@link FakeProber.setResult}, and calls
 * from pod workers and the sync loop are recorded. Answers follow the real prober's rules: a container has a
 * probe of a kind (a "worker") from the moment a pod added with `addPod` defines one in its spec until
 * `removePod`, `stopLivenessAndStartup` or `cleanupPods` stops it, which also forgets the results set for
 * that container and kind, silently, as a real worker does when it exits.
 */
export interface FakeProber extends Prober {
  /** Every call received, in order. */
  readonly calls: readonly FakeProberCall[];
  /** The calls of one method, in order. */
  callsOf<M extends FakeProberCall["method"]>(method: M): Extract<FakeProberCall, { method: M }>[];
  /**
   * Stores a result for a container instance and emits `result` when there was none or it differed, exactly
   * as the real prober's results caches do; setting the same value again is silent.
   */
  setResult(input: FakeProbeResultInput): void;
  /** Forgets a container instance's result of one kind, silently (as when its worker exits). */
  clearResult(kind: ProbeKind, containerId: string): void;
  /** Emits a recordable prober `event` (`Unhealthy`, `ProbeWarning`) to its listeners. */
  emitEvent(event: ProbeEvent): void;
  /** Number of `isReady` calls that, in the real prober, would have asked a readiness worker to probe now. */
  readonly readinessTriggerCount: number;
}

interface FakeWorker {
  readonly kind: ProbeKind;
  readonly containerName: string;
  readonly terminationGracePeriodSeconds?: number;
}

const workerKey = (containerName: string, kind: ProbeKind): string => `${kind}\u0000${containerName}`;

/**
 * Creates a {@link FakeProber}, a drop-in for `createProbeManager` in tests of pod workers, the sync loop
 * and status generation.
 *
 * @example
 * ```ts
 * const prober = createFakeProber();
 * const workers = createPodWorkers({ ..., probeManager: prober, probes: prober, containerHealth: prober.containerHealth });
 * prober.setResult({ kind: "liveness", podUid, containerName: "web", containerId, result: "failure" });
 * ```
 */
export function createFakeProber(options: FakeProberOptions = {}): FakeProber {
  const agentStartedAtMs = options.agentStartedAtMs;
  const changeContainerStatusOnRestart = options.changeContainerStatusOnRestart ?? false;
  const hub = createEventHub<ProberEvents>({ logger: options.logger ?? createNoopLogger() });
  const results: Record<ProbeKind, Map<string, ProbeResult>> = {
    liveness: new Map(),
    readiness: new Map(),
    startup: new Map(),
  };
  /** Owner (pod UID, container name) of each container ID a result was set for. */
  const owners = new Map<string, { podUid: string; containerName: string }>();
  /** Workers by pod UID, then by probe type and container name. */
  const workers = new Map<string, Map<string, FakeWorker>>();
  const calls: FakeProberCall[] = [];
  let workerCount = 0;
  let readinessTriggerCount = 0;

  const uidOf = (pod: V1Pod): string => pod.metadata?.uid ?? "";
  const getWorker = (podUid: string, containerName: string, kind: ProbeKind): FakeWorker | undefined =>
    workers.get(podUid)?.get(workerKey(containerName, kind));
  const stateSource: ProbeStateSource = {
    result: (kind, containerId) => results[kind].get(containerId),
    hasWorker: (podUid, containerName, kind) => getWorker(podUid, containerName, kind) !== undefined,
    triggerReadiness: () => {
      readinessTriggerCount++;
    },
    agentStartedAtMs,
    changeContainerStatusOnRestart,
  };

  function stopWorkers(podUid: string, kinds: readonly ProbeKind[] | undefined): void {
    const pod = workers.get(podUid);
    if (pod === undefined) return;
    for (const [key, worker] of [...pod]) {
      if (kinds !== undefined && !kinds.includes(worker.kind)) continue;
      pod.delete(key);
      workerCount--;
      for (const [containerId, owner] of owners) {
        if (owner.podUid === podUid && owner.containerName === worker.containerName) {
          results[worker.kind].delete(containerId);
        }
      }
    }
    if (pod.size === 0) workers.delete(podUid);
  }

  function defaultContainerName(input: FakeProbeResultInput): string {
    const known = owners.get(input.containerId);
    if (known !== undefined && known.podUid === input.podUid) return known.containerName;
    const candidates = [...(workers.get(input.podUid)?.values() ?? [])].filter((w) => w.kind === input.kind);
    return candidates.length === 1 ? (candidates[0]?.containerName ?? "") : "";
  }

  return {
    on: hub.on,
    once: hub.once,
    calls,
    callsOf<M extends FakeProberCall["method"]>(method: M) {
      return calls.filter((c): c is Extract<FakeProberCall, { method: M }> => c.method === method);
    },

    async start() {
      calls.push({ method: "start" });
    },

    async stop() {
      calls.push({ method: "stop" });
      for (const podUid of [...workers.keys()]) stopWorkers(podUid, undefined);
    },

    addPod(pod) {
      calls.push({ method: "addPod", pod });
      const podUid = uidOf(pod);
      for (const container of probedContainers(pod)) {
        for (const kind of PROBE_KINDS_IN_ADD_ORDER) {
          const probe = probeOf(container, kind);
          const key = workerKey(container.name, kind);
          if (probe === undefined || workers.get(podUid)?.has(key) === true) continue;
          let podWorkers = workers.get(podUid);
          if (podWorkers === undefined) {
            podWorkers = new Map();
            workers.set(podUid, podWorkers);
          }
          const grace = probeSettings(probe, kind).terminationGracePeriodSeconds;
          podWorkers.set(key, {
            kind,
            containerName: container.name,
            ...(grace === undefined ? {} : { terminationGracePeriodSeconds: grace }),
          });
          workerCount++;
        }
      }
    },

    removePod(pod) {
      calls.push({ method: "removePod", pod });
      stopWorkers(uidOf(pod), undefined);
    },

    stopLivenessAndStartup(pod) {
      calls.push({ method: "stopLivenessAndStartup", pod });
      stopWorkers(uidOf(pod), ["liveness", "startup"]);
    },

    cleanupPods(desiredPodUids) {
      calls.push({ method: "cleanupPods", desiredPodUids: new Set(desiredPodUids) });
      for (const podUid of [...workers.keys()]) {
        if (!desiredPodUids.has(podUid)) stopWorkers(podUid, undefined);
      }
    },

    setResult(input) {
      const { kind, podUid, containerId, result } = input;
      const containerName = input.containerName ?? defaultContainerName(input);
      owners.set(containerId, { podUid, containerName });
      if (results[kind].get(containerId) === result) return;
      results[kind].set(containerId, result);
      const grace =
        input.terminationGracePeriodSeconds ??
        getWorker(podUid, containerName, kind)?.terminationGracePeriodSeconds;
      const event: ProbeResultEvent = {
        kind,
        podUid,
        containerName,
        containerId,
        result,
        ...(grace === undefined || kind === "readiness" ? {} : { terminationGracePeriodSeconds: grace }),
      };
      hub.emit("result", event);
    },

    clearResult(kind, containerId) {
      results[kind].delete(containerId);
    },

    emitEvent(event) {
      hub.emit("event", event);
    },

    isStarted: (query: ProbeStateQuery) => probedStarted(query, stateSource),
    isReady: (query: ProbeStateQuery) => probedReady(query, stateSource),
    containerHealth: (containerId) =>
      probedHealth(results.liveness.get(containerId), results.startup.get(containerId)),

    result: (kind, containerId) => results[kind].get(containerId),
    hasWorker: (podUid, containerName, kind) => getWorker(podUid, containerName, kind) !== undefined,
    get workerCount() {
      return workerCount;
    },
    get readinessTriggerCount() {
      return readinessTriggerCount;
    },
  };
}
