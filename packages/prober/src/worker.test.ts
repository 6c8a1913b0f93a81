import { describe, expect, it } from "vitest";
import type { ProbeEvent } from "./events.js";
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
  terminated,
  waiting,
} from "./prober-fixtures.test-helpers.js";

const SECOND = 1_000;

describe("probe worker", () => {
  it("waits for the pod's status and for the container to have an ID", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe() })] }));
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls).toHaveLength(0);

    statuses.set({ containerStatuses: [{ ...running("app", "c1"), containerID: "" }] });
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls).toHaveLength(0);

    statuses.set({ containerStatuses: [running("app", "c1")] });
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls).toHaveLength(1);
    expect(script.calls[0]).toMatchObject({ containerId: "c1", podIp: "10.0.0.7", timeoutMs: 1_000 });
  });

  it("stores each probe type's initial value for a new container: not ready, alive, start unknown", async () => {
    const { clock, statuses, script, prober, results } = setup();
    const delayed = probe({ initialDelaySeconds: 600 });
    prober.addPod(
      pod({
        containers: [
          container("app", { startupProbe: delayed, readinessProbe: delayed, livenessProbe: delayed }),
        ],
      }),
    );
    statuses.set({ containerStatuses: [running("app", "c1", { startedAtMs: T0, started: false })] });
    await clock.advanceAsync(0);
    expect(results).toEqual([
      { kind: "startup", containerId: "c1", result: "unknown" },
      { kind: "readiness", containerId: "c1", result: "failure" },
      { kind: "liveness", containerId: "c1", result: "success" },
    ]);
    expect(script.calls).toHaveLength(0);
  });

  it("runs only the startup probe until the container counts as started, then only the others", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(
      pod({
        containers: [
          container("app", {
            startupProbe: probe({ failureThreshold: 30 }),
            readinessProbe: probe(),
            livenessProbe: probe(),
          }),
        ],
      }),
    );
    script.answer(() => failure("not yet"));
    statuses.set({ containerStatuses: [running("app", "c1", { started: false })] });
    await clock.advanceAsync(20 * SECOND);
    expect(script.calls.map((c) => c.kind)).toEqual(["startup", "startup", "startup"]);

    script.calls.length = 0;
    script.answer(success);
    statuses.set({ containerStatuses: [running("app", "c1", { started: true })] });
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls.map((c) => c.kind).sort()).toEqual(["liveness", "readiness"]);
    expect(prober.hasWorker(POD_UID, "app", "startup")).toBe(true); // idle, kept for a restarted container
  });

  it("publishes a failure after failureThreshold failures in a row and a success after successThreshold", async () => {
    const { clock, statuses, script, prober, results } = setup();
    prober.addPod(
      pod({
        containers: [
          container("app", {
            readinessProbe: probe({ periodSeconds: 1, successThreshold: 2, failureThreshold: 3 }),
          }),
        ],
      }),
    );
    statuses.set({ containerStatuses: [running("app", "c1")] });
    const readiness = () => results.filter((r) => r.kind === "readiness").map((r) => r.result);

    await clock.advanceAsync(0); // success 1 of 2
    expect(readiness()).toEqual(["failure"]);
    await clock.advanceAsync(SECOND); // success 2 of 2
    expect(readiness()).toEqual(["failure", "success"]);

    script.answer(() => failure());
    await clock.advanceAsync(2 * SECOND); // failures 1 and 2 of 3
    expect(prober.result("readiness", "c1")).toBe("success");
    script.answer(success);
    await clock.advanceAsync(SECOND); // a success breaks the run
    script.answer(() => failure());
    await clock.advanceAsync(2 * SECOND);
    expect(prober.result("readiness", "c1")).toBe("success");
    await clock.advanceAsync(SECOND);
    expect(readiness()).toEqual(["failure", "success", "failure"]);
  });

  it("discards a probe that errored: no result, no count, but an Unhealthy event", async () => {
    const { clock, statuses, script, prober, results, events, metrics } = setup();
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe({ failureThreshold: 2 }) })] }));
    statuses.set({ containerStatuses: [running("app", "c1")] });
    script.answer(() => failure("exit 1"));
    await clock.advanceAsync(0);
    script.answer(() => {
      throw new Error("container not found");
    });
    await clock.advanceAsync(10 * SECOND);
    expect(prober.result("liveness", "c1")).toBe("success");
    script.answer(() => failure("exit 1"));
    await clock.advanceAsync(10 * SECOND);
    expect(prober.result("liveness", "c1")).toBe("failure");
    expect(results.filter((r) => r.kind === "liveness").map((r) => r.result)).toEqual(["success", "failure"]);
    expect(events).toEqual([
      { reason: "Unhealthy", message: "Liveness probe failed: exit 1" },
      {
        reason: "Unhealthy",
        message: "Liveness probe errored and resulted in unknown state: container not found",
      },
      { reason: "Unhealthy", message: "Liveness probe failed: exit 1" },
    ]);
    const labels = {
      probe_type: "Liveness",
      container: "app",
      pod: "web",
      namespace: "default",
      pod_uid: POD_UID,
    } as const;
    expect(metrics.probeTotal({ ...labels, result: "failed" })).toBe(2);
  });

  it("holds after publishing a liveness failure until a new container instance shows up", async () => {
    const { clock, statuses, script, prober, results } = setup();
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe({ failureThreshold: 1 }) })] }));
    statuses.set({ containerStatuses: [running("app", "c1")] });
    script.answer(() => failure());
    await clock.advanceAsync(0);
    expect(prober.result("liveness", "c1")).toBe("failure");
    await clock.advanceAsync(60 * SECOND);
    expect(script.calls).toHaveLength(1);

    script.answer(success);
    statuses.set({ containerStatuses: [running("app", "c2")] });
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls).toHaveLength(2);
    expect(script.calls[1]?.containerId).toBe("c2");
    expect(prober.result("liveness", "c1")).toBeUndefined();
    expect(results.at(-1)).toEqual({ kind: "liveness", containerId: "c2", result: "success" });
  });

  it("stops probing startup once its result is published, until the container restarts", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(pod({ containers: [container("app", { startupProbe: probe() })] }));
    statuses.set({ containerStatuses: [running("app", "c1", { started: false })] });
    await clock.advanceAsync(0);
    expect(prober.result("startup", "c1")).toBe("success");
    await clock.advanceAsync(60 * SECOND); // the status still says not started
    expect(script.calls).toHaveLength(1);
    statuses.set({ containerStatuses: [running("app", "c2", { started: false })] });
    await clock.advanceAsync(10 * SECOND);
    expect(script.callsFor("app", "startup").map((c) => c.containerId)).toEqual(["c1", "c2"]);
  });

  it("records a failure for a container that is not running and keeps watching one that may restart", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(
      pod({ containers: [container("app", { readinessProbe: probe() })], restartPolicy: "OnFailure" }),
    );
    statuses.set({ containerStatuses: [running("app", "c1")] });
    await clock.advanceAsync(0);
    expect(prober.result("readiness", "c1")).toBe("success");
    statuses.set({ containerStatuses: [waiting("app", "c1")] });
    await clock.advanceAsync(10 * SECOND);
    expect(prober.result("readiness", "c1")).toBe("failure");
    statuses.set({ containerStatuses: [terminated("app", "c1", 1)] });
    await clock.advanceAsync(10 * SECOND);
    expect(prober.hasWorker(POD_UID, "app", "readiness")).toBe(true);
    expect(script.calls).toHaveLength(1);
  });

  it.each([
    ["Never", 1],
    ["Never", 0],
    ["OnFailure", 0],
  ])(
    "exits once a terminated container will not run again (pod policy %s, exit %i)",
    async (policy, code) => {
      const { clock, statuses, prober, results } = setup();
      prober.addPod(
        pod({ containers: [container("app", { livenessProbe: probe() })], restartPolicy: policy }),
      );
      statuses.set({ containerStatuses: [terminated("app", "c1", code)] });
      await clock.advanceAsync(0);
      expect(results.map((r) => r.result)).toEqual(["success", "failure"]);
      expect(prober.hasWorker(POD_UID, "app", "liveness")).toBe(false);
      expect(prober.result("liveness", "c1")).toBeUndefined();
      expect(clock.pendingTimers()).toBe(0);
    },
  );

  it("follows the container's own restart policy and restart rules over the pod's", async () => {
    const { clock, statuses, prober } = setup();
    prober.addPod(
      pod({
        containers: [
          container("app", {
            livenessProbe: probe(),
            restartPolicy: "Never",
            restartPolicyRules: [{ action: "Restart", exitCodes: { operator: "In", values: [42] } }],
          }),
          container("job", { livenessProbe: probe(), restartPolicy: "Never" }),
        ],
        restartPolicy: "Always",
      }),
    );
    statuses.set({ containerStatuses: [terminated("app", "c1", 42), terminated("job", "c2", 42)] });
    await clock.advanceAsync(0);
    expect(prober.hasWorker(POD_UID, "app", "liveness")).toBe(true);
    expect(prober.hasWorker(POD_UID, "job", "liveness")).toBe(false);
  });

  it("keeps probing an exited sidecar even when the pod's restart policy is Never", async () => {
    const { clock, statuses, prober } = setup();
    prober.addPod(
      pod({
        containers: [container("app")],
        initContainers: [container("proxy", { restartPolicy: "Always", readinessProbe: probe() })],
        restartPolicy: "Never",
      }),
    );
    statuses.set({ initContainerStatuses: [terminated("proxy", "s1", 1)] });
    await clock.advanceAsync(0);
    expect(prober.result("readiness", "s1")).toBe("failure");
    expect(prober.hasWorker(POD_UID, "proxy", "readiness")).toBe(true);
  });

  it("exits when the pod reached a terminal phase", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(pod({ containers: [container("app", { readinessProbe: probe() })] }));
    statuses.set({ containerStatuses: [running("app", "c1")] });
    await clock.advanceAsync(0);
    statuses.set({ phase: "Succeeded", containerStatuses: [running("app", "c1")] });
    await clock.advanceAsync(10 * SECOND);
    expect(prober.workerCount).toBe(0);
    expect(prober.result("readiness", "c1")).toBeUndefined();
    expect(script.calls).toHaveLength(1);
  });

  it("on deletion, records a last liveness and startup success and exits; readiness keeps probing", async () => {
    const { clock, statuses, script, prober, results } = setup();
    const deleted = pod(
      {
        containers: [
          container("app", { livenessProbe: probe(), readinessProbe: probe(), startupProbe: probe() }),
        ],
      },
      { deletionTimestamp: new Date(T0) },
    );
    prober.addPod(deleted);
    statuses.set({ containerStatuses: [running("app", "c1", { started: false })] });
    script.answer(() => failure());
    await clock.advanceAsync(0);
    expect(results).toContainEqual({ kind: "liveness", containerId: "c1", result: "success" });
    expect(results).toContainEqual({ kind: "startup", containerId: "c1", result: "success" });
    expect(prober.hasWorker(POD_UID, "app", "liveness")).toBe(false);
    expect(prober.hasWorker(POD_UID, "app", "startup")).toBe(false);
    statuses.set({ containerStatuses: [running("app", "c1", { started: true })] });
    await clock.advanceAsync(30 * SECOND);
    expect(script.calls.map((c) => c.kind)).toEqual(["readiness", "readiness", "readiness"]);
  });

  it("drops a probe in flight when its worker stops, aborting the handler", async () => {
    const { clock, statuses, script, prober, results, events } = setup();
    const p = pod({ containers: [container("app", { livenessProbe: probe({ failureThreshold: 1 }) })] });
    prober.addPod(p);
    statuses.set({ containerStatuses: [running("app", "c1")] });
    let finish: () => void = () => {};
    // A handler that does not listen to its signal and answers late.
    script.answer(() => new Promise((resolve) => (finish = () => resolve(failure()))));
    await clock.advanceAsync(0);
    prober.removePod(p);
    expect(script.calls[0]?.signal.aborted).toBe(true);
    expect(prober.workerCount).toBe(1); // still finishing its probe
    const stopped = prober.stop();
    finish();
    await stopped;
    expect(prober.workerCount).toBe(0);
    expect(results.map((r) => r.result)).toEqual(["success"]);
    expect(events).toEqual([]);
    expect(prober.result("liveness", "c1")).toBeUndefined();
  });

  it("emits Unhealthy events about the container and the probe's grace period with a liveness failure", async () => {
    const { clock, statuses, script, prober } = setup();
    const failed: unknown[] = [];
    prober.on("result", (e) => {
      if (e.result === "failure") failed.push(e);
    });
    const seen: ProbeEvent[] = [];
    prober.on("event", (e) => seen.push(e));
    prober.addPod(
      pod({
        containers: [
          container("app", {
            livenessProbe: probe({ failureThreshold: 1, terminationGracePeriodSeconds: 7 }),
          }),
        ],
      }),
    );
    statuses.set({ containerStatuses: [running("app", "c1")] });
    script.answer(() => failure("HTTP probe failed with statuscode: 503"));
    await clock.advanceAsync(0);
    expect(seen).toEqual([
      {
        type: "Warning",
        reason: "Unhealthy",
        message: "Liveness probe failed: HTTP probe failed with statuscode: 503",
        kind: "liveness",
        pod: { uid: POD_UID, name: "web", namespace: "default" },
        container: "app",
        containerId: "c1",
        atMs: T0,
      },
    ]);
    expect(failed).toEqual([
      {
        kind: "liveness",
        podUid: POD_UID,
        containerName: "app",
        containerId: "c1",
        result: "failure",
        terminationGracePeriodSeconds: 7,
      },
    ]);
  });

  it("counts probes by result, times successful ones, and forgets its series when it exits", async () => {
    const { clock, statuses, script, prober, metrics } = setup();
    const p = pod({ containers: [container("app", { readinessProbe: probe() })] });
    prober.addPod(p);
    statuses.set({ containerStatuses: [running("app", "c1")] });
    script.answer(async () => {
      await clock.sleep(250);
      return success();
    });
    await clock.advanceAsync(10 * SECOND);
    script.answer(() => failure());
    await clock.advanceAsync(10 * SECOND);

    const series = { probe_type: "Readiness", container: "app", pod: "web", namespace: "default" } as const;
    expect(metrics.probeTotal({ ...series, pod_uid: POD_UID, result: "successful" })).toBe(2);
    expect(metrics.probeTotal({ ...series, pod_uid: POD_UID, result: "failed" })).toBe(1);
    expect(metrics.duration(series)).toMatchObject({ count: 2, sum: 0.5 });
    expect(metrics.render()).toContain(
      'prober_probe_total{probe_type="Readiness",result="successful",container="app",pod="web",namespace="default",pod_uid="uid-1"} 2',
    );

    prober.removePod(p);
    expect(metrics.totals()).toEqual([]);
    expect(metrics.duration(series)).toBeUndefined();
  });
});
