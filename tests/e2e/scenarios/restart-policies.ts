/**
 * Scenarios 4 and 5: restart policies × exit codes give the kubelet's phases and restart counts; a
 * crash-looping container is restarted after 10, 20, 40 s of back-off, waiting in CrashLoopBackOff.
 */

import { PodSandboxState } from "@kubelet-kit/cri-api";
import type { V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { containerStatus, runtimeContainers, runtimeSandboxes, statusOf, uidOf } from "../support/inspect.js";
import { writePod } from "../support/manifests.js";
import type { E2eTarget } from "../support/target.js";
import { exitAfterOneSecond, exitNow } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

/** Each restart policy × exit code: the phase the pod ends in, and whether the container is restarted. */
const CASES = [
  { policy: "Always", code: 0, phase: "Running", restarts: true },
  { policy: "Always", code: 1, phase: "Running", restarts: true },
  { policy: "OnFailure", code: 0, phase: "Succeeded", restarts: false },
  { policy: "OnFailure", code: 1, phase: "Running", restarts: true },
  { policy: "Never", code: 0, phase: "Succeeded", restarts: false },
  { policy: "Never", code: 1, phase: "Failed", restarts: false },
] as const;

const caseName = ({ policy, code }: (typeof CASES)[number]): string => `${policy.toLowerCase()}-exit${code}`;

/** One run of a container, as the runtime reported it (ms since the epoch). */
interface Instance {
  readonly id: string;
  readonly attempt: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/**
 * Remembers every instance of a pod's container the runtime shows, with its start and finish times, so
 * instances that garbage collection removes later are still accounted for. Call {@link observe} often.
 */
function instanceObserver(target: E2eTarget, podUid: () => string) {
  const instances = new Map<string, Instance>();
  return {
    async observe(): Promise<void> {
      const uid = podUid();
      if (uid === "") return;
      for (const container of await runtimeContainers(target, uid)) {
        const { status } = await target.runtime.containerStatus({ containerId: container.id });
        if (status === undefined) continue;
        instances.set(container.id, {
          id: container.id,
          attempt: container.metadata?.attempt ?? -1,
          startedAtMs: Number(status.startedAt / 1_000_000n),
          finishedAtMs: Number(status.finishedAt / 1_000_000n),
        });
      }
    },
    instances: (): Instance[] => [...instances.values()].sort((a, b) => a.attempt - b.attempt),
  };
}

export function restartPolicyScenarios(suite: Suite): void {
  describe("restart policies", () => {
    it(
      "Always, OnFailure and Never with exit codes 0 and 1 give the right phase and restart count",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        for (const c of CASES) {
          await writePod(dirs.manifests, {
            name: caseName(c),
            restartPolicy: c.policy,
            containers: [{ name: "app", workload: exitAfterOneSecond(c.code) }],
          });
        }
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const settled = (c: (typeof CASES)[number]): boolean => {
          const status = statusOf(agent, caseName(c));
          const app = containerStatus(status, "app");
          const done = c.restarts ? (app?.restartCount ?? 0) >= 2 : app?.state?.terminated !== undefined;
          return status?.phase === c.phase && done;
        };
        await target.waitFor("every pod to reach its phase", () => CASES.every(settled), 90_000);

        for (const c of CASES) {
          const { phase, restarts, code } = c;
          const name = caseName(c);
          const status = statusOf(agent, name) as V1PodStatus;
          const app = containerStatus(status, "app");
          const terminated = { exitCode: code, reason: code === 0 ? "Completed" : "Error" };
          expect(status.phase, name).toBe(phase);
          if (restarts) {
            expect(app?.restartCount, name).toBeGreaterThanOrEqual(2);
            expect(app?.lastState?.terminated, name).toMatchObject(terminated);
          } else {
            expect(app?.restartCount, name).toBe(0);
            expect(app?.state?.terminated, name).toMatchObject(terminated);
            // A finished pod is never run again: one container ever, and its sandbox is stopped.
            const uid = uidOf(agent, name);
            expect(await runtimeContainers(target, uid), name).toHaveLength(1);
            const sandboxes = await runtimeSandboxes(target, uid);
            expect(
              sandboxes.map((s) => s.state),
              name,
            ).toEqual([PodSandboxState.SANDBOX_NOTREADY]);
            // Once terminal, the phase never changes again.
            const phases = agent.history(name).map((s) => s.phase);
            expect(
              phases.slice(phases.indexOf(phase)).every((p) => p === phase),
              name,
            ).toBe(true);
          }
        }
      },
      suite.timeoutMs,
    );
  });

  describe("CrashLoopBackOff", () => {
    it(
      "restarts a crashing container at once, then after back-offs of 10 s, 20 s, 40 s (CrashLoopBackOff)",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "crashloop",
          containers: [{ name: "app", workload: exitNow(1) }],
        });
        const agentStartMs = target.clock.now();
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const observer = instanceObserver(target, () => uidOf(agent, "crashloop"));
        const restarts = (): number =>
          containerStatus(statusOf(agent, "crashloop"), "app")?.restartCount ?? 0;
        const waiting = () => containerStatus(statusOf(agent, "crashloop"), "app")?.state?.waiting;
        const uid = (): string => uidOf(agent, "crashloop");
        const podDesc = (): string => `crashloop-${NODE_NAME}_kubelet-kit-e2e(${uid()})`;

        if (target.kind === "containerd") {
          // Real time: the first restart is immediate, the next death waits 10 s in CrashLoopBackOff.
          await target.waitFor(
            "the first restart, then CrashLoopBackOff",
            () => restarts() >= 1 && waiting()?.reason === "CrashLoopBackOff",
            60_000,
          );
          expect(waiting()?.message).toBe(`back-off 10s restarting failed container=app pod=${podDesc()}`);
          expect(statusOf(agent, "crashloop")?.phase).toBe("Running");
          expect(containerStatus(statusOf(agent, "crashloop"), "app")?.lastState?.terminated).toMatchObject({
            exitCode: 1,
            reason: "Error",
          });
          return;
        }

        // Fake clock: four restarts, observed after every timer.
        await target.waitFor(
          "four restarts",
          async () => {
            await observer.observe();
            return observer.instances().length >= 5 && observer.instances()[4]?.startedAtMs !== 0;
          },
          180_000,
        );
        const instances = observer.instances();
        expect(instances.map((i) => i.attempt)).toEqual([0, 1, 2, 3, 4]);
        // The first restart is immediate (the PLEG event that woke the worker); each later one waits the
        // back-off after the previous exit, then happens at the next tick of the sync loop (every second
        // from the agent's start, as the kubelet's syncTicker).
        const tickAtOrAfter = (ms: number): number =>
          agentStartMs + Math.ceil((ms - agentStartMs) / 1_000) * 1_000;
        const first = instances[1]?.startedAtMs ?? 0;
        expect(first - (instances[0]?.finishedAtMs ?? 0)).toBeGreaterThanOrEqual(0);
        expect(first - (instances[0]?.finishedAtMs ?? 0)).toBeLessThanOrEqual(1_000);
        for (const [i, backOffMs] of [10_000, 20_000, 40_000].entries()) {
          const died = instances[i + 1]?.finishedAtMs ?? 0;
          expect(instances[i + 2]?.startedAtMs, `restart ${i + 2}`).toBe(tickAtOrAfter(died + backOffMs));
        }

        const messages = agent
          .history("crashloop")
          .map((s) => containerStatus(s, "app")?.state?.waiting)
          .filter((w) => w?.reason === "CrashLoopBackOff")
          .map((w) => w?.message);
        expect([...new Set(messages)]).toEqual(
          [10, 20, 40].map((s) => `back-off ${s}s restarting failed container=app pod=${podDesc()}`),
        );
        expect(statusOf(agent, "crashloop")?.phase).toBe("Running");
      },
      suite.timeoutMs,
    );
  });
}
