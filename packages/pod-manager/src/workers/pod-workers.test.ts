import { createFakeClock, type SyncResult } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { createPodCache } from "../pleg/pod-status-cache.js";
import { createPodWorkers } from "./pod-workers.js";
import {
  type Deferred,
  deferred,
  FakeGenerator,
  FakeRuntime,
  FakeStatusManager,
  flush,
  type MakePodOptions,
  makePod,
} from "./test-support.js";
import type { PodWorkersOptions, WorkerStateChange, WorkerSyncError } from "./types.js";

function setup(overrides: Partial<PodWorkersOptions> = {}) {
  const clock = createFakeClock();
  const runtime = new FakeRuntime(clock);
  const statusManager = new FakeStatusManager();
  const generator = new FakeGenerator();
  const workers = createPodWorkers({
    runtime,
    statusManager,
    generateStatus: generator.generate,
    clock,
    random: () => 0,
    ...overrides,
  });
  const states: WorkerStateChange[] = [];
  const errors: WorkerSyncError[] = [];
  workers.on("workerStateChanged", (change) => states.push(change));
  workers.on("syncError", (error) => errors.push(error));
  return { clock, runtime, statusManager, generator, workers, states, errors };
}

/** A pod that has been created and synced once (its container runs). */
async function running(env: ReturnType<typeof setup>, options: MakePodOptions = {}) {
  const pod = makePod(options);
  env.workers.updatePod({ type: "create", pod });
  await flush();
  return pod;
}

describe("pod workers: syncing", () => {
  it("syncs a new pod: reads the runtime, sets the generated status, then runs syncPod", async () => {
    const env = setup({ nodeIps: ["10.0.0.1"] });
    await running(env);
    const order = env.runtime.calls.map((c) => c.method);
    expect(order.slice(0, 2)).toEqual(["getPodStatus", "syncPod"]);
    expect(env.statusManager.phases("uid-1")).toEqual(["Pending", "Running"]);
    expect(env.generator.inputs[0]?.nodeIps).toEqual(["10.0.0.1"]);
    expect(env.generator.inputs[0]?.previousStatus).toBeUndefined();
    expect(env.workers.workerState("uid-1")).toBe("sync");
  });

  it("generates the next status from the previous one and the last sync result", async () => {
    const env = setup();
    const pod = await running(env);
    env.workers.updatePod({ type: "sync", pod });
    await flush();
    const input = env.generator.inputs.at(-2);
    expect(input?.previousStatus?.phase).toBe("Running");
    expect(input?.lastSyncResult?.results).toEqual([{ action: "StartContainer", target: "app" }]);
  });

  it("keeps only the newest pending update while a sync is in flight", async () => {
    const env = setup();
    const gate = deferred<SyncResult>();
    const seen: string[] = [];
    env.runtime.onSyncPod = (pod) => {
      seen.push(pod.metadata?.labels?.version ?? "none");
      return seen.length === 1 ? gate.promise : { results: [] };
    };
    const pod = makePod();
    env.workers.updatePod({ type: "create", pod });
    await flush();
    for (const version of ["b", "c", "d"]) {
      env.workers.updatePod({
        type: "update",
        pod: { ...pod, metadata: { ...pod.metadata, labels: { version } } },
      });
    }
    gate.resolve({ results: [] });
    await flush();
    expect(seen).toEqual(["none", "d"]);
  });

  it("never runs two steps of one pod at once, while different pods run in parallel", async () => {
    const env = setup();
    const gates = [deferred<SyncResult>(), deferred<SyncResult>()];
    let next = 0;
    env.runtime.onSyncPod = () => gates[next++ % 2]?.promise ?? { results: [] };
    const a = makePod({ uid: "a" });
    const b = makePod({ uid: "b" });
    env.workers.updatePod({ type: "create", pod: a });
    env.workers.updatePod({ type: "create", pod: b });
    await flush();
    for (let i = 0; i < 5; i++) env.workers.updatePod({ type: "sync", pod: a });
    await flush();
    expect(env.runtime.maxInFlightOverall).toBe(2);
    env.runtime.onSyncPod = () => ({ results: [] });
    for (const gate of gates) gate.resolve({ results: [] });
    await flush();
    expect(env.runtime.maxInFlightPerPod).toBe(1);
    expect(env.runtime.countCalls("syncPod", "a")).toBe(2);
  });
});

