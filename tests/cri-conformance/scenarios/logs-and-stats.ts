import { join } from "node:path";
import { ContainerState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import type { Suite } from "../scenarios.js";
import { EXIT_3, LOG_BOTH_STREAMS, RUN_FOREVER } from "../support/commands.js";
import { expectCode, POD_NAMESPACE, waitForContainerState, waitForLogLines } from "../support/workloads.js";

/** `<timestamp> <stream> <tags> <content>`, as the kubelet parses CRI log lines. */
const CRI_LOG_LINE = /^(\S+) (stdout|stderr) ([PF](?::\S+)?) (.*)$/;
/** RFC 3339 with an optional fraction of up to nine digits (Go's RFC3339Nano trims trailing zeros). */
const RFC3339_NANO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC3339Nano timestamp (the fraction cut to milliseconds). */
function parseTimestamp(timestamp: string): number {
  const match = RFC3339_NANO.exec(timestamp);
  if (match === null) return Number.NaN;
  const [, seconds, fraction = "", zone] = match;
  return Date.parse(`${seconds}${fraction.slice(0, 4)}${zone}`);
}

export function logAndStatsScenarios(suite: Suite): void {
  describe("container logs", () => {
    it("writes CRI-format lines for both streams to <logRoot>/<ns>_<pod>_<uid>/<container>/0.log", async () => {
      const before = Date.now();
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: LOG_BOTH_STREAMS });
      const expectedPath = join(
        suite.target.logRoot,
        `${POD_NAMESPACE}_${pod.name}_${pod.uid}`,
        container.name,
        "0.log",
      );
      expect(container.logPath).toBe(expectedPath);
      const { status } = await suite.target.runtime.containerStatus({ containerId: container.id });
      expect(status?.logPath).toBe(expectedPath);

      const lines = await waitForLogLines(expectedPath, (all) => all.length >= 2);
      expect(lines).toHaveLength(2);
      const parsed = lines.map((line) => {
        const match = CRI_LOG_LINE.exec(line);
        expect(match, `not a CRI log line: ${JSON.stringify(line)}`).not.toBeNull();
        const [, timestamp = "", stream, tags, content] = match ?? [];
        return { timestamp, stream, tags, content };
      });
      expect(parsed.map(({ stream, tags, content }) => `${stream} ${tags} ${content}`).sort()).toEqual([
        "stderr F complaint",
        "stdout F started",
      ]);
      expect(lines.find((line) => line.includes(" stdout "))).toMatch(/^\S+ (stdout|stderr) F started$/);
      const after = Date.now();
      for (const { timestamp } of parsed) {
        expect(timestamp).toMatch(RFC3339_NANO);
        // Wall-clock times, not a fake clock's: within the test's own span, give or take a second.
        const ms = parseTimestamp(timestamp);
        expect(ms).toBeGreaterThanOrEqual(before - 1000);
        expect(ms).toBeLessThanOrEqual(after + 1000);
      }
    });
  });

  describe("container stats", () => {
    it("reports cpu and memory usage of a running container", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, {
        command: RUN_FOREVER,
        labels: { app: "stats" },
      });
      await waitForLogLines(container.logPath, (lines) => lines.length > 0);

      const { stats } = await runtime.containerStats({ containerId: container.id });
      expect(stats?.attributes?.id).toBe(container.id);
      expect(stats?.attributes?.metadata).toMatchObject({ name: container.name, attempt: 0 });
      expect(stats?.attributes?.labels).toEqual({ app: "stats" });
      expect(stats?.cpu?.timestamp).toBeGreaterThan(0n);
      expect(stats?.cpu?.usageCoreNanoSeconds?.value).toBeGreaterThanOrEqual(0n);
      expect(stats?.memory?.timestamp).toBeGreaterThan(0n);
      expect(stats?.memory?.workingSetBytes?.value).toBeGreaterThan(0n);
    });

    it("lists stats for every container of a sandbox, with usage only for running ones", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const running = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });
      const created = await suite.workloads.createContainer(pod, { command: RUN_FOREVER });
      const exited = await suite.workloads.startContainer(pod, { command: EXIT_3 });
      await waitForContainerState(runtime, exited.id, ContainerState.CONTAINER_EXITED);
      await waitForLogLines(running.logPath, (lines) => lines.length > 0);

      const { stats } = await runtime.listContainerStats({ filter: { podSandboxId: pod.id } });
      const byId = new Map(stats.map((entry) => [entry.attributes?.id, entry]));
      expect([...byId.keys()].sort()).toEqual([running.id, created.id, exited.id].sort());
      expect(byId.get(running.id)?.memory?.workingSetBytes?.value).toBeGreaterThan(0n);
      expect(byId.get(running.id)?.cpu?.usageCoreNanoSeconds).toBeDefined();
      for (const idle of [created, exited]) {
        expect(byId.get(idle.id)?.attributes?.metadata?.name).toBe(idle.name);
        expect(byId.get(idle.id)?.cpu).toBeUndefined();
        expect(byId.get(idle.id)?.memory).toBeUndefined();
      }

      // Asked one by one, a container without a task has no metrics to report.
      await expectCode(runtime.containerStats({ containerId: created.id }), "Unknown");
      await expectCode(runtime.containerStats({ containerId: exited.id }), "Unknown");
    });
  });
}
