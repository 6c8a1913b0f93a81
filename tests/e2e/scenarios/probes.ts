/**
 * Scenarios 12–14: probes run against real busybox servers and commands (containerd) or the fake runtime's
 * loopback listeners and windowed exec answers (fake). A readiness probe that flips makes the container and
 * the pod ready and unready; a liveness probe that starts failing gets the container restarted; a startup
 * probe holds the other probes back until it passes.
 */

import type { V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { bareId, containerStatus, statusOf } from "../support/inspect.js";
import { writePod } from "../support/manifests.js";
import type { AgentEvent, E2eAgent, E2eTarget } from "../support/target.js";
import {
  CAT_MISSING_MARKER,
  LISTEN_FOR_A_WHILE,
  LISTEN_FOR_S,
  LISTEN_PORT,
  READY_PORT,
  READY_SCHEDULE_S,
  SERVE_READY_FLIPPING,
  START_SLOWLY,
  STARTED_MARKER,
  STARTS_AFTER_S,
} from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

/**
 * How late, after a container's scheduled change, probes may still see the old state, in ms: on the fake
 * none (its windows are exact on the fake clock); on containerd the shell's one-second loop drifts a little
 * and a probe runs once per period.
 */
const slackMs = (target: E2eTarget): number => (target.kind === "fake" ? 0 : 1_500);

/** `values` without consecutive repeats. */
function transitions<T>(values: readonly T[]): T[] {
  return values.filter((value, i) => i === 0 || value !== values[i - 1]);
}

/** The prober's events about `container` of pod `name`, of one probe type. */
function probeEvents(agent: E2eAgent, name: string, probe: AgentEvent["probe"]): AgentEvent[] {
  return agent
    .events()
    .filter((e) => e.source === "prober" && e.pod === `${name}-${agent.nodeName}` && e.probe === probe);
}

/** The runtime's events about pod `name` with `reason`. */
function runtimeEvents(agent: E2eAgent, name: string, reason: string): AgentEvent[] {
  return agent
    .events()
    .filter((e) => e.source === "runtime" && e.pod === `${name}-${agent.nodeName}` && e.reason === reason);
}

/** When a container started, in ms since the epoch (the runtime's `started_at`). */
async function startedAtMs(target: E2eTarget, containerId: string): Promise<number> {
  const { status } = await target.runtime.containerStatus({ containerId: bareId(containerId) });
  const startedAt = Number((status?.startedAt ?? 0n) / 1_000_000n);
  expect(startedAt, `start time of ${containerId}`).toBeGreaterThan(0);
  return startedAt;
}

/** The phases of a history from its first Running on (which should all be Running). */
function phasesAfterRunning(history: readonly V1PodStatus[]): string[] {
  const phases = history.map((s) => s.phase ?? "");
  return phases.slice(phases.indexOf("Running"));
}

/** A condition's status (`True`/`False`) in a pod status. */
const condition = (status: V1PodStatus, type: string): string | undefined =>
  status.conditions?.find((c) => c.type === type)?.status;

export function probeScenarios(suite: Suite): void {
  describe("probes", () => {
    it(
      "an HTTP readiness probe that flips makes the container ready, unready and ready again, without a restart",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "flip",
          containers: [
            {
              name: "app",
              workload: SERVE_READY_FLIPPING,
              readinessProbe: {
                httpGet: { path: "/ready", port: READY_PORT },
                periodSeconds: 1,
                failureThreshold: 1,
              },
            },
          ],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const readiness = (): boolean[] =>
          transitions(agent.history("flip").map((s) => containerStatus(s, "app")?.ready === true));
        await target.waitFor(
          "the container to be ready, unready, then ready again",
          () => readiness().length >= 4,
          40_000,
        );
        // It stays ready (the file is back for good).
        await target.pass(2_000);
        expect(readiness()).toEqual([false, true, false, true]);

        const history = agent.history("flip");
        for (const status of history) {
          const ready = containerStatus(status, "app")?.ready === true ? "True" : "False";
          // The pod's Ready and ContainersReady conditions follow the container in every status reported.
          expect(condition(status, "ContainersReady")).toBe(ready);
          expect(condition(status, "Ready")).toBe(ready);
          expect(containerStatus(status, "app")?.restartCount ?? 0).toBe(0);
        }
        expect(new Set(phasesAfterRunning(history))).toEqual(new Set(["Running"]));
        const app = containerStatus(statusOf(agent, "flip"), "app");
        expect(app).toMatchObject({ ready: true, started: true, restartCount: 0 });
        expect(app?.state?.running).toBeDefined();

        // The probe's failures: busybox httpd's 404 for the missing file, only while it is missing.
        const started = await startedAtMs(target, app?.containerID ?? "");
        const failures = probeEvents(agent, "flip", "readiness");
        const slack = slackMs(target);
        const { up, down, upAgain } = READY_SCHEDULE_S;
        for (const e of failures) {
          expect(e).toMatchObject({ type: "Warning", reason: "Unhealthy", container: "app" });
          expect(e.containerId).toBe(bareId(app?.containerID));
          const offset = e.atMs - started;
          const missing =
            (offset >= 0 && offset < up * 1_000 + slack) ||
            (offset >= down * 1_000 && offset < upAgain * 1_000 + slack);
          expect(missing, `a readiness failure ${offset} ms after the start, while /www/ready existed`).toBe(
            true,
          );
          // (containerd: httpd may not listen yet at the very first probe.)
          if (offset >= slack) {
            expect(e.message).toBe("Readiness probe failed: HTTP probe failed with statuscode: 404");
          }
        }
        const inDownWindow = failures.filter(
          (e) => e.atMs - started >= down * 1_000 && e.atMs - started < upAgain * 1_000 + slack,
        );
        expect(inDownWindow.length).toBeGreaterThanOrEqual(3);
        // Readiness failures never restart anything.
        expect(runtimeEvents(agent, "flip", "Killing")).toEqual([]);
      },
      suite.timeoutMs,
    );

    it(
      "a TCP liveness probe that starts failing gets the container restarted, and counts afresh for the new one",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "liveness",
          containers: [
            {
              name: "app",
              workload: LISTEN_FOR_A_WHILE,
              livenessProbe: { tcpSocket: { port: LISTEN_PORT }, periodSeconds: 1, failureThreshold: 2 },
            },
          ],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const kills = (): AgentEvent[] => runtimeEvents(agent, "liveness", "Killing");
        // The first instance stops listening after 5 s and is killed after two failures; the second one
        // listens for 5 s too, then fails twice and is killed again.
        await target.waitFor("two liveness kills", () => kills().length >= 2, 40_000);

        const history = agent.history("liveness");
        const ids = [
          ...new Set(
            history.map((s) => containerStatus(s, "app")?.containerID ?? "").filter((id) => id !== ""),
          ),
        ];
        expect(ids.length).toBeGreaterThanOrEqual(2);
        const [firstId = "", secondId = ""] = ids;
        expect(secondId).not.toBe(firstId);
        const podIp = statusOf(agent, "liveness")?.podIP ?? "";
        expect(podIp).not.toBe("");

        // The runtime's Killing events, in the kubelet's words.
        for (const kill of kills()) {
          expect(kill).toMatchObject({
            type: "Normal",
            container: "app",
            message: "Container app failed liveness probe, will be restarted",
          });
        }

        // Each instance: exactly failureThreshold (2) failures, none before it stopped listening, then the
        // kill. The second instance's count started from zero (no failure carried over from the first), and
        // the first instance was not probed any more once it had failed.
        const failures = probeEvents(agent, "liveness", "liveness");
        for (const e of failures) {
          expect(e).toMatchObject({
            type: "Warning",
            reason: "Unhealthy",
            container: "app",
            message: `Liveness probe failed: dial tcp ${podIp}:${LISTEN_PORT}: connect: connection refused`,
          });
        }
        for (const [i, id] of [firstId, secondId].entries()) {
          const started = await startedAtMs(target, id);
          const own = failures.filter((e) => e.containerId === bareId(id));
          expect(own, `failures of instance ${i}`).toHaveLength(2);
          for (const e of own) {
            expect(e.atMs - started, `failure of instance ${i}`).toBeGreaterThanOrEqual(LISTEN_FOR_S * 1_000);
          }
          const kill = kills()[i];
          expect(kill?.atMs ?? 0, `kill of instance ${i}`).toBeGreaterThanOrEqual(own[1]?.atMs ?? Infinity);
        }

        // The restart: restartCount 1, the killed instance in lastState (its SIGTERM trap exits 0).
        const restarted = history.find((s) => containerStatus(s, "app")?.restartCount === 1);
        const app = containerStatus(restarted, "app");
        expect(app?.containerID).toBe(secondId);
        expect(app?.lastState?.terminated).toMatchObject({
          exitCode: 0,
          reason: "Completed",
          containerID: firstId,
        });
        expect(
          history.some((s) => {
            const c = containerStatus(s, "app");
            return c?.restartCount === 1 && c.state?.running !== undefined;
          }),
        ).toBe(true);
        expect(new Set(phasesAfterRunning(history))).toEqual(new Set(["Running"]));
      },
      suite.timeoutMs,
    );

    it(
      "an exec startup probe holds back readiness and liveness until it passes",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        const startupCommand = ["cat", STARTED_MARKER];
        const livenessCommand = ["ls", STARTED_MARKER];
        const readinessCommand = ["true"];
        await writePod(dirs.manifests, {
          name: "slow-start",
          containers: [
            {
              name: "app",
              workload: START_SLOWLY,
              startupProbe: { exec: { command: startupCommand }, periodSeconds: 1, failureThreshold: 10 },
              // Would fail (and restart the container at once) if it ran before the marker exists.
              livenessProbe: { exec: { command: livenessCommand }, periodSeconds: 1, failureThreshold: 1 },
              readinessProbe: { exec: { command: readinessCommand }, periodSeconds: 1 },
            },
          ],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const app = () => containerStatus(statusOf(agent, "slow-start"), "app");
        await target.waitFor("the container to be started and ready", () => app()?.ready === true, 30_000);
        // Liveness and readiness probes run a few times now.
        await target.pass(3_000);

        const history = agent.history("slow-start");
        const running = history
          .map((s) => containerStatus(s, "app"))
          .filter((c) => c?.state?.running !== undefined);
        // Running but not started (and so not ready) first, then started, then ready; never back.
        expect(transitions(running.map((c) => `${c?.started === true}/${c?.ready === true}`))).toEqual([
          "false/false",
          "true/false",
          "true/true",
        ]);
        expect(app()).toMatchObject({ started: true, ready: true, restartCount: 0 });
        expect(new Set(phasesAfterRunning(history))).toEqual(new Set(["Running"]));

        // The startup probe failed with busybox's words until the marker appeared.
        const started = await startedAtMs(target, app()?.containerID ?? "");
        const startupFailures = probeEvents(agent, "slow-start", "startup");
        expect(startupFailures.length).toBeGreaterThanOrEqual(2);
        for (const e of startupFailures) {
          expect(e).toMatchObject({
            reason: "Unhealthy",
            container: "app",
            message: `Startup probe failed: ${CAT_MISSING_MARKER}`,
          });
          expect(e.atMs - started).toBeLessThan(STARTS_AFTER_S * 1_000 + slackMs(target));
        }
        // Liveness never failed: it first ran once the container had started.
        expect(probeEvents(agent, "slow-start", "liveness")).toEqual([]);
        expect(runtimeEvents(agent, "slow-start", "Killing")).toEqual([]);

        // What the agent ran in the container: startup checks until one passed (the last one: a startup
        // probe stops once it succeeded), and only then liveness and readiness checks.
        const execs = (cmd: readonly string[]) =>
          target.recorder
            .callsTo("ExecSync")
            .filter((c) => JSON.stringify(c.request.cmd) === JSON.stringify(cmd));
        const startupRuns = execs(startupCommand);
        expect(startupRuns.length).toBe(startupFailures.length + 1);
        const gate = startupRuns[startupRuns.length - 1];
        const calls = target.recorder.calls();
        const gateIndex = gate === undefined ? calls.length : calls.indexOf(gate);
        const later = [...execs(livenessCommand), ...execs(readinessCommand)];
        expect(execs(livenessCommand).length).toBeGreaterThanOrEqual(2);
        expect(execs(readinessCommand).length).toBeGreaterThanOrEqual(2);
        for (const call of later) {
          // Sent after the passing startup check was (calls are recorded in the order they are sent)…
          expect(calls.indexOf(call)).toBeGreaterThan(gateIndex);
          // …and once it had answered.
          expect(call.startedAtMs).toBeGreaterThanOrEqual(gate?.endedAtMs ?? Infinity);
        }
      },
      suite.timeoutMs,
    );
  });
}