describe("pod workers: requeue", () => {
  it.each([
    [0, 60_000],
    [0.5, 75_000],
    [0.999, 89_970],
  ])("requeues a synced pod after the 60 s resync plus 0-50 %% jitter (random %s)", async (r, delay) => {
    const env = setup({ random: () => r });
    await running(env);
    const due = env.workers.nextSyncAtMs("uid-1");
    expect(due).toBe(env.clock.now() + delay);
    expect(delay).toBeGreaterThanOrEqual(60_000);
    expect(delay).toBeLessThan(90_000);
    env.clock.advance(delay - 1);
    expect(env.workers.takeDueWork()).toEqual([]);
    env.clock.advance(1);
    expect(env.workers.takeDueWork()).toEqual(["uid-1"]);
    expect(env.workers.takeDueWork()).toEqual([]);
  });

  it("backs off 10 s (plus jitter) after a failed sync and reports the error", async () => {
    const env = setup({ random: () => 0.2 });
    env.runtime.onSyncPod = () => ({
      results: [
        {
          action: "StartContainer",
          target: "app",
          error: { reason: "ErrImagePull", message: "no such image" },
        },
      ],
    });
    await running(env);
    expect(env.workers.nextSyncAtMs("uid-1")).toBe(env.clock.now() + 11_000);
    expect(env.errors).toHaveLength(1);
    expect(String(env.errors[0]?.error)).toContain('failed to "StartContainer" for "app" with ErrImagePull');
    expect(env.statusManager.statuses.get("uid-1")?.reason).toBe("ErrImagePull");
  });

  it("retries after 1 s when the pod network is not ready, but starts host-network pods", async () => {
    let networkError: string | undefined = "cni config uninitialized";
    const env = setup({ networkError: () => networkError });
    await running(env);
    expect(env.runtime.countCalls("syncPod")).toBe(0);
    expect(String(env.errors[0]?.error)).toContain("network is not ready: cni config uninitialized");
    expect(env.workers.nextSyncAtMs("uid-1")).toBe(env.clock.now() + 1_000);
    await running(env, { uid: "host", hostNetwork: true });
    expect(env.runtime.countCalls("syncPod", "host")).toBe(1);
    networkError = undefined;
    env.workers.updatePod({ type: "sync", pod: makePod() });
    await flush();
    expect(env.runtime.countCalls("syncPod", "uid-1")).toBe(1);
  });

  it("treats CrashLoopBackOff as a wait, not an error, and is due again when the back-off ends", async () => {
    const env = setup();
    const retryAtMs = env.clock.now() + 20_000;
    env.runtime.onSyncPod = () => ({
      results: [
        {
          action: "StartContainer",
          target: "app",
          error: {
            reason: "CrashLoopBackOff",
            message: "back-off 20s restarting failed container",
            retryAtMs,
          },
        },
      ],
    });
    await running(env);
    expect(env.errors).toEqual([]);
    expect(env.workers.nextSyncAtMs("uid-1")).toBe(retryAtMs);
  });

  it("sets the status again right after syncPod, so CrashLoopBackOff shows without waiting", async () => {
    const env = setup();
    env.runtime.onSyncPod = () => ({
      results: [
        { action: "StartContainer", target: "app", error: { reason: "CrashLoopBackOff", message: "x" } },
      ],
    });
    await running(env);
    const sets = env.statusManager.calls.filter((c) => c.method === "setPodStatus");
    expect(sets).toHaveLength(2);
    expect(env.statusManager.statuses.get("uid-1")?.reason).toBe("CrashLoopBackOff");
  });
});

