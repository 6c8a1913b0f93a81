import { existsSync } from "node:fs";
import { join } from "node:path";
import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, makePod, POD_UID } from "./fixtures.test-util.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const policy = { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 };

/** Crashes the container `times` times, letting CrashLoopBackOff pass between restarts. */
async function crashRepeatedly(pod = makePod(), times = 4): Promise<void> {
  for (let i = 0; i < times; i++) {
    h.clock.advance(301_000);
    await h.sync(pod);
  }
}

describe("container garbage collection", () => {
  it("keeps at most one dead instance per pod and container, the newest", async () => {
    h = await createHarness({ behaviours: [{ name: "app", behaviour: { kind: "exit", code: 1 } }] });
    await crashRepeatedly();
    const before = h.fake.containers().filter((c) => c.name === "app");
    expect(before).toHaveLength(4);
    await h.manager.garbageCollect(policy);
    const after = h.fake.containers();
    expect(after).toHaveLength(1);
    expect(after[0]?.attempt).toBe(3);
  });

  it("keeps dead containers younger than minAgeMs", async () => {
    h = await createHarness({ behaviours: [{ name: "app", behaviour: { kind: "exit", code: 1 } }] });
    await crashRepeatedly(makePod(), 3);
    // Instances were created 602 s, 301 s and 0 s ago: only the two older ones are old enough to count,
    // and of those the newest is kept.
    await h.manager.garbageCollect({ ...policy, minAgeMs: 200_000 });
    expect(
      h.fake
        .containers()
        .map((c) => c.attempt)
        .sort(),
    ).toEqual([1, 2]);
  });

  it("removes everything of a pod whose content should go, including its log directory", async () => {
    h = await createHarness({ behaviours: [{ name: "app", behaviour: { kind: "exit", code: 1 } }] });
    const pod = makePod();
    await crashRepeatedly(pod, 2);
    await h.manager.killPod(pod, await h.status(pod));
    const logDir = join(h.podLogsDir, `default_web_${POD_UID}`);
    expect(existsSync(logDir)).toBe(true);
    await h.manager.garbageCollect(policy, {
      allSourcesReady: true,
      podState: {
        shouldPodContentBeRemoved: (uid) => uid === POD_UID,
        shouldPodRuntimeBeRemoved: () => true,
      },
    });
    expect(h.fake.containers()).toEqual([]);
    expect(h.fake.sandboxes()).toEqual([]);
    expect(existsSync(logDir)).toBe(false);
  });

  it("removes dead sandboxes of a live pod except the newest, and never ready ones", async () => {
    h = await createHarness();
    const pod = makePod();
    await h.sync(pod);
    for (let i = 0; i < 2; i++) {
      const status = await h.status(pod);
      await h.manager.killPod(pod, status);
      h.clock.advance(11_000); // past the 10 s crash-loop back-off of the killed container
      await h.sync(pod);
    }
    // Three sandboxes: two stopped, one ready; remove the stopped ones' containers first.
    await h.manager.garbageCollect({ minAgeMs: 0, maxPerPodContainer: 0, maxContainers: -1 });
    const sandboxes = h.fake.sandboxes();
    expect(sandboxes).toHaveLength(1);
    expect(sandboxes[0]?.state).toBe(PodSandboxState.SANDBOX_READY);
    expect(h.fake.containers().map((c) => c.state)).toEqual([ContainerState.CONTAINER_RUNNING]);
  });

  it("enforces maxContainers across pods, oldest first", async () => {
    h = await createHarness({ behaviours: [{ name: "app", behaviour: { kind: "exit", code: 1 } }] });
    await crashRepeatedly(makePod(), 4);
    await h.manager.garbageCollect({ minAgeMs: 0, maxPerPodContainer: -1, maxContainers: 2 });
    expect(
      h.fake
        .containers()
        .map((c) => c.attempt)
        .sort(),
    ).toEqual([2, 3]);
  });
});
