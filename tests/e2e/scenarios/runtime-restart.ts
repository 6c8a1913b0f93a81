/** Scenario 10: a runtime restart is survived: pods keep running and their status stays correct. */

import { ContainerState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import {
  bareId,
  containerIds,
  containerStatus,
  runtimeContainers,
  statusOf,
  uidOf,
} from "../support/inspect.js";
import { writePod } from "../support/manifests.js";
import { RUN_UNTIL_TERM } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

export function runtimeRestartScenarios(suite: Suite): void {
  describe("a runtime restart", () => {
    it(
      "is survived: the pod keeps its containers and a correct status, and the agent works on afterwards",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "web",
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const ready = (pod: string): boolean => containerStatus(statusOf(agent, pod), "app")?.ready === true;
        await target.waitFor("web to run", () => ready("web"), 60_000);
        const uid = uidOf(agent, "web");
        const ids = containerIds(statusOf(agent, "web"));
        const reported = agent.history("web").length;
        const callsBefore = target.recorder.calls().length;

        await target.restartRuntime();
        // After the restart the agent works again: a new pod comes up…
        await writePod(dirs.manifests, {
          name: "after",
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        await target.waitFor("a pod added after the restart to run", () => ready("after"), 90_000);
        // …and has synced the old one since (the fake: past a full resync period).
        await target.pass(target.kind === "fake" ? 70_000 : 5_000);

        // …while the old one kept its container, which was never stopped or replaced.
        const status = statusOf(agent, "web");
        expect(status?.phase).toBe("Running");
        expect(containerIds(status)).toEqual(ids);
        expect(containerStatus(status, "app")).toMatchObject({ ready: true, restartCount: 0 });
        const containers = await runtimeContainers(target, uid);
        expect(containers.map((c) => [c.id, c.state])).toEqual([
          [bareId(ids.app), ContainerState.CONTAINER_RUNNING],
        ]);
        // Since the restart the agent only created the new pod: it stopped nothing. (A call the runtime
        // refused while it was still coming back changed nothing, and was retried.)
        const since = target.recorder.calls().slice(callsBefore);
        const changes = since.filter(
          (c) =>
            c.error === undefined &&
            [
              "RunPodSandbox",
              "StopPodSandbox",
              "CreateContainer",
              "StopContainer",
              "RemoveContainer",
            ].includes(c.method),
        );
        expect(changes.map((c) => c.method)).toEqual(["RunPodSandbox", "CreateContainer"]);
        // No status reported during or after the restart said anything else.
        for (const later of agent.history("web").slice(reported)) {
          expect(later.phase).toBe("Running");
          expect(containerIds(later)).toEqual(ids);
          expect(containerStatus(later, "app")?.ready).toBe(true);
        }
      },
      suite.timeoutMs,
    );
  });
}