describe("pod workers: termination", () => {
  it("moves a pod whose phase turned terminal through terminating, terminated and finished", async () => {
    const env = setup();
    const pod = await running(env, { restartPolicy: "Never" });
    env.runtime.exitAll("uid-1", 0);
    env.workers.updatePod({ type: "sync", pod });
    await flush();
    expect(env.states.map((s) => `${s.from}>${s.to}`)).toEqual([
      "sync>terminating",
      "terminating>terminated",
      "terminated>finished",
    ]);
    expect(env.runtime.killCalls()).toHaveLength(1);
    expect(env.statusManager.calls.at(-1)).toEqual({ method: "terminatePod", uid: "uid-1" });
    expect(env.statusManager.statuses.get("uid-1")?.phase).toBe("Succeeded");
    expect(env.workers.isPodKnownTerminated("uid-1")).toBe(true);
  });

  it.each([
    [
      "the deletion grace period",
      { deleting: true, deletionGracePeriodSeconds: 5, terminationGracePeriodSeconds: 60 },
      5_000,
    ],
    ["terminationGracePeriodSeconds", { deleting: true, terminationGracePeriodSeconds: 12 }, 12_000],
    ["30 s when the spec has none", { deleting: true }, 30_000],
    ["at least 1 s", { deleting: true, deletionGracePeriodSeconds: 0 }, 1_000],
  ])("terminates a deleted pod with %s", async (_name, options, graceMs) => {
    const env = setup();
    await running(env);
    env.workers.updatePod({ type: "update", pod: makePod(options) });
    await flush();
    expect(env.runtime.killCalls().map((c) => c.gracePeriodMs)).toEqual([graceMs]);
    expect(env.workers.workerState("uid-1")).toBe("finished");
  });

  it("takes a kill's grace override over the spec's, and afterwards only shortens it", async () => {
    const env = setup();
    const gate = deferred();
    env.runtime.onKillPod = () => gate.promise;
    const pod = await running(env, { terminationGracePeriodSeconds: 20 });
    env.workers.updatePod({ type: "kill", pod, killOptions: { gracePeriodOverrideMs: 45_000 } });
    await flush();
    env.workers.updatePod({ type: "kill", pod, killOptions: { gracePeriodOverrideMs: 50_000 } });
    env.runtime.onKillPod = undefined;
    gate.resolve();
    await flush();
    expect(env.runtime.killCalls().map((c) => c.gracePeriodMs)).toEqual([45_000]);
  });

  it("restarts an in-flight termination when a shorter grace period arrives", async () => {
    const env = setup();
    env.runtime.onKillPod = (_uid, options) =>
      env.clock.sleep(options?.gracePeriodOverrideMs ?? 0, options?.signal);
    await running(env);
    env.workers.updatePod({
      type: "update",
      pod: makePod({ deleting: true, deletionGracePeriodSeconds: 30 }),
    });
    await env.clock.advanceAsync(10_000);
    env.workers.updatePod({
      type: "update",
      pod: makePod({ deleting: true, deletionGracePeriodSeconds: 5 }),
    });
    await env.clock.advanceAsync(4_999);
    expect(env.workers.workerState("uid-1")).toBe("terminating");
    await env.clock.advanceAsync(1);
    expect(env.runtime.killCalls().map((c) => c.gracePeriodMs)).toEqual([30_000, 5_000]);
    expect(env.workers.workerState("uid-1")).toBe("finished");
    expect(env.errors).toEqual([]);
  });

  it("never restarts a terminated pod, whatever updates follow", async () => {
    const env = setup();
    const pod = await running(env);
    env.workers.updatePod({ type: "kill", pod });
    await flush();
    const syncs = env.runtime.countCalls("syncPod");
    for (const type of ["create", "update", "sync"] as const) env.workers.updatePod({ type, pod });
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(syncs);
    expect(env.workers.workerState("uid-1")).toBe("finished");
  });

  it("starts a UID re-created while terminating only after housekeeping forgets the old worker", async () => {
    const env = setup();
    const gate = deferred();
    env.runtime.onKillPod = () => gate.promise;
    const pod = await running(env);
    env.workers.updatePod({ type: "kill", pod });
    await flush();
    env.workers.updatePod({ type: "create", pod });
    gate.resolve();
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(1);
    expect(env.workers.syncKnownPods([pod]).has("uid-1")).toBe(false);
    env.workers.updatePod({ type: "create", pod });
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(2);
    expect(env.workers.workerState("uid-1")).toBe("sync");
  });

  it("terminates a pod first seen with a terminal phase without syncing it", async () => {
    const env = setup();
    await running(env, { phase: "Succeeded" });
    expect(env.runtime.countCalls("syncPod")).toBe(0);
    expect(env.workers.workerState("uid-1")).toBe("finished");
  });

  it("retries termination after the back-off when killPod fails, and reports running leftovers", async () => {
    const env = setup();
    let failures = 1;
    env.runtime.onKillPod = () => {
      if (failures-- > 0) throw new Error("runtime unavailable");
    };
    const pod = await running(env);
    env.workers.updatePod({ type: "kill", pod });
    await flush();
    expect(env.workers.workerState("uid-1")).toBe("terminating");
    expect(env.workers.nextSyncAtMs("uid-1")).toBe(env.clock.now() + 10_000);
    env.runtime.onKillPod = undefined;
    env.runtime.onAfterKillPod = (uid) => env.runtime.setContainer(uid, { id: "stubborn", name: "app" });
    env.workers.updatePod({ type: "sync", pod });
    await flush();
    expect(String(env.errors.at(-1)?.error)).toContain(
      "detected running containers after a successful KillPod",
    );
    expect(env.workers.isPodKnownTerminated("uid-1")).toBe(false);
  });

  it("kills an orphaned runtime pod with a 1 s grace period and then forgets it", async () => {
    const env = setup();
    env.runtime.setContainer("orphan", { id: "c1", name: "app" });
    const runningPod = (await env.runtime.listPods())[0];
    if (runningPod === undefined) throw new Error("no runtime pod");
    env.workers.updatePod({ type: "sync", runningPod });
    await flush();
    expect(env.runtime.killCalls()).toEqual([]);
    env.workers.updatePod({ type: "kill", runningPod });
    await flush();
    expect(env.runtime.killCalls()).toEqual([
      { method: "killPod", uid: "orphan", hasPod: false, gracePeriodMs: 1_000 },
    ]);
    expect(env.workers.workerState("orphan")).toBeUndefined();
  });

  it("marks evicted pods for content removal as soon as the kill is requested", async () => {
    const env = setup();
    const pod = await running(env);
    env.workers.updatePod({
      type: "kill",
      pod,
      killOptions: { evict: true, podStatusFn: (s) => ({ ...s, reason: "Evicted" }) },
    });
    expect(env.workers.shouldPodContentBeRemoved("uid-1")).toBe(true);
    await flush();
    const reasons = env.statusManager.calls.map((c) =>
      c.method === "setPodStatus" ? c.status.reason : c.method,
    );
    // Both statuses set while terminating carry the kill's adjustment.
    expect(reasons.slice(-4)).toEqual(["Evicted", "Evicted", undefined, "terminatePod"]);
  });
});

