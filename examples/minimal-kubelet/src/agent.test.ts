import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import { createProgrammaticSource } from "@kubelet-kit/pod-manager";
import type { V1Container, V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createMinimalKubelet,
  type MinimalKubelet,
  type MinimalKubeletOptions,
  type PodSeenEvent,
  type SourceErrorEvent,
} from "./agent.js";
import { fakeAgentOptions, runClockFor, runClockUntil } from "./fake-agent.test-helpers.js";
import {
  createExampleFakeRuntime,
  EXAMPLE_IMAGE,
  EXAMPLE_MANIFESTS_DIR,
  type ExampleFakeRuntime,
} from "./fake-runtime-setup.js";
import { podRow } from "./pod-row.js";

const NODE = "node-1";

let dir: string;
let clock: FakeClock;
let runtime: ExampleFakeRuntime;
const agents: MinimalKubelet[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "minimal-kubelet-agent-"));
  await mkdir(join(dir, "manifests"));
  clock = createFakeClock();
  runtime = createExampleFakeRuntime({ clock, pullDelayMs: 2_000 });
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop();
  runtime.close();
  await rm(dir, { recursive: true, force: true });
});

async function manifests(...names: string[]): Promise<void> {
  for (const name of names) await copyFile(join(EXAMPLE_MANIFESTS_DIR, name), join(dir, "manifests", name));
}

function startAgent(options: Partial<MinimalKubeletOptions> = {}): {
  agent: MinimalKubelet;
  rows: Map<string, string[]>;
  errors: SourceErrorEvent[];
} {
  const agent = createMinimalKubelet({ ...fakeAgentOptions(NODE, runtime, clock, dir), ...options });
  agents.push(agent);
  const rows = new Map<string, string[]>();
  const errors: SourceErrorEvent[] = [];
  agent.on("podStatus", ({ pod, status }) => {
    const row = podRow({ ...pod, status }, clock.now());
    const seen = rows.get(row.name) ?? [];
    if (seen[seen.length - 1] !== row.status) seen.push(row.status);
    rows.set(row.name, seen);
  });
  agent.on("sourceError", (event) => errors.push(event));
  return { agent, rows, errors };
}

/** Advances the fake clock in small steps, letting real I/O (manifest reads, log files) finish in between. */
const runFor = (ms: number, stepMs?: number): Promise<void> => runClockFor(clock, ms, stepMs);
const runUntil = (condition: () => boolean, limitMs: number): Promise<void> =>
  runClockUntil(clock, condition, limitMs);

function statusOf(agent: MinimalKubelet, name: string): V1PodStatus | undefined {
  return agent.pods().find(({ pod }) => pod.metadata?.name === `${name}-${NODE}`)?.status;
}

function containerIds(agent: MinimalKubelet, name: string): string[] {
  const status = statusOf(agent, name);
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])].map(
    (c) => c.containerID ?? "",
  );
}

