// Fixtures of the prober's worker and manager tests: pods, API statuses, a status store and scripted
// probe handlers.
import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import type { V1Container, V1ContainerStatus, V1Pod, V1PodStatus, V1Probe } from "@kubernetes/client-node";
import type { ProbeAttempt } from "./handlers/types.js";
import { createMemoryProberMetrics, type MemoryProberMetrics } from "./metrics.js";
import { createProbeManager, type ProbeManagerOptions, type Prober } from "./probe-manager.js";
import type { ProbeHandlers, ProbeRequest } from "./run-probe.js";

export const POD_UID = "uid-1";
export const T0 = 1_700_000_000_000;

/** A probe with the API defaults spelled out; `overrides` win. */
export function probe(overrides: Partial<V1Probe> = {}): V1Probe {
  return {
    exec: { command: ["true"] },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
    ...overrides,
  };
}

export function container(name: string, probes: Partial<V1Container> = {}): V1Container {
  return { name, image: "busybox", ...probes };
}

export function pod(
  spec: { containers: V1Container[]; initContainers?: V1Container[]; restartPolicy?: string },
  metadata: Partial<NonNullable<V1Pod["metadata"]>> = {},
): V1Pod {
  return {
    metadata: { uid: POD_UID, name: "web", namespace: "default", ...metadata },
    spec: { ...spec },
  };
}

/** A running container status, started (per the API) unless told otherwise. */
export function running(
  name: string,
  id: string,
  opts: { startedAtMs?: number; started?: boolean } = {},
): V1ContainerStatus {
  return {
    name,
    containerID: `containerd://${id}`,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 0,
    started: opts.started ?? true,
    state: { running: { startedAt: new Date(opts.startedAtMs ?? T0 - 3_600_000) } },
  };
}

export function terminated(name: string, id: string, exitCode: number): V1ContainerStatus {
  return {
    name,
    containerID: `containerd://${id}`,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 0,
    started: false,
    state: { terminated: { exitCode, startedAt: new Date(T0 - 60_000), finishedAt: new Date(T0 - 1_000) } },
  };
}

export function waiting(name: string, id: string): V1ContainerStatus {
  return {
    name,
    containerID: `containerd://${id}`,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 1,
    started: false,
    state: { waiting: { reason: "CrashLoopBackOff" } },
  };
}

/** The status manager's `getPodStatus`, over a map tests write to. */
export function createStatusStore() {
  const statuses = new Map<string, V1PodStatus>();
  return {
    getPodStatus: (uid: string) => statuses.get(uid),
    set(status: V1PodStatus, uid = POD_UID): void {
      statuses.set(uid, { phase: "Running", podIP: "10.0.0.7", ...status });
    },
    delete(uid = POD_UID): void {
      statuses.delete(uid);
    },
  };
}

type AnyRequest = ProbeRequest<unknown>;
type Answer = (request: AnyRequest) => ProbeAttempt | Promise<ProbeAttempt>;

/** Probe handlers answering through one replaceable function, recording every attempt. */
export function createScriptedHandlers(answer: Answer = () => ({ outcome: "success", output: "" })) {
  const calls: AnyRequest[] = [];
  let current = answer;
  const handle = async (request: AnyRequest): Promise<ProbeAttempt> => {
    calls.push(request);
    return current(request);
  };
  const handlers: ProbeHandlers = { exec: handle, httpGet: handle, tcpSocket: handle, grpc: handle };
  return {
    handlers,
    calls,
    answer(next: Answer): void {
      current = next;
    },
    /** Attempts made for one container and probe type. */
    callsFor(containerName: string, kind: string): AnyRequest[] {
      return calls.filter((c) => c.container.name === containerName && c.kind === kind);
    },
  };
}

export const success = (): ProbeAttempt => ({ outcome: "success", output: "" });
export const failure = (output = "boom"): ProbeAttempt => ({ outcome: "failure", output });

/** A prober on a fake clock, with an agent that started an hour ago (no jitter) unless told otherwise. */
export function setup(overrides: Partial<ProbeManagerOptions> = {}) {
  const clock: FakeClock = createFakeClock({ nowMs: T0 });
  const statuses = createStatusStore();
  const script = createScriptedHandlers();
  const metrics: MemoryProberMetrics = createMemoryProberMetrics();
  const prober: Prober = createProbeManager({
    statusManager: statuses,
    handlers: script.handlers,
    clock,
    metrics,
    agentStartedAtMs: T0 - 3_600_000,
    random: () => 0.5,
    ...overrides,
  });
  const results: { kind: string; containerId: string; result: string }[] = [];
  prober.on("result", (e) => results.push({ kind: e.kind, containerId: e.containerId, result: e.result }));
  const events: { reason: string; message: string }[] = [];
  prober.on("event", (e) => events.push({ reason: e.reason, message: e.message }));
  return { clock, statuses, script, metrics, prober, results, events };
}
