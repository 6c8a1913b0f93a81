import type { ProbeManager, ProbeStateQuery } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ProbeAttempt } from "./handlers/types.js";
import type { Prober } from "./probe-manager.js";
import {
  container,
  failure,
  POD_UID,
  pod,
  probe,
  running,
  setup,
  success,
  T0,
} from "./prober-fixtures.test-helpers.js";

const SECOND = 1_000;
const q = (
  containerName: string,
  containerId: string,
  extra: Partial<ProbeStateQuery> = {},
): ProbeStateQuery => ({
  podUid: POD_UID,
  containerName,
  containerId,
  ...extra,
});

function fullPod(): V1Pod {
  const all = { startupProbe: probe(), readinessProbe: probe(), livenessProbe: probe() };
  return pod({
    containers: [container("app", all), container("plain")],
    initContainers: [container("setup", all), container("proxy", { ...all, restartPolicy: "Always" })],
  });
}

describe("probe manager", () => {
  it("implements the core ProbeManager contract", () => {
    expectTypeOf<Prober>().toExtend<ProbeManager<V1Pod>>();
  });

  it("starts startup, readiness and liveness workers, in that order, for containers and sidecars only", async () => {
    const { clock, statuses, prober, results } = setup();
    prober.addPod(fullPod());
    expect(prober.workerCount).toBe(6);
    expect(prober.hasWorker(POD_UID, "setup", "liveness")).toBe(false);
    expect(prober.hasWorker(POD_UID, "plain", "liveness")).toBe(false);
    statuses.set({
      containerStatuses: [running("app", "a1", { started: false })],
      initContainerStatuses: [running("proxy", "p1", { started: false })],
    });
    await clock.advanceAsync(0);
    expect(results.slice(0, 6).map((r) => `${r.kind}:${r.containerId}`)).toEqual([
      "startup:a1",
      "readiness:a1",
      "liveness:a1",
      "startup:p1",
      "readiness:p1",
      "liveness:p1",
    ]);
  });

  it("runs at most maxConcurrentProbes attempts at once; the next starts when one finishes", async () => {
    const held: { name: string; finish: () => void }[] = [];
    const hold = (request: { container: { name: string } }): Promise<ProbeAttempt> =>
      new Promise((resolve) => held.push({ name: request.container.name, finish: () => resolve(success()) }));
    const { clock, statuses, prober } = setup({
      maxConcurrentProbes: 1,
      handlers: { exec: hold, httpGet: hold, tcpSocket: hold, grpc: hold },
    });
    prober.addPod(
      pod({
        containers: [container("a", { livenessProbe: probe() }), container("b", { livenessProbe: probe() })],
      }),
    );
    statuses.set({ containerStatuses: [running("a", "c1"), running("b", "c2")] });
    await clock.advanceAsync(0);
    expect(held.map((h) => h.name)).toEqual(["a"]);
    held[0]?.finish();
    await clock.advanceAsync(0);
    expect(held.map((h) => h.name)).toEqual(["a", "b"]);
  });

  it("rejects a maxConcurrentProbes that is not a positive integer", () => {
    expect(() => setup({ maxConcurrentProbes: 0 })).toThrow(
      /maxConcurrentProbes: must be a positive integer/,
    );
  });

  it("leaves existing workers alone when a pod is added again", async () => {
    const { clock, statuses, script, prober } = setup();
    const p = pod({ containers: [container("app", { livenessProbe: probe({ failureThreshold: 2 }) })] });
    prober.addPod(p);
    statuses.set({ containerStatuses: [running("app", "c1")] });
    script.answer(() => failure());
    await clock.advanceAsync(0);
    prober.addPod(p);
    expect(prober.workerCount).toBe(1);
    await clock.advanceAsync(10 * SECOND);
    // The second failure completes the first worker's run: the worker kept its state.
    expect(prober.result("liveness", "c1")).toBe("failure");
    expect(script.calls).toHaveLength(2);
  });

  it("stops only liveness and startup of a terminating pod, sidecars included; readiness keeps going", async () => {
    const { clock, statuses, script, prober } = setup();
    const p = fullPod();
    prober.addPod(p);
    statuses.set({
      containerStatuses: [running("app", "a1")],
      initContainerStatuses: [running("proxy", "p1")],
    });
    await clock.advanceAsync(0);
    prober.stopLivenessAndStartup(p);
    expect(prober.workerCount).toBe(2);
    expect(prober.result("liveness", "a1")).toBeUndefined();
    script.calls.length = 0;
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls.map((c) => `${c.kind}:${c.container.name}`).sort()).toEqual([
      "readiness:app",
      "readiness:proxy",
    ]);
  });

  it("removes a pod's workers and results", async () => {
    const { clock, statuses, script, prober } = setup();
    const p = fullPod();
    prober.addPod(p);
    statuses.set({ containerStatuses: [running("app", "a1")] });
    await clock.advanceAsync(0);
    expect(prober.result("readiness", "a1")).toBe("success");
    prober.removePod(p);
    expect(prober.workerCount).toBe(0);
    expect(prober.result("readiness", "a1")).toBeUndefined();
    expect(prober.containerHealth("a1")).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    const before = script.calls.length;
    await clock.advanceAsync(60 * SECOND);
    expect(script.calls).toHaveLength(before);
  });

  it("cleans up the workers of pods that are no longer desired", () => {
    const { prober } = setup();
    for (const uid of ["a", "b", "c"]) {
      prober.addPod(pod({ containers: [container("app", { readinessProbe: probe() })] }, { uid }));
    }
    prober.cleanupPods(new Set(["b"]));
    expect(prober.workerCount).toBe(1);
    expect(prober.hasWorker("b", "app", "readiness")).toBe(true);
  });

  it("runs all workers of one period on one clock timer, one timer per distinct period", async () => {
    const { clock, statuses, script, prober } = setup();
    for (let i = 0; i < 500; i++) {
      const uid = `p${i}`;
      statuses.set({ containerStatuses: [running("app", `c${i}`)] }, uid);
      prober.addPod(
        pod({ containers: [container("app", { livenessProbe: probe(), readinessProbe: probe() })] }, { uid }),
      );
    }
    expect(prober.workerCount).toBe(1_000);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advanceAsync(0);
    expect(script.calls).toHaveLength(1_000);
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls).toHaveLength(2_000);
    expect(clock.pendingTimers()).toBe(1);
    prober.addPod(
      pod({ containers: [container("app", { livenessProbe: probe({ periodSeconds: 1 }) })] }, { uid: "x" }),
    );
    expect(clock.pendingTimers()).toBe(2);
  });

  it("stop() stops every worker", async () => {
    const { clock, prober } = setup();
    prober.addPod(fullPod());
    await prober.stop();
    expect(prober.workerCount).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  describe("started", () => {
    it("has no opinion without a startup probe, says false until the startup probe succeeds", async () => {
      const { clock, statuses, script, prober } = setup();
      prober.addPod(pod({ containers: [container("app", { startupProbe: probe() }), container("plain")] }));
      expect(prober.isStarted(q("plain", "x1"))).toBeUndefined();
      expect(prober.isStarted(q("app", "a1"))).toBe(false);
      statuses.set({ containerStatuses: [running("app", "a1", { started: false })] });
      script.answer(() => failure());
      await clock.advanceAsync(0);
      expect(prober.isStarted(q("app", "a1"))).toBe(false);
      script.answer(success);
      await clock.advanceAsync(20 * SECOND);
      expect(prober.isStarted(q("app", "a1"))).toBe(true);
    });

    it("keeps the started flag of the pod's API status for the same instance (agent-restart rule)", () => {
      const { prober } = setup();
      prober.addPod(pod({ containers: [container("app", { startupProbe: probe() })] }));
      expect(prober.isStarted(q("app", "a1", { previouslyStarted: true }))).toBe(true);
      const legacy = setup({ changeContainerStatusOnRestart: true }).prober;
      legacy.addPod(pod({ containers: [container("app", { startupProbe: probe() })] }));
      expect(legacy.isStarted(q("app", "a1", { previouslyStarted: true }))).toBe(false);
    });
  });

  describe("ready", () => {
    it("has no opinion without a readiness probe, and is true only on a readiness success", async () => {
      const { clock, statuses, script, prober } = setup();
      prober.addPod(pod({ containers: [container("app", { readinessProbe: probe() }), container("plain")] }));
      expect(prober.isReady(q("plain", "x1"))).toBeUndefined();
      statuses.set({ containerStatuses: [running("app", "a1")] });
      script.answer(() => failure());
      await clock.advanceAsync(0);
      expect(prober.isReady(q("app", "a1"))).toBe(false);
      script.answer(success);
      await clock.advanceAsync(10 * SECOND);
      expect(prober.isReady(q("app", "a1"))).toBe(true);
    });

    it("asks a readiness worker without a success to probe now, and its period restarts from then", async () => {
      const { clock, statuses, script, prober } = setup();
      prober.addPod(pod({ containers: [container("app", { readinessProbe: probe() })] }));
      statuses.set({ containerStatuses: [running("app", "a1")] });
      script.answer(() => failure());
      await clock.advanceAsync(4 * SECOND);
      expect(script.calls).toHaveLength(1);
      expect(prober.isReady(q("app", "a1"))).toBe(false);
      await clock.advanceAsync(0);
      expect(script.calls).toHaveLength(2);
      await clock.advanceAsync(9_999);
      expect(script.calls).toHaveLength(2); // not at 10 s any more
      await clock.advanceAsync(1);
      expect(script.calls).toHaveLength(3); // at 14 s
    });

    it("holds a request that comes before the first (jittered) probe until right after it", async () => {
      const { clock, statuses, script, prober } = setup({ agentStartedAtMs: T0, random: () => 0.5 });
      prober.addPod(pod({ containers: [container("app", { readinessProbe: probe() })] }));
      statuses.set({ containerStatuses: [running("app", "a1")] });
      await clock.advanceAsync(SECOND);
      prober.isReady(q("app", "a1"));
      await clock.advanceAsync(3_999);
      expect(script.calls).toHaveLength(0);
      await clock.advanceAsync(1);
      expect(script.calls).toHaveLength(2);
      await clock.advanceAsync(9_999);
      expect(script.calls).toHaveLength(2);
      await clock.advanceAsync(1);
      expect(script.calls).toHaveLength(3);
    });

    it("keeps the pod's readiness for a container that ran before the agent started (agent-restart rule)", async () => {
      const { clock, statuses, prober } = setup({ agentStartedAtMs: T0 });
      prober.addPod(
        pod({ containers: [container("app", { readinessProbe: probe({ initialDelaySeconds: 3600 }) })] }),
      );
      const old = T0 - 11 * SECOND;
      statuses.set({ containerStatuses: [running("app", "a1", { startedAtMs: old })] });
      await clock.advanceAsync(10 * SECOND);
      expect(prober.result("readiness", "a1")).toBeUndefined(); // no initial failure for it
      expect(prober.isReady(q("app", "a1", { startedAtMs: old, podWasReady: true }))).toBe(true);
      expect(prober.isReady(q("app", "a1", { startedAtMs: old, podWasReady: false }))).toBe(false);
      expect(prober.isReady(q("app", "a1", { startedAtMs: T0 - 9 * SECOND, podWasReady: true }))).toBe(false);
    });

    it("lets a readiness result decide for an older container once there is one", async () => {
      const { clock, statuses, script, prober } = setup({ agentStartedAtMs: T0 });
      prober.addPod(
        pod({ containers: [container("app", { readinessProbe: probe({ failureThreshold: 1 }) })] }),
      );
      const old = T0 - 60 * SECOND;
      statuses.set({ containerStatuses: [running("app", "a1", { startedAtMs: old })] });
      script.answer(() => failure());
      await clock.advanceAsync(10 * SECOND);
      expect(prober.result("readiness", "a1")).toBe("failure");
      expect(prober.isReady(q("app", "a1", { startedAtMs: old, podWasReady: true }))).toBe(false);
    });

    it("resets every container after an agent restart when changeContainerStatusOnRestart is set", async () => {
      const { clock, statuses, prober } = setup({
        agentStartedAtMs: T0,
        changeContainerStatusOnRestart: true,
      });
      prober.addPod(
        pod({ containers: [container("app", { readinessProbe: probe({ initialDelaySeconds: 3600 }) })] }),
      );
      const old = T0 - 60 * SECOND;
      statuses.set({ containerStatuses: [running("app", "a1", { startedAtMs: old })] });
      await clock.advanceAsync(10 * SECOND);
      expect(prober.result("readiness", "a1")).toBe("failure");
      expect(prober.isReady(q("app", "a1", { startedAtMs: old, podWasReady: true }))).toBe(false);
    });
  });

  it("reports liveness and startup results for syncPod", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(
      pod({
        containers: [
          container("app", { startupProbe: probe(), livenessProbe: probe({ failureThreshold: 1 }) }),
          container("ready-only", { readinessProbe: probe() }),
        ],
      }),
    );
    statuses.set({
      containerStatuses: [running("app", "a1", { started: false }), running("ready-only", "r1")],
    });
    await clock.advanceAsync(0);
    expect(prober.containerHealth("a1")).toEqual({ liveness: "success", startup: "success" });
    expect(prober.containerHealth("r1")).toBeUndefined();
    statuses.set({
      containerStatuses: [running("app", "a1", { started: true }), running("ready-only", "r1")],
    });
    script.answer(() => failure());
    await clock.advanceAsync(10 * SECOND);
    expect(prober.containerHealth("a1")).toEqual({ liveness: "failure", startup: "success" });
  });
});