describe("pod workers: static pods", () => {
  it("runs one static pod per full name; a second UID waits until the first has terminated", async () => {
    const env = setup();
    const first = await running(env, { uid: "a", name: "web", source: "file" });
    const second = makePod({ uid: "b", name: "web", source: "file" });
    env.workers.updatePod({ type: "create", pod: second });
    await flush();
    expect(env.runtime.countCalls("syncPod", "b")).toBe(0);
    expect(env.workers.nextSyncAtMs("b")).toBe(env.clock.now() + 10_000);
    env.workers.updatePod({ type: "sync", pod: second });
    await flush();
    expect(env.runtime.countCalls("syncPod", "b")).toBe(0);
    const gate = deferred();
    env.runtime.onKillPod = () => gate.promise;
    env.workers.updatePod({ type: "kill", pod: first });
    await flush();
    expect(env.workers.isPodForMirrorPodTerminatingByFullName("web_default")).toBe(true);
    env.workers.updatePod({ type: "sync", pod: second });
    await flush();
    expect(env.runtime.countCalls("syncPod", "b")).toBe(0);
    gate.resolve();
    await flush();
    env.workers.updatePod({ type: "sync", pod: second });
    await flush();
    expect(env.runtime.countCalls("syncPod", "b")).toBe(1);
  });

  it("lets API pods with the same full name run side by side", async () => {
    const env = setup();
    await running(env, { uid: "a", name: "web" });
    await running(env, { uid: "b", name: "web" });
    expect(env.runtime.countCalls("syncPod")).toBe(2);
  });
});

