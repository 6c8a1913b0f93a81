/**
 * Scenarios 2 and 3: editing a manifest replaces its pod; removing it stops the pod gracefully (preStop,
 * then StopContainer with what is left of the grace period, at least 2 s).
 */

import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import type { RecordedCriCall } from "../support/cri-recorder.js";
import {
  bareId,
  containerStatus,
  currentPod,
  runtimeContainers,
  runtimeSandboxes,
  statusOf,
  uidOf,
} from "../support/inspect.js";
import { type PodSpec, removePod, writePod } from "../support/manifests.js";
import type { E2eAgent } from "../support/target.js";
import {
  PRESTOP_HOOK,
  RUN_UNTIL_TERM,
  RUN_UNTIL_TERM_CHECKING_PRESTOP,
  SLOW_PRESTOP_HOOK,
} from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

/** The agent's container GC period in the replacement scenario (the kubelet's is a minute). */
const GC_PERIOD_MS = 2_000;

const ready = (agent: E2eAgent, pod: string, container = "app"): boolean =>
  containerStatus(statusOf(agent, pod), container)?.ready === true;

function forContainer(calls: readonly RecordedCriCall[], containerId: string): RecordedCriCall[] {
  return calls.filter((call) => call.request.containerId === containerId);
}

export function manifestChangeScenarios(suite: Suite): void {
  describe("a manifest change", () => {
    it(
      "replaces the pod: a new UID, the old containers stopped and removed, the new ones running",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        const spec: PodSpec = { name: "web", containers: [{ name: "app", workload: RUN_UNTIL_TERM }] };
        await writePod(dirs.manifests, spec);
        // Garbage collection every 2 s instead of every minute, so the scenario need not wait a minute for it.
        const agent = await target.startAgent({
          nodeName: NODE_NAME,
          dirs,
          containerGcPeriodMs: GC_PERIOD_MS,
        });
        await target.waitFor("web to run", () => ready(agent, "web"), 60_000);
        const oldUid = uidOf(agent, "web");
        const oldContainerId = bareId(containerStatus(statusOf(agent, "web"), "app")?.containerID);
        const [oldSandbox] = await runtimeSandboxes(target, oldUid);

        await writePod(dirs.manifests, { ...spec, labels: { version: "2" } });
        await target.waitFor(
          "the edited pod to run under a new UID",
          () => uidOf(agent, "web") !== oldUid && ready(agent, "web"),
          90_000,
        );
        const newUid = uidOf(agent, "web");
        expect(newUid).toMatch(/^[0-9a-f]{32}$/);
        expect(currentPod(agent, "web")?.pod.metadata?.labels).toMatchObject({ version: "2" });

        // The old pod was stopped before the new one started (static pods of one name never run together).
        const stops = forContainer(target.recorder.callsTo("StopContainer"), oldContainerId);
        expect(stops).toHaveLength(1);
        const sandboxStops = target.recorder
          .callsTo("StopPodSandbox")
          .filter((call) => call.request.podSandboxId === oldSandbox?.id);
        expect(sandboxStops.length).toBeGreaterThanOrEqual(1);
        const newSandboxRuns = target.recorder
          .callsTo("RunPodSandbox")
          .filter(
            (call) => (call.request.config as { metadata?: { uid?: string } }).metadata?.uid === newUid,
          );
        expect(newSandboxRuns).toHaveLength(1);
        expect(newSandboxRuns[0]?.startedAtMs).toBeGreaterThanOrEqual(stops[0]?.endedAtMs ?? Infinity);

        // The new pod runs a fresh container, first attempt, in a sandbox with the new labels.
        const newContainers = await runtimeContainers(target, newUid);
        expect(newContainers.map((c) => [c.metadata?.name, c.metadata?.attempt, c.state])).toEqual([
          ["app", 0, ContainerState.CONTAINER_RUNNING],
        ]);
        const newSandboxes = await runtimeSandboxes(target, newUid);
        expect(newSandboxes).toHaveLength(1);
        expect(newSandboxes[0]?.labels).toMatchObject({ version: "2" });
        expect(containerStatus(statusOf(agent, "web"), "app")?.restartCount).toBe(0);

        // Container garbage collection removes what is left of the old pod within a few of its periods.
        await target.waitFor(
          "the old pod's containers and sandbox to be removed",
          async () =>
            (await runtimeContainers(target, oldUid)).length === 0 &&
            (await runtimeSandboxes(target, oldUid)).length === 0,
          5 * GC_PERIOD_MS,
        );
        expect(target.recorder.callsTo("RemoveContainer").map((c) => c.request.containerId)).toContain(
          oldContainerId,
        );
        expect(ready(agent, "web")).toBe(true);
        expect(uidOf(agent, "web")).toBe(newUid);
      },
      suite.timeoutMs,
    );
  });

  describe("a removed manifest", () => {
    it(
      "stops the pod gracefully: preStop first, then StopContainer with the rest of the grace period (at least 2 s)",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        // 10 s of grace, a 3 s preStop: 7 s are left for the stop. The container exits 0 on SIGTERM only if
        // the hook's marker is there.
        await writePod(dirs.manifests, {
          name: "graceful",
          terminationGracePeriodSeconds: 10,
          containers: [{ name: "app", workload: RUN_UNTIL_TERM_CHECKING_PRESTOP, preStop: PRESTOP_HOOK }],
        });
        // 3 s of grace, a 5 s preStop: the hook is cut off after 3 s and the stop still gets 2 s.
        await writePod(dirs.manifests, {
          name: "short",
          terminationGracePeriodSeconds: 3,
          containers: [{ name: "app", workload: RUN_UNTIL_TERM, preStop: SLOW_PRESTOP_HOOK }],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        await target.waitFor(
          "both pods to run",
          () => ready(agent, "graceful") && ready(agent, "short"),
          60_000,
        );
        const ids = {
          graceful: bareId(containerStatus(statusOf(agent, "graceful"), "app")?.containerID),
          short: bareId(containerStatus(statusOf(agent, "short"), "app")?.containerID),
        };
        const uids = { graceful: uidOf(agent, "graceful"), short: uidOf(agent, "short") };
        expect(target.recorder.callsTo("ExecSync")).toHaveLength(0);

        await removePod(dirs.manifests, "graceful");
        await removePod(dirs.manifests, "short");
        const known = (name: string): boolean =>
          agent.pods().some(({ pod }) => pod.metadata?.name === `${name}-${NODE_NAME}`);
        await target.waitFor(
          "both pods to be stopped and forgotten",
          async () =>
            !known("graceful") &&
            !known("short") &&
            (await runtimeSandboxes(target, uids.graceful)).every(
              (s) => s.state === PodSandboxState.SANDBOX_NOTREADY,
            ) &&
            (await runtimeSandboxes(target, uids.short)).every(
              (s) => s.state === PodSandboxState.SANDBOX_NOTREADY,
            ),
          90_000,
        );

        // graceful: preStop ran (ExecSync of the hook), then StopContainer(timeout 10 - 3 = 7 s).
        const gracefulExec = forContainer(target.recorder.callsTo("ExecSync"), ids.graceful);
        expect(gracefulExec.map((c) => c.request.cmd)).toEqual([PRESTOP_HOOK]);
        const gracefulStop = forContainer(target.recorder.callsTo("StopContainer"), ids.graceful);
        expect(gracefulStop.map((c) => c.request.timeout)).toEqual([7n]);
        const hookMs = (gracefulStop[0]?.startedAtMs ?? 0) - (gracefulExec[0]?.startedAtMs ?? 0);
        expect(hookMs).toBeGreaterThanOrEqual(3_000);
        expect(hookMs).toBeLessThan(4_000);
        // It exited 0: its SIGTERM handler found the hook's marker, and it was not SIGKILLed.
        const gracefulFinal = agent.history("graceful").at(-1);
        expect(containerStatus(gracefulFinal, "app")?.state?.terminated).toMatchObject({
          exitCode: 0,
          reason: "Completed",
        });

        // short: the hook was given the 3 s of grace, then StopContainer got the 2 s minimum.
        const shortExec = forContainer(target.recorder.callsTo("ExecSync"), ids.short);
        expect(shortExec.map((c) => c.request.cmd)).toEqual([SLOW_PRESTOP_HOOK]);
        const shortStop = forContainer(target.recorder.callsTo("StopContainer"), ids.short);
        expect(shortStop.map((c) => c.request.timeout)).toEqual([2n]);
        const cutOffMs = (shortStop[0]?.startedAtMs ?? 0) - (shortExec[0]?.startedAtMs ?? 0);
        expect(cutOffMs).toBeGreaterThanOrEqual(3_000);
        expect(cutOffMs).toBeLessThan(4_000);

        // The sandboxes were stopped after their containers.
        for (const name of ["graceful", "short"] as const) {
          const [sandbox] = await runtimeSandboxes(target, uids[name]);
          const sandboxStop = target.recorder
            .callsTo("StopPodSandbox")
            .find((call) => call.request.podSandboxId === sandbox?.id);
          const containerStop = forContainer(target.recorder.callsTo("StopContainer"), ids[name])[0];
          expect(sandboxStop?.startedAtMs).toBeGreaterThanOrEqual(containerStop?.endedAtMs ?? Infinity);
        }
      },
      suite.timeoutMs,
    );
  });
}
