import type { ProbeManager, ProbeResultEvent, ProbeStateQuery } from "@kubelet-kit/core";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Prober } from "../probe-manager.js";
import { createFakeProber } from "./fake-prober.js";
import { createFakeProber as fromIndex } from "./index.js";

const UID = "uid-1";
const probe = { exec: { command: ["true"] } };

function pod(containers: V1Container[], uid = UID): V1Pod {
  return { metadata: { uid, name: "web", namespace: "default" }, spec: { containers } };
}

const q = (
  containerName: string,
  containerId: string,
  extra: Partial<ProbeStateQuery> = {},
): ProbeStateQuery => ({
  podUid: UID,
  containerName,
  containerId,
  ...extra,
});

function recordResults(prober: ReturnType<typeof createFakeProber>): ProbeResultEvent[] {
  const events: ProbeResultEvent[] = [];
  prober.on("result", (e) => events.push(e));
  return events;
}

describe("createFakeProber", () => {
  it("is a core ProbeManager and a Prober", () => {
    const prober = createFakeProber();
    const asManager: ProbeManager<V1Pod> = prober;
    const asProber: Prober = prober;
    expectTypeOf(prober).toExtend<ProbeManager<V1Pod>>();
    expect(asManager).toBe(asProber);
    expect(fromIndex).toBe(createFakeProber);
  });

  it("records addPod, removePod, stopLivenessAndStartup and cleanupPods in order", async () => {
    const prober = createFakeProber();
    const p = pod([{ name: "web", livenessProbe: probe }]);
    const desired = new Set(["a"]);
    await prober.start();
    prober.addPod(p);
    prober.stopLivenessAndStartup(p);
    prober.cleanupPods(desired);
    desired.add("b");
    prober.removePod(p);
    expect(prober.calls.map((c) => c.method)).toEqual([
      "start",
      "addPod",
      "stopLivenessAndStartup",
      "cleanupPods",
      "removePod",
    ]);
    expect(prober.callsOf("addPod")[0]?.pod).toBe(p);
    expect([...(prober.callsOf("cleanupPods")[0]?.desiredPodUids ?? [])]).toEqual(["a"]);
  });

  it("emits result only when a container's value is new or changed", () => {
    const prober = createFakeProber();
    const events = recordResults(prober);
    const set = (result: "success" | "failure") =>
      prober.setResult({ kind: "readiness", podUid: UID, containerName: "web", containerId: "c1", result });
    set("failure");
    set("failure");
    set("success");
    set("success");
    prober.setResult({
      kind: "liveness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "success",
    });
    expect(events.map((e) => `${e.kind}:${e.result}`)).toEqual([
      "readiness:failure",
      "readiness:success",
      "liveness:success",
    ]);
    expect(events[0]).toEqual({
      kind: "readiness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "failure",
    });
  });

  it("fills the container name and the probe's grace period from the added pod", () => {
    const prober = createFakeProber();
    const events = recordResults(prober);
    prober.addPod(pod([{ name: "web", livenessProbe: { ...probe, terminationGracePeriodSeconds: 7 } }]));
    prober.setResult({ kind: "liveness", podUid: UID, containerId: "c1", result: "failure" });
    expect(events).toEqual([
      {
        kind: "liveness",
        podUid: UID,
        containerName: "web",
        containerId: "c1",
        result: "failure",
        terminationGracePeriodSeconds: 7,
      },
    ]);
  });

  it("answers no opinion for a kind the container has no probe of, false until a success otherwise", () => {
    const prober = createFakeProber();
    prober.addPod(pod([{ name: "web", readinessProbe: probe, startupProbe: probe }, { name: "side" }]));
    expect(prober.isReady(q("side", "s1"))).toBeUndefined();
    expect(prober.isStarted(q("side", "s1"))).toBeUndefined();
    expect(prober.isReady(q("web", "c1"))).toBe(false);
    expect(prober.isStarted(q("web", "c1"))).toBe(false);
    expect(prober.readinessTriggerCount).toBe(1);
    prober.setResult({
      kind: "readiness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "success",
    });
    prober.setResult({
      kind: "startup",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "success",
    });
    expect(prober.isReady(q("web", "c1"))).toBe(true);
    expect(prober.isStarted(q("web", "c1"))).toBe(true);
    // A new instance of the same container has no result yet.
    expect(prober.isReady(q("web", "c2"))).toBe(false);
    expect(prober.workerCount).toBe(2);
    expect(prober.hasWorker(UID, "web", "liveness")).toBe(false);
  });

  it("follows the real prober's started rules without a result", () => {
    const prober = createFakeProber();
    expect(prober.isStarted(q("web", "c1", { previouslyStarted: true }))).toBe(true);
    prober.setResult({
      kind: "startup",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "failure",
    });
    expect(prober.isStarted(q("web", "c1", { previouslyStarted: true }))).toBe(false);
    // A readiness failure without a readiness probe gives no opinion, as the real prober.
    prober.setResult({
      kind: "readiness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "failure",
    });
    expect(prober.isReady(q("web", "c1"))).toBeUndefined();
  });

  it("keeps the pod's readiness for containers older than the agent until a readiness result", () => {
    const agentStartedAtMs = 1_000_000;
    const prober = createFakeProber({ agentStartedAtMs });
    prober.addPod(pod([{ name: "web", readinessProbe: probe }]));
    const old = { startedAtMs: agentStartedAtMs - 60_000, podWasReady: true };
    expect(prober.isReady(q("web", "c1", old))).toBe(true);
    expect(prober.isReady(q("web", "c1", { ...old, startedAtMs: agentStartedAtMs }))).toBe(false);
    prober.setResult({
      kind: "readiness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "failure",
    });
    expect(prober.isReady(q("web", "c1", old))).toBe(false);
  });

  it("reports container health from liveness and startup results", () => {
    const prober = createFakeProber();
    expect(prober.containerHealth("c1")).toBeUndefined();
    prober.setResult({
      kind: "readiness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "failure",
    });
    expect(prober.containerHealth("c1")).toBeUndefined();
    prober.setResult({
      kind: "liveness",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "failure",
    });
    expect(prober.containerHealth("c1")).toEqual({ liveness: "failure" });
    prober.setResult({
      kind: "startup",
      podUid: UID,
      containerName: "web",
      containerId: "c1",
      result: "success",
    });
    expect(prober.containerHealth("c1")).toEqual({ liveness: "failure", startup: "success" });
    prober.clearResult("liveness", "c1");
    expect(prober.containerHealth("c1")).toEqual({ startup: "success" });
  });

  it("stops probes and forgets their results on stopLivenessAndStartup, removePod and cleanupPods", () => {
    const prober = createFakeProber();
    const events = recordResults(prober);
    const p = pod([{ name: "web", livenessProbe: probe, readinessProbe: probe, startupProbe: probe }]);
    prober.addPod(p);
    prober.addPod(p);
    expect(prober.workerCount).toBe(3);
    for (const kind of ["liveness", "readiness", "startup"] as const) {
      prober.setResult({ kind, podUid: UID, containerName: "web", containerId: "c1", result: "success" });
    }
    prober.stopLivenessAndStartup(p);
    expect(prober.containerHealth("c1")).toBeUndefined();
    expect(prober.isStarted(q("web", "c1"))).toBeUndefined();
    expect(prober.isReady(q("web", "c1"))).toBe(true);
    prober.removePod(p);
    expect(prober.result("readiness", "c1")).toBeUndefined();
    expect(prober.isReady(q("web", "c1"))).toBeUndefined();
    expect(prober.workerCount).toBe(0);

    const other = pod([{ name: "db", readinessProbe: probe }], "uid-2");
    prober.addPod(p);
    prober.addPod(other);
    prober.cleanupPods(new Set([UID]));
    expect(prober.hasWorker("uid-2", "db", "readiness")).toBe(false);
    expect(prober.hasWorker(UID, "web", "readiness")).toBe(true);
    expect(events).toHaveLength(3); // forgetting is silent
  });

  it("emits recordable probe events", () => {
    const prober = createFakeProber();
    const reasons: string[] = [];
    prober.on("event", (e) => reasons.push(e.reason));
    prober.emitEvent({
      type: "Warning",
      reason: "Unhealthy",
      message: "Liveness probe failed: boom",
      kind: "liveness",
      pod: { uid: UID, name: "web", namespace: "default" },
      container: "web",
      containerId: "c1",
      atMs: 0,
    });
    expect(reasons).toEqual(["Unhealthy"]);
  });
});