describe("pod workers: known pods and predicates", () => {
  it("answers the lifecycle predicates as the kubelet does", async () => {
    const env = setup();
    const { workers } = env;
    expect(workers.couldHaveRunningContainers("ghost")).toBe(true);
    expect(workers.shouldPodRuntimeBeRemoved("ghost")).toBe(false);
    workers.syncKnownPods([]);
    expect(workers.couldHaveRunningContainers("ghost")).toBe(false);
    expect(workers.shouldPodRuntimeBeRemoved("ghost")).toBe(true);
    expect(workers.shouldPodBeFinished("ghost")).toBe(true);
    expect(workers.isPodTerminationRequested("ghost")).toBe(false);

    const gate = deferred();
    env.runtime.onKillPod = () => gate.promise;
    const pod = await running(env);
    expect(workers.couldHaveRunningContainers("uid-1")).toBe(true);
    workers.updatePod({ type: "kill", pod });
    expect(workers.isPodTerminationRequested("uid-1")).toBe(true);
    expect(workers.shouldPodContainersBeTerminating("uid-1")).toBe(false);
    await flush();
    expect(workers.shouldPodContainersBeTerminating("uid-1")).toBe(true);
    expect(workers.shouldPodRuntimeBeRemoved("uid-1")).toBe(false);
    gate.resolve();
    await flush();
    expect(workers.shouldPodRuntimeBeRemoved("uid-1")).toBe(true);
    expect(workers.shouldPodBeFinished("uid-1")).toBe(true);
    expect(workers.shouldPodContentBeRemoved("uid-1")).toBe(false);
  });

  it("terminates running pods that left the desired set and forgets finished ones", async () => {
    const env = setup();
    const kept = await running(env, { uid: "kept" });
    await running(env, { uid: "gone", terminationGracePeriodSeconds: 7 });
    const known = env.workers.syncKnownPods([kept]);
    expect(known.get("gone")).toEqual({ state: "terminating", orphan: true, hasConfig: true, static: false });
    await flush();
    expect(env.runtime.killCalls()).toEqual([
      { method: "killPod", uid: "gone", hasPod: true, gracePeriodMs: 7_000 },
    ]);
    expect(env.workers.shouldPodContentBeRemoved("gone")).toBe(true);
    expect([...env.workers.syncKnownPods([kept]).keys()]).toEqual(["kept"]);
    expect(env.workers.workerState("gone")).toBeUndefined();
  });

  it("stop() waits for in-flight work, leaves pods running and ignores later updates", async () => {
    const env = setup();
    const gate = deferred<SyncResult>();
    env.runtime.onSyncPod = () => gate.promise;
    const pod = await running(env);
    let stopped = false;
    const stopping = env.workers.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    gate.resolve({ results: [] });
    await stopping;
    env.workers.updatePod({ type: "kill", pod });
    await flush();
    expect(env.runtime.killCalls()).toEqual([]);
    expect(env.workers.takeDueWork()).toEqual([]);
  });

  it("rejects updates without a pod or a UID", () => {
    const env = setup();
    expect(() => env.workers.updatePod({ type: "create" })).toThrow(/needs a pod/);
    expect(() => env.workers.updatePod({ type: "create", pod: { metadata: {} } })).toThrow(/no metadata.uid/);
  });
});

