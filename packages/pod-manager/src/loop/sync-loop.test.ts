import {
  type ContainerRef,
  createEventHub,
  createFakeClock,
  type PodUpdate,
  type PodUpdateType,
  type ProbeKind,
  type ProbeManagerEvents,
  type ProbeResult,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createPodConfig, type PodConfig } from "../config/pod-config.js";
import { createGenericPleg } from "../pleg/generic-pleg.js";
import type { Pleg, PlegEvents, PodLifecycleEvent } from "../pleg/types.js";
import { createProgrammaticSource } from "../sources/programmatic-source.js";
import { createPodWorkers } from "../workers/pod-workers.js";
import {
  FakeGenerator,
  FakeRuntime,
  FakeStatusManager,
  flush,
  type MakePodOptions,
  makePod,
} from "../workers/test-support.js";
import { createSyncLoop } from "./sync-loop.js";
import type { PodConfigUpdates, SyncLoopConfigEvents, SyncLoopOptions } from "./types.js";

function setup(options: Partial<SyncLoopOptions> & { realPleg?: boolean } = {}) {
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
  });
  const updates: string[] = [];
  const updatePod = workers.updatePod;
  workers.updatePod = (update) => {
    updates.push(`${update.type}:${update.pod?.metadata?.uid ?? update.runningPod?.uid}`);
    updatePod(update);
  };
  const config = createEventHub<SyncLoopConfigEvents>();
  const plegHub = createEventHub<PlegEvents>();
  const plegCalls: string[] = [];
  const fakePleg: Pick<Pleg, "on" | "start" | "stop"> = {
    on: plegHub.on,
    start: async () => {
      plegCalls.push("start");
    },
    stop: async () => {
      plegCalls.push("stop");
    },
  };
  const pleg = options.realPleg ? createGenericPleg({ runtime, clock }) : fakePleg;
  const loop = createSyncLoop({ config, workers, pleg, runtime, statusManager, clock, ...options });
  const emit = (type: PodUpdateType, ...pods: V1Pod[]): void =>
    config.emit("update", { type, source: "api", pods } as PodUpdate<V1Pod>);
  const plegEvent = (event: PodLifecycleEvent): void => plegHub.emit("event", event);
  const take = (): string[] => updates.splice(0);
  return { clock, runtime, statusManager, workers, loop, emit, plegEvent, take, plegCalls };
}

const pod = (uid: string, options: MakePodOptions = {}): V1Pod => makePod({ uid, ...options });

describe("sync loop: dispatch", () => {
  it("sends add as create (oldest first), update and delete as updates, remove as a kill", async () => {
    const env = setup();
    await env.loop.start();
    env.emit("add", pod("young", { createdAtMs: 2_000 }), pod("old", { createdAtMs: 1_000 }));
    env.emit("update", pod("old"));
    env.emit("delete", pod("old", { deleting: true }));
    env.emit("remove", pod("young", { terminationGracePeriodSeconds: 15 }));
    expect(env.take()).toEqual(["create:old", "create:young", "update:old", "update:old", "kill:young"]);
    await flush();
    const kills = env.runtime.killCalls().map((c) => [c.uid, c.gracePeriodMs]);
    expect(kills.sort()).toEqual([
      ["old", 30_000],
      ["young", 15_000],
    ]);
    expect(env.loop.getPodByUid("young")).toBeUndefined();
    expect(env.loop.getPods().map((p) => p.metadata?.uid)).toEqual(["old"]);
    await env.loop.stop();
  });

  it("stores reconciled pods and syncs them only when asked to", async () => {
    let needsSync = false;
    const env = setup({ reconcileNeedsSync: () => needsSync });
    await env.loop.start();
    env.emit("add", pod("p"));
    env.take();
    env.emit("reconcile", pod("p", { phase: "Running" }));
    expect(env.take()).toEqual([]);
    expect(env.loop.getPodByUid("p")?.status?.phase).toBe("Running");
    needsSync = true;
    env.emit("reconcile", pod("p"));
    env.emit("set", pod("p"));
    expect(env.take()).toEqual(["sync:p"]);
    await env.loop.stop();
  });

  it("queues updates emitted before start and skips mirror pods", async () => {
    const env = setup();
    const mirror = pod("mirror");
    mirror.metadata = { ...mirror.metadata, annotations: { "kubernetes.io/config.mirror": "hash" } };
    env.emit("add", pod("p"), mirror);
    expect(env.take()).toEqual([]);
    await env.loop.start();
    expect(env.take()).toEqual(["create:p"]);
    await env.loop.stop();
  });

  it("does not act on removals before the sources are ready", async () => {
    const env = setup({ sourcesReady: () => false });
    await env.loop.start();
    env.emit("add", pod("p"));
    env.emit("remove", pod("p"));
    expect(env.take()).toEqual(["create:p"]);
    await env.loop.stop();
  });
});

