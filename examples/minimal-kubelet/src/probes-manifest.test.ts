import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import type { V1ContainerStatus } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMinimalKubelet, type MinimalKubelet } from "./agent.js";
import { fakeAgentOptions, runClockUntil } from "./fake-agent.test-helpers.js";
import {
  createExampleFakeRuntime,
  EXAMPLE_MANIFESTS_DIR,
  type ExampleFakeRuntime,
} from "./fake-runtime-setup.js";
import { podRow } from "./pod-row.js";

// The bundled manifests/probes.yaml on the embedded fake runtime and the fake clock: its annotation scripts
// the container's schedule (started at 3 s, ready at 5 s, not ready 15–20 s, unhealthy from 30 s).

const NODE = "node-1";
const POD = `probes-${NODE}`;

let dir: string;
let clock: FakeClock;
let runtime: ExampleFakeRuntime;
let agent: MinimalKubelet | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "minimal-kubelet-probes-"));
  await mkdir(join(dir, "manifests"));
  await copyFile(join(EXAMPLE_MANIFESTS_DIR, "probes.yaml"), join(dir, "manifests", "probes.yaml"));
  clock = createFakeClock();
  runtime = createExampleFakeRuntime({ clock, pullDelayMs: 2_000 });
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  runtime.close();
  await rm(dir, { recursive: true, force: true });
});

/** One change of the app container as the pod's statuses show it, with the fake clock's time. */
interface Change {
  readonly atMs: number;
  readonly containerId: string;
  readonly ready: boolean;
  readonly restartCount: number;
  /** The kubectl-style READY and STATUS columns, e.g. `0/1 Running`. */
  readonly row: string;
}

interface Recorded {
  readonly changes: Change[];
  /** The prober's Unhealthy events about the app container. */
  readonly probeEvents: { kind: string; containerId: string; message: string; atMs: number }[];
  /** The runtime manager's events about the app container (Created, Started, Killing, …). */
  readonly runtimeEvents: { reason: string; message: string; atMs: number }[];
  app(): V1ContainerStatus | undefined;
}

function startAgent(): Recorded {
  const started = createMinimalKubelet(fakeAgentOptions(NODE, runtime, clock, dir));
  agent = started;
  const changes: Change[] = [];
  const probeEvents: Recorded["probeEvents"] = [];
  const runtimeEvents: Recorded["runtimeEvents"] = [];
  started.on("podStatus", ({ pod, status }) => {
    const app = status.containerStatuses?.[0];
    // From the container's creation on (before it, the row says ContainerCreating).
    if (pod.metadata?.name !== POD || app?.containerID === undefined) return;
    const row = podRow({ ...pod, status }, clock.now());
    const change: Change = {
      atMs: clock.now(),
      containerId: bareId(app.containerID),
      ready: app.ready,
      restartCount: app.restartCount,
      row: `${row.ready} ${row.status}`,
    };
    const last = changes[changes.length - 1];
    const same =
      last?.ready === change.ready &&
      last.restartCount === change.restartCount &&
      last.containerId === change.containerId;
    if (!same) changes.push(change);
  });
  started.on("probeEvent", (e) => {
    if (e.pod.name === POD && e.reason === "Unhealthy") {
      probeEvents.push({ kind: e.kind, containerId: e.containerId, message: e.message, atMs: e.atMs });
    }
  });
  started.on("runtimeEvent", (e) => {
    if (e.pod.name === POD && e.container === "app") {
      runtimeEvents.push({ reason: e.reason, message: e.message, atMs: e.atMs });
    }
  });
  const app = (): V1ContainerStatus | undefined =>
    started.pods().find(({ pod }) => pod.metadata?.name === POD)?.status?.containerStatuses?.[0];
  return { changes, probeEvents, runtimeEvents, app };
}

const runUntil = (condition: () => boolean, limitMs: number): Promise<void> =>
  runClockUntil(clock, condition, limitMs);

/** When the fake runtime started the container, ms on the fake clock (the API's startedAt has whole seconds). */
function startedAtMs(containerId: string): number {
  return Number(runtime.fake.container(containerId).state().startedAtNs / 1_000_000n);
}