describe("pod workers: reading statuses from the PLEG's cache", () => {
  /** Workers reading a cache that the test marks current by hand (as the PLEG does after each relist). */
  function cached(overrides: Partial<PodWorkersOptions> = {}) {
    const podCache = createPodCache();
    const env = setup({ podCache, ...overrides });
    const statusCalls = (): number => env.runtime.countCalls("getPodStatus", "uid-1");
    return { ...env, podCache, statusCalls };
  }

  it("waits for the first relist before the first sync, then starts from the cache with no runtime read", async () => {
    const env = cached();
    env.workers.updatePod({ type: "create", pod: makePod() });
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(0);
    env.podCache.updateTime(env.clock.now());
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(1);
    // The one read is the fresh status after syncPod started the container; the cache now holds it.
    expect(env.statusCalls()).toBe(1);
    expect(env.podCache.get("uid-1")?.status?.containers.map((c) => c.state)).toEqual(["running"]);
    expect(env.statusManager.phases("uid-1")).toEqual(["Pending", "Running"]);
  });

  it("starts the next sync from the status the last one shared, with no runtime read", async () => {
    const env = cached();
    env.podCache.updateTime(env.clock.now());
    const pod = await running(env);
    env.clock.advance(1_000);
    env.workers.updatePod({ type: "sync", pod });
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(2);
    expect(env.statusCalls()).toBe(1);
    expect(env.generator.inputs.at(-1)?.runtimeStatus.containers.map((c) => c.state)).toEqual(["running"]);
  });

  it("regenerates a back-off-only sync's status from the status it started from", async () => {
    const env = cached();
    env.podCache.updateTime(env.clock.now());
    env.runtime.onSyncPod = () => ({
      results: [
        { action: "StartContainer", target: "app", error: { reason: "CrashLoopBackOff", message: "x" } },
      ],
    });
    await running(env);
    expect(env.statusCalls()).toBe(0);
    expect(env.statusManager.statuses.get("uid-1")?.reason).toBe("CrashLoopBackOff");
  });

  it("does not read the runtime after a sync whose only step is the sandbox config", async () => {
    const env = cached();
    env.podCache.updateTime(env.clock.now());
    env.runtime.onSyncPod = () => ({ results: [{ action: "ConfigPodSandbox", target: "sb" }] });
    await running(env);
    expect(env.statusCalls()).toBe(0);
    env.runtime.onSyncPod = () => ({ results: [{ action: "StartContainer", target: "app" }] });
    env.workers.updatePod({ type: "sync", pod: makePod() });
    await flush();
    expect(env.statusCalls()).toBe(1);
  });

  it("after a failed status read, waits for a status observed after the step before syncing again", async () => {
    const env = cached();
    env.podCache.updateTime(env.clock.now());
    env.runtime.failStatusFor.add("uid-1");
    const pod = await running(env);
    expect(env.statusCalls()).toBe(1);
    env.runtime.failStatusFor.clear();
    env.clock.advance(500);
    env.workers.updatePod({ type: "sync", pod });
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(1);
    // The PLEG's next relist observes the pod and marks the cache current.
    env.podCache.set("uid-1", {
      status: await env.runtime.getPodStatus("uid-1", pod.metadata?.name ?? "", "default"),
      timestampMs: env.clock.now(),
    });
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(2);
  });

  it("fails the step with the cached fetch error, naming it", async () => {
    const env = cached();
    env.podCache.set("uid-1", { error: new Error("runtime down"), timestampMs: env.clock.now() });
    await running(env);
    expect(env.runtime.countCalls("syncPod")).toBe(0);
    expect(String(env.errors[0]?.error)).toContain("error determining status: runtime down");
  });

  it("terminates from the cached status and shares the fresh one it checks after killPod", async () => {
    const env = cached();
    env.podCache.updateTime(env.clock.now());
    const pod = await running(env);
    env.workers.updatePod({ type: "kill", pod });
    for (let i = 0; i < 5; i++) await flush();
    expect(env.runtime.countCalls("killPod")).toBe(1);
    expect(env.workers.workerState("uid-1")).toBe("finished");
    // One read after the start, one after the kill; the terminated step used the cached one.
    expect(env.statusCalls()).toBe(2);
    expect(env.podCache.get("uid-1")?.status?.containers.map((c) => c.state)).toEqual(["exited"]);
  });

  it("stop() ends a step that is waiting for the cache", async () => {
    const env = cached();
    env.workers.updatePod({ type: "create", pod: makePod() });
    await flush();
    await env.workers.stop();
    expect(env.runtime.countCalls("syncPod")).toBe(0);
    expect(env.errors).toEqual([]);
  });
});

