import type { Clock, Logger, PodRef, ProbeKind, ProbeResult, StatusManager } from "@kubelet-kit/core";
import type { V1Container, V1ContainerStatus, V1Pod, V1PodStatus, V1Probe } from "@kubernetes/client-node";
import type { ProbeEvent } from "./events.js";
import type { ProberMetricsSink, ProbeSeries } from "./metrics.js";
import {
  bareContainerId,
  containerShouldRestart,
  INITIAL_PROBE_RESULTS,
  PROBE_TYPE_NAMES,
  type ProbeSettings,
  probeSettings,
} from "./probe-spec.js";
import type { ProbeResultOwner, ProbeResultsCache } from "./results.js";
import { type ProbeHandlers, runProbe } from "./run-probe.js";
import type { Ticker, TickScheduler } from "./tick-scheduler.js";

/** Where workers read a pod's cached API status from: the status manager's `getPodStatus`. */
export type ProbeStatusSource = Pick<StatusManager<V1Pod, V1PodStatus>, "getPodStatus">;

/**
 * How long before the agent started a container must have been running for the agent-restart rule to keep
 * its state (`kubeletRestartGracePeriod`): 10 s.
 */
export const AGENT_RESTART_GRACE_MS = 10_000;

/** What a worker needs; the manager fills it in. */
export interface ProbeWorkerOptions {
  readonly kind: ProbeKind;
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly probe: V1Probe;
  readonly clock: Clock;
  readonly scheduler: TickScheduler;
  /** The cache of this worker's probe type. */
  readonly results: ProbeResultsCache;
  readonly statusSource: ProbeStatusSource;
  readonly handlers: Partial<ProbeHandlers>;
  readonly metrics: ProberMetricsSink;
  readonly logger: Logger;
  readonly emitEvent: (event: ProbeEvent) => void;
  /** When the agent started, ms since the epoch: the jitter rule and the agent-restart rule compare to it. */
  readonly agentStartedAtMs: number;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Gate `ChangeContainerStatusOnKubeletRestart`: `false` keeps the state of containers older than the agent. */
  readonly changeContainerStatusOnRestart: boolean;
  /** Called once when the worker has exited (stopped, or its container will never run again). */
  readonly onExit: () => void;
}

/** One probe of one container of one pod, run periodically (the kubelet's probe `worker`). */
export interface ProbeWorker {
  readonly kind: ProbeKind;
  readonly podUid: string;
  readonly containerName: string;
  readonly settings: ProbeSettings;
  /** The container instance the worker last saw, if any. */
  readonly containerId: string | undefined;
  /** True after a liveness failure or a startup result, until a new container instance shows up. */
  readonly onHold: boolean;
  /** Whether the worker has exited. */
  readonly exited: boolean;
  /**
   * Asks for a probe now, outside the period, and restarts the period from then (the manual trigger). Before
   * the first probe, or while one runs, the request waits for it and runs right after it.
   */
  trigger(): void;
  /** Stops the worker: an idle one exits at once; a probe in flight is aborted and its outcome dropped. */
  stop(): void;
  /** Settles once the worker has exited. */
  readonly done: Promise<void>;
}

/**
 * Creates and starts a worker. Its first probe is due at once, or, when the agent started less than one
 * period ago, after a random fraction of the period (so an agent restart does not fire every probe at
 * once); later ones every period after the first, on the shared {@link TickScheduler}. A tick that comes
 * while a probe is still running is remembered (one at most) and runs right after it, like Go's ticker.
 */