// Real I/O (manifests, log files) between fake-clock steps: allow for a loaded machine.
describe("createMinimalKubelet on the fake runtime and the fake clock", { timeout: 30_000 }, () => {
  it("pulls the image and brings a web pod to Running", async () => {
    await manifests("web.yaml");
    const { agent, rows } = startAgent();
    await agent.start();
    await runUntil(() => statusOf(agent, "web")?.phase === "Running", 30_000);

    const status = statusOf(agent, "web") as V1PodStatus;
    expect(status.containerStatuses?.[0]).toMatchObject({ name: "web", ready: true, restartCount: 0 });
    expect(status.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(rows.get(`web-${NODE}`)).toEqual(["ContainerCreating", "Running"]);
    expect(runtime.fake.callsTo("PullImage").length).toBeGreaterThan(0);
  });

  it("runs a job to Succeeded and shows it as Completed", async () => {
    await manifests("job.yaml");
    const { agent, rows } = startAgent();
    await agent.start();
    await runUntil(() => statusOf(agent, "job")?.phase === "Succeeded", 60_000);

    expect(rows.get(`job-${NODE}`)?.slice(-2)).toEqual(["Running", "Completed"]);
    expect(statusOf(agent, "job")?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
  });

  it("restarts a crashing container at once, then after back-offs of 10 s and 20 s (CrashLoopBackOff)", async () => {
    await manifests("crashloop.yaml");
    const { agent, rows } = startAgent();
    await agent.start();
    const restarts = (): number => statusOf(agent, "crashloop")?.containerStatuses?.[0]?.restartCount ?? 0;
    const backOffMessages: string[] = [];
    agent.on("podStatus", ({ status }) => {
      const waiting = status.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason === "CrashLoopBackOff") backOffMessages.push(waiting.message ?? "");
    });
    // When each instance started, on the fake clock, read from the runtime: the status only shows a restart
    // once the agent has reported it, which real I/O (log directories) can delay by a step or more.
    const startedAtMs: number[] = [];
    for (const count of [1, 2, 3]) {
      await runUntil(() => restarts() === count, 60_000);
      const instance = runtime.fake.containers().find((c) => c.name === "app" && c.attempt === count);
      startedAtMs.push(Number((instance?.startedAtNs ?? 0n) / 1_000_000n));
    }
    const [first = 0, second = 0, third = 0] = startedAtMs;
    // Each instance runs 1 s; the kubelet's first restart is immediate, then the back-off doubles from 10 s.
    // The lower bounds are exact: a restart never comes before its back-off is over. The fake clock moves in
    // 250 ms steps that do not wait for real I/O, so a restart may come a few steps late; the upper bounds
    // only rule out the next doubling (a 20 s back-off instead of 10 s, 40 s instead of 20 s).
    expect(first).toBeGreaterThan(0);
    expect(second - first).toBeGreaterThanOrEqual(11_000);
    expect(second - first).toBeLessThan(21_000);
    expect(third - second).toBeGreaterThanOrEqual(21_000);
    expect(third - second).toBeLessThan(41_000);
    expect(rows.get(`crashloop-${NODE}`)).toEqual(
      expect.arrayContaining(["Running", "Error", "CrashLoopBackOff"]),
    );
    expect(backOffMessages[0]).toMatch(
      /^back-off 10s restarting failed container=app pod=crashloop-node-1_default\(/,
    );
    expect(backOffMessages).toContainEqual(
      expect.stringMatching(/^back-off 20s restarting failed container=app /),
    );
  });

  it("runs the init container, then the sidecar and the main container, and completes the pod", async () => {
    await manifests("init-sidecar.yaml");
    const { agent, rows } = startAgent();
    await agent.start();
    await runUntil(() => statusOf(agent, "init-sidecar")?.phase === "Succeeded", 120_000);

    const seen = rows.get(`init-sidecar-${NODE}`) ?? [];
    expect(seen[0]).toBe("Init:0/2");
    expect(seen).toContain("Running");
    expect(seen[seen.length - 1]).toBe("Completed");
    const status = statusOf(agent, "init-sidecar") as V1PodStatus;
    expect(status.initContainerStatuses?.find((c) => c.name === "setup")?.state?.terminated?.exitCode).toBe(
      0,
    );
  });

  it("reports a broken manifest with its file name and still runs the others", async () => {
    await manifests("web.yaml");
    const broken = join(dir, "manifests", "broken.yaml");
    await writeFile(
      broken,
      "apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: [{name: a}]}\n",
    );
    const { agent, errors } = startAgent();
    await agent.start();
    await runUntil(() => statusOf(agent, "web")?.phase === "Running", 30_000);

    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.file).toBe(broken);
    expect(errors[0]?.message).toContain(broken);
  });

  it("rejects pods beyond maxPods with OutOfpods", async () => {
    await manifests("web.yaml", "job.yaml");
    const { agent, rows } = startAgent({ maxPods: 1 });
    await agent.start();
    await runFor(5_000);

    const rejected = agent.pods().filter(({ status }) => status?.reason === "OutOfpods");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.status).toMatchObject({
      phase: "Failed",
      message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1",
    });
    expect(rows.get(rejected[0]?.pod.metadata?.name ?? "")).toEqual(["OutOfpods"]);
  });

  it("leaves pods running when stopped, and the next agent adopts them without restarting", async () => {
    await manifests("web.yaml");
    const first = startAgent();
    await first.agent.start();
    await runUntil(() => statusOf(first.agent, "web")?.phase === "Running", 30_000);
    const ids = containerIds(first.agent, "web");
    await first.agent.stop();
    expect(runtime.fake.callsTo("StopContainer")).toHaveLength(0);

    const created = runtime.fake.callsTo("CreateContainer").length;
    const second = startAgent();
    await second.agent.start();
    await runUntil(() => statusOf(second.agent, "web")?.phase === "Running", 30_000);
    await runFor(70_000, 1_000);

    expect(containerIds(second.agent, "web")).toEqual(ids);
    expect(statusOf(second.agent, "web")?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(runtime.fake.callsTo("CreateContainer")).toHaveLength(created);
    expect(runtime.fake.callsTo("StopContainer")).toHaveLength(0);
  });

  it("kills a pod whose manifest was removed", async () => {
    await manifests("web.yaml");
    const { agent } = startAgent();
    await agent.start();
    await runUntil(() => statusOf(agent, "web")?.phase === "Running", 30_000);
    await rm(join(dir, "manifests", "web.yaml"));
    // The file source re-reads the directory every fileCheckFrequency (20 s).
    await runUntil(() => agent.pods().length === 0, 60_000);
    expect(runtime.fake.callsTo("StopContainer").length).toBeGreaterThan(0);
    expect(runtime.fake.callsTo("StopPodSandbox").length).toBeGreaterThan(0);
  });

  it("announces each pod once, when a source first delivers it, with the source and the clock's time (podSeen)", async () => {
    await manifests("web.yaml");
    const custom = createProgrammaticSource({ name: "custom", clock });
    const other = createProgrammaticSource({ name: "other", clock });
    const { agent } = startAgent({ sources: [custom, other] });
    const events: string[] = [];
    const seen: PodSeenEvent[] = [];
    agent.on("podSeen", (event) => {
      seen.push(event);
      events.push(`seen ${event.pod.metadata?.name}`);
    });
    agent.on("podStatus", ({ pod }) => events.push(`status ${pod.metadata?.name}`));
    const startedAt = clock.now();
    await agent.start();
    // Two more re-reads of the directory (every 20 s) deliver the same pod again: not seen again.
    await runFor(45_000, 1_000);

    expect(seen.map(({ source, seenAtMs }) => [source, seenAtMs])).toEqual([["file", startedAt]]);
    const web = seen[0] as PodSeenEvent;
    expect(web.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(web.pod.metadata?.uid).toBe(web.uid);
    expect(web.pod.metadata?.annotations).toMatchObject({
      "kubernetes.io/config.source": "file",
      "kubernetes.io/config.seen": expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(events[0]).toBe(`seen web-${NODE}`);
    expect(events).toContain(`status web-${NODE}`);

    const extra: V1Pod = {
      metadata: { name: "extra", namespace: "default", uid: "extra-uid-1" },
      spec: { containers: [{ name: "app", image: EXAMPLE_IMAGE }] },
    };
    custom.add(extra);
    const addedAt = clock.now();
    await runFor(2_000);
    // The same pod from a second source, and an edit: the agent has it already.
    other.add(extra);
    await runFor(1_000);
    custom.update({ ...extra, metadata: { ...extra.metadata, labels: { edited: "yes" } } });
    await runFor(2_000);
    expect(seen.slice(1).map(({ uid, source, seenAtMs }) => [uid, source, seenAtMs])).toEqual([
      ["extra-uid-1", "custom", addedAt],
    ]);

    // Removed and delivered again: a new arrival, as a new config.seen marks it.
    custom.remove("extra-uid-1");
    other.remove("extra-uid-1");
    await runUntil(() => !agent.pods().some(({ pod }) => pod.metadata?.uid === "extra-uid-1"), 60_000);
    custom.add(extra);
    const readdedAt = clock.now();
    await runFor(1_000);
    expect(seen.slice(1).map(({ uid, seenAtMs }) => [uid, seenAtMs])).toEqual([
      ["extra-uid-1", addedAt],
      ["extra-uid-1", readdedAt],
    ]);
  });

  /** Runs web, removes its manifest, and times the container GC that removes its sandbox. */
  async function timeGarbageCollection(options: Partial<MinimalKubeletOptions>): Promise<{
    startedAt: number;
    forgottenAt: number;
    removedAt: number;
  }> {
    await manifests("web.yaml");
    const { agent } = startAgent(options);
    const startedAt = clock.now();
    await agent.start();
    await runUntil(() => statusOf(agent, "web")?.phase === "Running", 30_000);
    await rm(join(dir, "manifests", "web.yaml"));
    await runUntil(() => agent.pods().length === 0, 60_000);
    const forgottenAt = clock.now();
    await runUntil(() => runtime.fake.callsTo("RemovePodSandbox").length > 0, 120_000);
    expect(runtime.fake.callsTo("RemoveContainer")).toHaveLength(1);
    return { startedAt, forgottenAt, removedAt: runtime.fake.callsTo("RemovePodSandbox")[0]?.atMs ?? NaN };
  }

  it("collects a removed pod's container and sandbox every containerGcPeriodMs", async () => {
    const { forgottenAt, removedAt } = await timeGarbageCollection({ containerGcPeriodMs: 5_000 });
    expect(removedAt).toBeGreaterThan(forgottenAt - 250);
    // Within a period of the pod being forgotten, give or take one more: the next run is armed when the
    // previous one ends, and runUntil keeps the fake clock moving while a run waits on the real filesystem.
    // (With the default period it would take up to 60 s.)
    expect(removedAt).toBeLessThanOrEqual(forgottenAt + 2 * 5_000);
  });

  it("collects garbage once a minute by default (the kubelet's ContainerGCPeriod)", async () => {
    const { startedAt, forgottenAt, removedAt } = await timeGarbageCollection({});
    expect(forgottenAt - startedAt).toBeLessThan(50_000);
    expect(removedAt - startedAt).toBeGreaterThanOrEqual(60_000);
    expect(removedAt - startedAt).toBeLessThan(61_000);
  });

  it("rejects a containerGcPeriodMs that is not positive", () => {
    expect(() => startAgent({ containerGcPeriodMs: 0 })).toThrow(/containerGcPeriodMs must be > 0/);
  });
});

describe("createMinimalKubelet: probes, on the fake runtime and the fake clock", { timeout: 30_000 }, () => {
  /** Swaps the shared fake runtime for one whose exec answers `command` with exit 1 while `failing()`. */
  function runtimeWithCheck(command: string, failing: () => boolean): void {
    runtime.close();
    runtime = createExampleFakeRuntime({
      clock,
      pullDelayMs: 2_000,
      behaviours: [
        {
          name: "app",
          behaviour: {
            exec: [{ match: (cmd) => failing() && cmd[0] === command, exitCode: 1, stdout: "check failed" }],
          },
        },
      ],
    });
  }

  function probedPod(probes: Pick<V1Container, "livenessProbe" | "readinessProbe">): V1Pod {
    return {
      metadata: { name: "probed", namespace: "default", uid: "probed-uid-1" },
      spec: {
        containers: [{ name: "app", image: EXAMPLE_IMAGE, ...probes }],
        terminationGracePeriodSeconds: 5,
      },
    };
  }

  function appStatus(agent: MinimalKubelet): V1ContainerStatus | undefined {
    return agent.pods().find(({ pod }) => pod.metadata?.name === "probed")?.status?.containerStatuses?.[0];
  }

  function readyCondition(agent: MinimalKubelet): string | undefined {
    const status = agent.pods().find(({ pod }) => pod.metadata?.name === "probed")?.status;
    return status?.conditions?.find((c) => c.type === "Ready")?.status;
  }

  it("restarts a container whose exec liveness probe fails, saying why in its events", async () => {
    let failing = false;
    runtimeWithCheck("/bin/alive", () => failing);
    const source = createProgrammaticSource({ name: "custom", clock });
    const { agent } = startAgent({ sources: [source] });
    const runtimeEvents: string[] = [];
    const probeEvents: string[] = [];
    agent.on("runtimeEvent", (e) => runtimeEvents.push(`${e.reason} ${e.message}`));
    agent.on("probeEvent", (e) => probeEvents.push(`${e.type} ${e.reason} ${e.container} ${e.message}`));
    await agent.start();
    source.add(
      probedPod({
        livenessProbe: { exec: { command: ["/bin/alive"] }, periodSeconds: 1, failureThreshold: 3 },
      }),
    );
    await runUntil(() => appStatus(agent)?.state?.running !== undefined, 30_000);
    const firstId = appStatus(agent)?.containerID;
    await runFor(5_000);
    expect(appStatus(agent)?.restartCount).toBe(0);
    expect(probeEvents).toEqual([]);

    failing = true;
    await runUntil(() => appStatus(agent)?.restartCount === 1, 30_000);
    failing = false;
    await runUntil(() => appStatus(agent)?.state?.running !== undefined, 30_000);
    expect(appStatus(agent)?.containerID).not.toBe(firstId);
    expect(runtimeEvents).toContain("Killing Container app failed liveness probe, will be restarted");
    expect(probeEvents).toContain("Warning Unhealthy app Liveness probe failed: check failed");
    const failedRuns = agent.probeMetrics
      .totals()
      .filter(({ labels }) => labels.probe_type === "Liveness" && labels.result === "failed")
      .reduce((sum, { value }) => sum + value, 0);
    expect(failedRuns).toBeGreaterThanOrEqual(3);

    // Healthy again: no more restarts.
    await runFor(10_000);
    expect(appStatus(agent)?.restartCount).toBe(1);
  });

  it("follows an exec readiness probe in the container's ready and the pod's Ready condition, both ways", async () => {
    let failing = false;
    runtimeWithCheck("/bin/ready", () => failing);
    const source = createProgrammaticSource({ name: "custom", clock });
    const { agent } = startAgent({ sources: [source] });
    await agent.start();
    source.add(
      probedPod({
        readinessProbe: { exec: { command: ["/bin/ready"] }, periodSeconds: 1, failureThreshold: 1 },
      }),
    );
    await runUntil(() => appStatus(agent)?.ready === true, 30_000);
    expect(readyCondition(agent)).toBe("True");

    failing = true;
    await runUntil(() => appStatus(agent)?.ready === false, 10_000);
    expect(readyCondition(agent)).toBe("False");
    expect(appStatus(agent)?.restartCount).toBe(0);

    failing = false;
    await runUntil(() => appStatus(agent)?.ready === true, 10_000);
    expect(readyCondition(agent)).toBe("True");
  });
});