describe("pod workers: pacing", () => {
  it("begins at most maxStepsPerTurn steps per event-loop turn, the others in the next turns", async () => {
    const env = setup({ maxStepsPerTurn: 2 });
    for (let i = 1; i <= 5; i++) env.workers.updatePod({ type: "create", pod: makePod({ uid: `uid-${i}` }) });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(env.runtime.countCalls("syncPod")).toBe(2);
    await flush();
    await flush();
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(5);
  });

  it("rejects a maxStepsPerTurn below 1", () => {
    expect(() => setup({ maxStepsPerTurn: 0 })).toThrow(/maxStepsPerTurn/);
  });

  it("lets at most maxConcurrentSyncs pods into syncPod at once; the next starts when one finishes", async () => {
    const env = setup({ maxConcurrentSyncs: 2 });
    const gates = new Map<string, Deferred<void>>();
    env.runtime.onSyncPod = async (pod) => {
      const gate = deferred();
      gates.set(pod.metadata?.uid ?? "", gate);
      await gate.promise;
      return { results: [] };
    };
    for (let i = 1; i <= 4; i++) env.workers.updatePod({ type: "create", pod: makePod({ uid: `uid-${i}` }) });
    await flush();
    await flush();
    expect([...gates.keys()]).toEqual(["uid-1", "uid-2"]);
    expect(env.runtime.maxInFlightOverall).toBe(2);
    gates.get("uid-2")?.resolve();
    await flush();
    expect([...gates.keys()]).toEqual(["uid-1", "uid-2", "uid-3"]);
    gates.get("uid-1")?.resolve();
    gates.get("uid-3")?.resolve();
    await flush();
    gates.get("uid-4")?.resolve();
    await flush();
    expect(env.runtime.countCalls("syncPod")).toBe(4);
    expect(env.runtime.maxInFlightOverall).toBe(2);
  });

  it("does not hold back terminations behind busy syncs", async () => {
    const env = setup({ maxConcurrentSyncs: 1 });
    const pod = await running(env);
    const gate = deferred();
    env.runtime.onSyncPod = async () => {
      await gate.promise;
      return { results: [] };
    };
    env.workers.updatePod({ type: "create", pod: makePod({ uid: "uid-2" }) });
    await flush();
    env.workers.updatePod({ type: "kill", pod });
    for (let i = 0; i < 5; i++) await flush();
    expect(env.runtime.countCalls("killPod", "uid-1")).toBe(1);
    gate.resolve();
  });
});
