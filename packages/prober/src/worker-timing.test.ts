import { describe, expect, it } from "vitest";
import { container, pod, probe, running, setup, success, T0 } from "./prober-fixtures.test-helpers.js";

const SECOND = 1_000;

describe("probe worker timing", () => {
  it("waits initialDelaySeconds after the container started, in whole seconds", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(
      pod({
        containers: [
          container("app", { livenessProbe: probe({ initialDelaySeconds: 5, periodSeconds: 1 }) }),
        ],
      }),
    );
    statuses.set({ containerStatuses: [running("app", "c1", { startedAtMs: T0 - 200 })] });
    await clock.advanceAsync(4 * SECOND);
    expect(script.calls).toHaveLength(0); // 4.2 s elapsed count as 4
    await clock.advanceAsync(SECOND);
    expect(script.calls).toHaveLength(1);
  });

  it("jitters the first probe within the period when the agent started less than one period ago", async () => {
    const { clock, statuses, script, prober } = setup({
      agentStartedAtMs: T0 - 2 * SECOND,
      random: () => 0.25,
    });
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe() })] }));
    statuses.set({ containerStatuses: [running("app", "c1")] });
    await clock.advanceAsync(2_499);
    expect(script.calls).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(script.calls).toHaveLength(1);
    await clock.advanceAsync(10 * SECOND);
    expect(script.calls).toHaveLength(2); // every period from its own first probe
  });

  it("probes at once when the agent has run for a period already", async () => {
    const { clock, statuses, script, prober } = setup({
      agentStartedAtMs: T0 - 10 * SECOND,
      random: () => 0.99,
    });
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe() })] }));
    statuses.set({ containerStatuses: [running("app", "c1")] });
    await clock.advanceAsync(0);
    expect(script.calls).toHaveLength(1);
  });

  it("probes every period from each worker's own start while sharing one timer", async () => {
    const { clock, statuses, script, prober } = setup();
    statuses.set({ containerStatuses: [running("app", "a1")] }, "pod-a");
    statuses.set({ containerStatuses: [running("app", "b1")] }, "pod-b");
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe() })] }, { uid: "pod-a" }));
    await clock.advanceAsync(3 * SECOND);
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe() })] }, { uid: "pod-b" }));
    expect(clock.pendingTimers()).toBe(1);
    const at: string[] = [];
    script.answer((request) => {
      at.push(`${request.containerId}@${clock.now() - T0}`);
      return success();
    });
    await clock.advanceAsync(20 * SECOND);
    expect(at).toEqual(["b1@3000", "a1@10000", "b1@13000", "a1@20000", "b1@23000"]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it("runs a tick that came during a slow probe right after it, once, then stays on its grid", async () => {
    const { clock, statuses, script, prober } = setup();
    prober.addPod(pod({ containers: [container("app", { livenessProbe: probe() })] }));
    statuses.set({ containerStatuses: [running("app", "c1")] });
    let release: () => void = () => {};
    script.answer(() => new Promise((resolve) => (release = () => resolve(success()))));
    await clock.advanceAsync(35 * SECOND); // ticks at 10, 20 and 30 s find the first probe running
    expect(script.calls).toHaveLength(1);
    script.answer(success);
    release();
    await clock.advanceAsync(0);
    expect(script.calls).toHaveLength(2);
    await clock.advanceAsync(4 * SECOND);
    expect(script.calls).toHaveLength(2);
    await clock.advanceAsync(SECOND); // 40 s
    expect(script.calls).toHaveLength(3);
  });
});