describe("sync loop: PLEG and resync", () => {
  it("syncs the pod a PLEG event names, except for removals, changes and unknown pods", async () => {
    const env = setup();
    await env.loop.start();
    env.emit("add", pod("p"));
    env.take();
    env.plegEvent({ podUid: "p", type: "ContainerDied", containerId: "c1" });
    env.plegEvent({ podUid: "p", type: "PodSync" });
    env.plegEvent({ podUid: "p", type: "ContainerRemoved", containerId: "c1" });
    env.plegEvent({ podUid: "p", type: "ContainerChanged", containerId: "c2" });
    env.plegEvent({ podUid: "stranger", type: "ContainerStarted", containerId: "c3" });
    expect(env.take()).toEqual(["sync:p", "sync:p"]);
    await env.loop.stop();
  });

  it("syncs a pod within a second of its resync falling due", async () => {
    const env = setup();
    await env.loop.start();
    env.emit("add", pod("p"));
    await flush();
    env.take();
    await env.clock.advanceAsync(59_999);
    expect(env.take().filter((u) => u === "sync:p")).toEqual([]);
    await env.clock.advanceAsync(1_000);
    expect(env.take().filter((u) => u === "sync:p")).toEqual(["sync:p"]);
    await env.loop.stop();
  });
});

describe("sync loop: housekeeping and GC", () => {
  it("kills runtime pods without configuration with a 1 s grace, once the sources are ready", async () => {
    const env = setup();
    env.runtime.setContainer("orphan", { id: "c1", name: "app" });
    await env.loop.start();
    await env.clock.advanceAsync(4_000);
    expect(env.runtime.killCalls()).toEqual([]);
    env.emit("add", pod("p"));
    await env.clock.advanceAsync(2_000);
    expect(env.runtime.killCalls()).toEqual([
      { method: "killPod", uid: "orphan", hasPod: false, gracePeriodMs: 1_000 },
    ]);
    expect(env.workers.workerState("orphan")).toBeUndefined();
    await env.loop.stop();
  });

  it("forgets orphaned statuses and finished workers of removed pods", async () => {
    const env = setup();
    await env.loop.start();
    env.statusManager.statuses.set("long-gone", { phase: "Running" });
    env.emit("add", pod("p"), pod("q"));
    env.emit("remove", pod("q"));
    await flush();
    expect(env.workers.workerState("q")).toBe("finished");
    await env.loop.housekeeping();
    expect([...env.statusManager.statuses.keys()]).toEqual(["p"]);
    expect(env.workers.workerState("q")).toBeUndefined();
    await env.loop.stop();
  });

  it("restarts a pod re-created with the UID of a terminated one", async () => {
    const env = setup();
    await env.loop.start();
    const staticPod = pod("fixed", { source: "file" });
    env.emit("add", staticPod);
    await flush();
    env.emit("remove", staticPod);
    await flush();
    env.emit("add", staticPod);
    await flush();
    expect(env.runtime.countCalls("syncPod", "fixed")).toBe(1);
    await env.loop.housekeeping();
    await flush();
    expect(env.runtime.countCalls("syncPod", "fixed")).toBe(2);
    expect(env.workers.workerState("fixed")).toBe("sync");
    await env.loop.stop();
  });

  it("collects container garbage at start and every minute with the kubelet's policy", async () => {
    const env = setup();
    await env.loop.start();
    await env.clock.advanceAsync(0);
    env.emit("add", pod("p"));
    await env.clock.advanceAsync(60_000);
    const gcs = env.runtime.calls.filter((c) => c.method === "garbageCollect");
    expect(gcs.map((c) => c.policy)).toEqual([
      { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 },
      { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 },
    ]);
    expect(gcs.map((c) => c.options.allSourcesReady)).toEqual([false, true]);
    expect(gcs[1]?.options.podState?.shouldPodRuntimeBeRemoved("unknown")).toBe(true);
    await env.loop.stop();
  });
});