/** A status's `<runtime>://<id>` as the prober's events name the container: `<id>`. */
const bareId = (containerId: string | undefined): string => (containerId ?? "").replace(/^[a-z-]+:\/\//, "");

/** How long after `fromMs` something happened. */
const since = (fromMs: number, atMs: number): number => atMs - fromMs;

describe("the bundled probes.yaml on the fake runtime and the fake clock", { timeout: 60_000 }, () => {
  it("turns ready at 5 s, unready at 15 s, ready at 20 s, and is restarted by its liveness probe after 30 s", async () => {
    const recorded = startAgent();
    const { changes, probeEvents, runtimeEvents } = recorded;
    await agent?.start();
    await runUntil(() => recorded.app()?.state?.running !== undefined, 30_000);
    const firstId = bareId(recorded.app()?.containerID);
    const firstStart = startedAtMs(firstId);

    // Restarted once by the liveness probe, then ready again.
    await runUntil(() => recorded.app()?.restartCount === 1 && recorded.app()?.ready === true, 80_000);
    const app = recorded.app();
    expect(bareId(app?.containerID)).not.toBe(firstId);
    const secondStart = startedAtMs(bareId(app?.containerID));

    // READY column: 0/1 → 1/1 → 0/1 → 1/1 → 0/1 (killed and restarted) → 1/1, each `Running`.
    const flips = changes.filter((change, i) => i === 0 || changes[i - 1]?.ready !== change.ready);
    expect(flips.map(({ row }) => row)).toEqual([
      "0/1 Running",
      "1/1 Running",
      "0/1 Running",
      "1/1 Running",
      expect.stringMatching(/^0\/1 /),
      "1/1 Running",
    ]);
    // The unready spell did not restart it: the count goes to 1 only with the liveness kill.
    expect(flips.map(({ restartCount }) => restartCount)).toEqual([0, 0, 0, 0, expect.any(Number), 1]);
    expect(flips.slice(0, 4).map(({ containerId }) => containerId)).toEqual(Array(4).fill(firstId));
    const [, readyAt, unreadyAt, readyAgainAt, , readyAfterRestartAt] = flips.map(({ atMs }) => atMs);
    // Each flip follows the scripted window within a probe period (1 s), a status update and the test's
    // 250 ms steps, with room for a loaded machine.
    expect(since(firstStart, readyAt ?? 0)).toBeGreaterThanOrEqual(5_000);
    expect(since(firstStart, readyAt ?? 0)).toBeLessThanOrEqual(7_500);
    expect(since(firstStart, unreadyAt ?? 0)).toBeGreaterThanOrEqual(15_000);
    expect(since(firstStart, unreadyAt ?? 0)).toBeLessThanOrEqual(17_500);
    expect(since(firstStart, readyAgainAt ?? 0)).toBeGreaterThanOrEqual(20_000);
    expect(since(firstStart, readyAgainAt ?? 0)).toBeLessThanOrEqual(22_500);
    // The new container starts its schedule over.
    expect(since(secondStart, readyAfterRestartAt ?? 0)).toBeGreaterThanOrEqual(5_000);
    expect(since(secondStart, readyAfterRestartAt ?? 0)).toBeLessThanOrEqual(7_500);
    // Liveness: three failures in a row (failureThreshold 3, every 2 s) from 30 s, then the kill.
    const liveness = probeEvents.filter(({ kind }) => kind === "liveness");
    expect(liveness.map(({ containerId, message }) => [containerId, message])).toEqual(
      Array.from({ length: 3 }, () => [
        firstId,
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
      ]),
    );
    expect(since(firstStart, liveness[0]?.atMs ?? 0)).toBeGreaterThanOrEqual(30_000);
    expect(since(firstStart, liveness[2]?.atMs ?? 0)).toBeLessThan(36_500);
    expect((liveness[2]?.atMs ?? 0) - (liveness[0]?.atMs ?? 0)).toBe(4_000);
    const killing = runtimeEvents.filter(({ reason }) => reason === "Killing");
    expect(killing.map(({ message }) => message)).toEqual([
      "Container app failed liveness probe, will be restarted",
    ]);
    expect(killing[0]?.atMs).toBeGreaterThanOrEqual(liveness[2]?.atMs ?? Number.POSITIVE_INFINITY);
    expect(secondStart).toBeGreaterThanOrEqual(killing[0]?.atMs ?? Number.POSITIVE_INFINITY);

    // Startup gates the others: it fails until 3 s, and no readiness probe runs before it succeeds.
    const startOf = (containerId: string): number => (containerId === firstId ? firstStart : secondStart);
    const startup = probeEvents.filter(({ kind }) => kind === "startup");
    expect(startup.length).toBeGreaterThan(0);
    expect(startup[0]?.message).toBe(
      "Startup probe failed: cat: can't open '/tmp/started': No such file or directory",
    );
    expect(startup.every(({ containerId, atMs }) => since(startOf(containerId), atMs) < 3_000)).toBe(true);
    // Readiness fails only while /tmp/ready is missing (3–5 s: started but not ready yet; 15–20 s). Once
    // the killed container has exited, an exec into it errors until the pod's status shows the new one.
    const readiness = probeEvents.filter(({ kind }) => kind === "readiness");
    const restartSeenAt = changes.find(({ containerId }) => containerId !== firstId)?.atMs ?? 0;
    const failed = readiness.filter(({ message }) => message.startsWith("Readiness probe failed: "));
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map(({ message }) => message))).toEqual(
      new Set(["Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory"]),
    );
    const failedAt = failed.map(({ containerId, atMs }) => since(startOf(containerId), atMs));
    expect(failedAt.every((ms) => (ms >= 3_000 && ms < 5_000) || (ms >= 15_000 && ms < 20_000))).toBe(true);
    for (const { message, containerId, atMs } of readiness.filter((e) => !failed.includes(e))) {
      expect(message).toMatch(/^Readiness probe errored and resulted in unknown state: .*CONTAINER_EXITED/);
      expect(containerId).toBe(firstId);
      expect(atMs).toBeGreaterThanOrEqual(killing[0]?.atMs ?? Number.POSITIVE_INFINITY);
      expect(atMs).toBeLessThanOrEqual(restartSeenAt);
    }

    const conditions = agent?.pods().find(({ pod }) => pod.metadata?.name === POD)?.status?.conditions ?? [];
    expect(conditions.find(({ type }) => type === "Ready")?.status).toBe("True");
    expect(conditions.find(({ type }) => type === "ContainersReady")?.status).toBe("True");
  });
});
