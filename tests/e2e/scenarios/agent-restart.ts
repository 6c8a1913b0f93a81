/**
 * Scenario 9: an agent killed without any shutdown and started again adopts the pods that kept running:
 * nothing is restarted or re-run, and it rebuilds their status from the runtime.
 */

import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import {
  containerIds,
  containerStatus,
  runtimeContainers,
  runtimeSandboxes,
  statusOf,
  uidOf,
} from "../support/inspect.js";
import { writePod } from "../support/manifests.js";
import type { E2eAgent, E2eTarget } from "../support/target.js";
import { RUN_UNTIL_TERM, workFor } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

const PODS = ["web", "with-init"] as const;

/** Every container and sandbox of the pods in the runtime: `<pod>/<container>#<attempt> <state> <id>`. */
async function runtimeView(target: E2eTarget, uids: readonly string[]): Promise<string[]> {
  const view: string[] = [];
  for (const uid of uids) {
    for (const c of await runtimeContainers(target, uid)) {
      view.push(`${uid}/${c.metadata?.name}#${c.metadata?.attempt} ${ContainerState[c.state]} ${c.id}`);
    }
    for (const s of await runtimeSandboxes(target, uid)) {
      view.push(`${uid}/sandbox#${s.metadata?.attempt} ${PodSandboxState[s.state]} ${s.id}`);
    }
  }
  return view.sort();
}

const running = (agent: E2eAgent): boolean =>
  PODS.every((pod) => containerStatus(statusOf(agent, pod), "app")?.ready === true);

export function agentRestartScenarios(suite: Suite): void {
  describe("an agent killed and started again", () => {
    it(
      "adopts the running pods without restarting a container or re-running an init container",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "web",
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        await writePod(dirs.manifests, {
          name: "with-init",
          initContainers: [{ name: "setup", workload: workFor("init-first", 1) }],
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        const first = await target.startKillableAgent({ nodeName: NODE_NAME, dirs });
        await target.waitFor("both pods to run", () => running(first), 90_000);
        const uids = PODS.map((pod) => uidOf(first, pod));
        const ids = PODS.map((pod) => containerIds(statusOf(first, pod)));
        const before = await runtimeView(target, uids);
        expect(before.filter((line) => line.includes(" CONTAINER_RUNNING "))).toHaveLength(2);

        await first.kill();
        // Nobody looks after the pods for a while; they keep running.
        await target.pass(5_000);
        expect(await runtimeView(target, uids)).toEqual(before);

        const second = await target.startKillableAgent({ nodeName: NODE_NAME, dirs });
        await target.waitFor("the new agent to report both pods running", () => running(second), 60_000);
        // Let it sync the pods a few more times (the fake: past a full resync period).
        await target.pass(target.kind === "fake" ? 70_000 : 5_000);

        expect(PODS.map((pod) => uidOf(second, pod))).toEqual(uids);
        expect(PODS.map((pod) => containerIds(statusOf(second, pod)))).toEqual(ids);
        for (const pod of PODS) {
          const status = statusOf(second, pod);
          expect(status?.phase, pod).toBe("Running");
          expect(containerStatus(status, "app")?.restartCount, pod).toBe(0);
          expect(containerStatus(status, "app")?.state?.running, pod).toBeDefined();
        }
        expect(containerStatus(statusOf(second, "with-init"), "setup")?.state?.terminated).toMatchObject({
          exitCode: 0,
          reason: "Completed",
        });
        // Same containers, same sandboxes, same states: nothing was created, stopped or removed.
        expect(await runtimeView(target, uids)).toEqual(before);
      },
      suite.timeoutMs,
    );
  });
}