describe("sync loop: lifecycle", () => {
  it("adopts running pods on start without restarting their containers", async () => {
    const env = setup({ realPleg: true });
    env.runtime.setSandbox("p", { id: "sb" });
    env.runtime.setContainer("p", { id: "c-old", name: "app" });
    env.emit("add", pod("p"));
    await env.loop.start();
    await env.clock.advanceAsync(3_000);
    expect(env.take()).toContain("sync:p");
    expect(env.runtime.killCalls()).toEqual([]);
    expect(env.runtime.pods.get("p")?.containers.map((c) => [c.id, c.state])).toEqual([["c-old", "running"]]);
    expect(env.statusManager.statuses.get("p")?.phase).toBe("Running");
    await env.loop.stop();
  });

  it("stop() stops timers, the PLEG and the workers, and leaves pods running", async () => {
    const env = setup();
    await env.loop.start();
    env.emit("add", pod("p"));
    await env.clock.advanceAsync(2_000);
    await env.loop.stop();
    expect(env.plegCalls).toEqual(["start", "stop"]);
    const calls = env.runtime.calls.length;
    await env.clock.advanceAsync(120_000);
    env.emit("remove", pod("p"));
    await flush();
    expect(env.runtime.calls.length).toBe(calls);
    expect(env.runtime.pods.get("p")?.containers.every((c) => c.state === "running")).toBe(true);
  });
});

describe("sync loop: with the pod config", () => {
  it("takes the pod config's merged updates and its sources-ready signal", async () => {
    expectTypeOf<PodConfig>().toExtend<PodConfigUpdates>();
    const clock = createFakeClock();
    const runtime = new FakeRuntime(clock);
    const statusManager = new FakeStatusManager();
    const generator = new FakeGenerator();
    const workers = createPodWorkers({ runtime, statusManager, generateStatus: generator.generate, clock });
    const source = createProgrammaticSource({ clock });
    const config = createPodConfig({ clock, sources: [source] });
    const pleg = createGenericPleg({ runtime, clock });
    runtime.setContainer("leftover", { id: "c0", name: "app" });
    const loop = createSyncLoop({
      config,
      workers,
      pleg,
      runtime,
      statusManager,
      clock,
      sourcesReady: () => config.sourcesReady(),
    });
    await loop.start();
    await config.start();
    source.add(makePod({ uid: "web" }));
    await clock.advanceAsync(2_000);
    expect(workers.workerState("web")).toBe("sync");
    expect(runtime.killCalls().map((c) => c.uid)).toEqual(["leftover"]);
    source.delete("web", { gracePeriodSeconds: 4 });
    await clock.advanceAsync(1_000);
    expect(runtime.killCalls().map((c) => [c.uid, c.gracePeriodMs])).toEqual([
      ["leftover", 1_000],
      ["web", 4_000],
    ]);
    expect(workers.workerState("web")).toBe("finished");
    await loop.stop();
    await config.stop();
  });
});

/** The status manager's probe setters, recording their calls, over the fake status manager. */
class ProbeStatusRecorder extends FakeStatusManager {
  readonly probeCalls: string[] = [];
  setContainerReadiness = (container: ContainerRef, ready: boolean): void => {
    this.probeCalls.push(`ready:${container.podUid}/${container.containerId}=${ready}`);
  };
  setContainerStartup = (container: ContainerRef, started: boolean): void => {
    this.probeCalls.push(`started:${container.podUid}/${container.containerId}=${started}`);
  };
}