export function createProbeWorker(options: ProbeWorkerOptions): ProbeWorker {
  const { kind, pod, container, probe, clock, results, statusSource, metrics, logger } = options;
  const settings = probeSettings(probe, kind);
  const podUid = pod.metadata?.uid ?? "";
  const podRef: PodRef = {
    uid: podUid,
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
  };
  const owner: ProbeResultOwner = {
    podUid,
    containerName: container.name,
    ...(settings.terminationGracePeriodSeconds === undefined
      ? {}
      : { terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds }),
  };
  const series: ProbeSeries = {
    probe_type: PROBE_TYPE_NAMES[kind],
    container: container.name,
    pod: podRef.name,
    namespace: podRef.namespace,
    pod_uid: podUid,
  };
  const log = {
    podUid,
    pod: `${podRef.namespace}/${podRef.name}`,
    containerName: container.name,
    probeType: kind,
  };

  let containerId: string | undefined;
  let lastResult: ProbeResult | undefined;
  let resultRun = 0;
  let onHold = false;
  let busy = false;
  let firstRunBegun = false;
  let pendingTick = false;
  let pendingManual = false;
  let stopped = false;
  let exited = false;
  const abort = new AbortController();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const startMs = clock.now();
  const jitterMs =
    settings.periodMs > startMs - options.agentStartedAtMs ? options.random() * settings.periodMs : 0;
  const ticker: Ticker = options.scheduler.subscribe(settings.periodMs, startMs + jitterMs, onTick);

  function onTick(): void {
    if (stopped) return;
    if (busy) {
      pendingTick = true;
      return;
    }
    void runOnce();
  }

  async function runOnce(): Promise<void> {
    busy = true;
    firstRunBegun = true;
    pendingTick = false;
    let keepGoing = true;
    try {
      keepGoing = await doProbe();
    } catch (err) {
      // A bug or a throwing collaborator: like the kubelet's recovered panic, log it and keep probing.
      logger.error({ ...log, err }, "probe worker failed; continuing");
    }
    busy = false;
    if (stopped || !keepGoing) {
      exit();
      return;
    }
    if (pendingManual) {
      pendingManual = false;
      ticker.reset(clock.now() + settings.periodMs);
      void runOnce();
    } else if (pendingTick) {
      void runOnce();
    }
  }

  /** One round of the worker loop (`doProbe`); resolves to whether the worker keeps going. */
  async function doProbe(): Promise<boolean> {
    const startedMs = clock.now();
    const status = statusSource.getPodStatus(podUid);
    if (status === undefined) return true; // not created yet, or already gone
    if (status.phase === "Failed" || status.phase === "Succeeded") {
      logger.debug({ ...log, phase: status.phase }, "pod is terminated, exiting probe worker");
      return false;
    }

    const c = findStatus(status.containerStatuses) ?? findStatus(status.initContainerStatuses);
    if (c?.containerID === undefined || c.containerID === "") return true; // wait for the container
    const id = bareContainerId(c.containerID);
    const running = c.state?.running;
    const startedAtMs = running === undefined ? undefined : timeMs(running.startedAt);

    if (id !== containerId) {
      if (containerId !== undefined) results.remove(containerId);
      containerId = id;
      const olderThanAgent =
        startedAtMs !== undefined && startedAtMs < options.agentStartedAtMs - AGENT_RESTART_GRACE_MS;
      if (options.changeContainerStatusOnRestart || !olderThanAgent) {
        results.set(id, INITIAL_PROBE_RESULTS[kind], owner);
      }
      onHold = false; // a new instance: probe it
    }
    if (onHold) return true;

    if (running === undefined) {
      results.set(id, "failure", owner);
      const terminated = c.state?.terminated;
      if (terminated === undefined) return true;
      // Exit only when this container will never run again.
      return containerShouldRestart(container, pod.spec, terminated.exitCode);
    }

    if (pod.metadata?.deletionTimestamp !== undefined && kind !== "readiness") {
      // Being deleted: a last success, so the shutdown never turns into a probe kill.
      results.set(id, "success", owner);
      return false;
    }

    const now = clock.now();
    if (startedAtMs !== undefined && Math.trunc((now - startedAtMs) / 1000) < settings.initialDelaySeconds) {
      return true;
    }
    // Startup gating: the startup probe runs until the container counts as started, the others after.
    if (c.started === true) {
      if (kind === "startup") return true;
    } else if (kind !== "startup") {
      return true;
    }

    const run = await runProbe({
      kind,
      probe,
      pod,
      container,
      containerId: id,
      podIp: status.podIP ?? "",
      timeoutMs: settings.timeoutMs,
      handlers: options.handlers,
      signal: abort.signal,
    });
    if (stopped) return false; // stopped meanwhile: nothing more is published
    if (run.event !== undefined) {
      options.emitEvent({
        type: "Warning",
        reason: run.event.reason,
        message: run.event.message,
        kind,
        pod: podRef,
        container: container.name,
        containerId: id,
        atMs: clock.now(),
      });
    }
    if (run.error !== undefined) {
      logger.debug({ ...log, err: run.error }, "probe errored; result discarded");
      return true;
    }

    const result = run.result;
    if (result === "success") {
      metrics.countProbe({ ...series, result: "successful" });
      metrics.observeDuration(durationLabels(series), (clock.now() - startedMs) / 1000);
    } else {
      metrics.countProbe({ ...series, result: "failed" });
    }

    if (lastResult === result) {
      resultRun++;
    } else {
      lastResult = result;
      resultRun = 1;
    }
    if (
      (result === "failure" && resultRun < settings.failureThreshold) ||
      (result === "success" && resultRun < settings.successThreshold)
    ) {
      return true; // below the threshold: the published result stays
    }
    results.set(id, result, owner);
    if ((kind === "liveness" && result === "failure") || kind === "startup") {
      // The container is about to be killed (or has started): wait for a new instance before probing again.
      onHold = true;
      resultRun = 0;
    }
    return true;
  }

  function findStatus(list: readonly V1ContainerStatus[] | undefined): V1ContainerStatus | undefined {
    const found = list?.find((s) => s.name === container.name);
    return found?.containerID === undefined || found.containerID === "" ? undefined : found;
  }

  function exit(): void {
    if (exited) return;
    exited = true;
    stopped = true;
    ticker.cancel();
    if (containerId !== undefined) results.remove(containerId);
    try {
      metrics.forgetSeries(series);
    } catch (err) {
      logger.warn({ ...log, err }, "metrics sink failed to forget a probe's series");
    }
    options.onExit();
    resolveDone();
  }

  return {
    kind,
    podUid,
    containerName: container.name,
    settings,
    get containerId() {
      return containerId;
    },
    get onHold() {
      return onHold;
    },
    get exited() {
      return exited;
    },
    trigger() {
      if (stopped) return;
      if (busy || !firstRunBegun) {
        pendingManual = true;
        return;
      }
      ticker.reset(clock.now());
    },
    stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      if (!busy) exit();
    },
    done,
  };
}

function durationLabels(series: ProbeSeries): Omit<ProbeSeries, "pod_uid"> {
  const { pod_uid: _uid, ...labels } = series;
  return labels;
}

/** ms since the epoch of an API timestamp (`Date`, or an RFC 3339 string from raw JSON); `undefined` if unset. */
function timeMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