/** A prober driven by hand: `result` emits a result event as the probe manager would on a change. */
function handProber() {
  const hub = createEventHub<ProbeManagerEvents>();
  const cleanups: string[][] = [];
  return {
    on: hub.on,
    cleanupPods: (uids: ReadonlySet<string>) => cleanups.push([...uids]),
    result: (kind: ProbeKind, podUid: string, result: ProbeResult): void =>
      hub.emit("result", { kind, podUid, containerName: "app", containerId: `c-${podUid}`, result }),
    listeners: () => hub.listenerCount("result"),
  };
}

describe("sync loop: probe results", () => {
  async function started() {
    const prober = handProber();
    const statusManager = new ProbeStatusRecorder();
    const env = setup({ probeManager: prober, statusManager });
    await env.loop.start();
    env.emit("add", pod("web"));
    await env.clock.advanceAsync(0);
    env.take();
    return { ...env, prober, recorder: statusManager };
  }

  it("syncs the pod on a liveness failure and ignores liveness successes", async () => {
    const env = await started();
    env.prober.result("liveness", "web", "success");
    expect(env.take()).toEqual([]);
    env.prober.result("liveness", "web", "failure");
    expect(env.take()).toEqual(["sync:web"]);
    expect(env.recorder.probeCalls).toEqual([]);
    await env.loop.stop();
  });

  it("sets readiness on the status manager before syncing, both ways", async () => {
    const env = await started();
    const order: string[] = [];
    const updatePod = env.workers.updatePod;
    env.workers.updatePod = (update) => {
      order.push(`${update.type}:${env.recorder.probeCalls.length}`);
      updatePod(update);
    };
    env.prober.result("readiness", "web", "success");
    env.prober.result("readiness", "web", "failure");
    expect(env.recorder.probeCalls).toEqual(["ready:web/c-web=true", "ready:web/c-web=false"]);
    // Each sync came after its own readiness call.
    expect(order).toEqual(["sync:1", "sync:2"]);
    await env.loop.stop();
  });

  it("sets startup on the status manager and syncs on every startup change, failures included", async () => {
    const env = await started();
    env.prober.result("startup", "web", "success");
    env.prober.result("startup", "web", "failure");
    env.prober.result("startup", "web", "unknown");
    expect(env.recorder.probeCalls).toEqual([
      "started:web/c-web=true",
      "started:web/c-web=false",
      "started:web/c-web=false",
    ]);
    expect(env.take()).toEqual(["sync:web", "sync:web", "sync:web"]);
    await env.loop.stop();
  });

  it("still records readiness of a pod no longer configured, but syncs nothing", async () => {
    const env = await started();
    env.emit("remove", pod("web"));
    env.take();
    env.prober.result("readiness", "web", "success");
    env.prober.result("liveness", "web", "failure");
    expect(env.recorder.probeCalls).toEqual(["ready:web/c-web=true"]);
    expect(env.take()).toEqual([]);
    await env.loop.stop();
  });

  it("follows results only while running", async () => {
    const prober = handProber();
    const env = setup({ probeManager: prober, statusManager: new ProbeStatusRecorder() });
    expect(prober.listeners()).toBe(0);
    await env.loop.start();
    expect(prober.listeners()).toBe(1);
    await env.loop.stop();
    expect(prober.listeners()).toBe(0);
    prober.result("liveness", "web", "failure");
    expect(env.take()).toEqual([]);
  });

  it("wakes the real pod worker, whose status then reflects the sync", async () => {
    const env = await started();
    const syncsBefore = env.statusManager.phases("web").length;
    env.prober.result("liveness", "web", "failure");
    await env.clock.advanceAsync(0);
    expect(env.statusManager.phases("web").length).toBeGreaterThan(syncsBefore);
    await env.loop.stop();
  });

  it("rejects a probe manager with on() next to a status manager without the probe setters", () => {
    expect(() => setup({ probeManager: handProber() })).toThrow(/setContainerReadiness/);
  });
});
