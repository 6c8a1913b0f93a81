/**
 * Scenarios 6 and 7: init containers run one after the other before the regular ones, and a failing one
 * under restartPolicy Never fails the pod; a sidecar (restartable init container) runs alongside the main
 * container and is stopped once the pod completes.
 */

import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import {
  bareId,
  containerStatus,
  runtimeContainers,
  runtimeSandboxes,
  statusOf,
  uidOf,
} from "../support/inspect.js";
import { writePod } from "../support/manifests.js";
import type { E2eTarget } from "../support/target.js";
import { exitAfterOneSecond, RUN_UNTIL_TERM, workFor } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

/** Each container instance of a pod with its CRI times in ms, oldest first. */
async function instances(target: E2eTarget, podUid: string) {
  const result = [];
  for (const container of await runtimeContainers(target, podUid)) {
    const { status } = await target.runtime.containerStatus({ containerId: container.id });
    result.push({
      id: container.id,
      name: container.metadata?.name ?? "",
      state: status?.state,
      exitCode: status?.exitCode,
      createdAtMs: Number((status?.createdAt ?? 0n) / 1_000_000n),
      startedAtMs: Number((status?.startedAt ?? 0n) / 1_000_000n),
      finishedAtMs: Number((status?.finishedAt ?? 0n) / 1_000_000n),
    });
  }
  return result;
}

export function initContainerScenarios(suite: Suite): void {
  describe("init containers", () => {
    it(
      "run in order before the regular containers; a failing one fails a restartPolicy Never pod",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "init-order",
          initContainers: [
            { name: "first", workload: workFor("init-first", 1) },
            { name: "second", workload: workFor("init-second", 1) },
          ],
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        await writePod(dirs.manifests, {
          name: "init-fail",
          restartPolicy: "Never",
          initContainers: [{ name: "setup", workload: exitAfterOneSecond(1) }],
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        await target.waitFor(
          "init-order to run its app and init-fail to fail",
          () =>
            containerStatus(statusOf(agent, "init-order"), "app")?.ready === true &&
            statusOf(agent, "init-fail")?.phase === "Failed",
          90_000,
        );

        // init-order: first, then second, then app; each init container exited 0 before the next was created.
        const ordered = await instances(target, uidOf(agent, "init-order"));
        expect(ordered.map((c) => c.name)).toEqual(["first", "second", "app"]);
        const [first, second, app] = ordered;
        expect([first?.exitCode, second?.exitCode]).toEqual([0, 0]);
        expect(second?.createdAtMs).toBeGreaterThanOrEqual(first?.finishedAtMs ?? Infinity);
        expect(app?.createdAtMs).toBeGreaterThanOrEqual(second?.finishedAtMs ?? Infinity);
        expect(app?.state).toBe(ContainerState.CONTAINER_RUNNING);

        const status = statusOf(agent, "init-order");
        expect(status?.phase).toBe("Running");
        expect(status?.conditions?.find((c) => c.type === "Initialized")?.status).toBe("True");
        for (const name of ["first", "second"]) {
          expect(containerStatus(status, name), name).toMatchObject({ ready: true, restartCount: 0 });
          expect(containerStatus(status, name)?.state?.terminated, name).toMatchObject({
            exitCode: 0,
            reason: "Completed",
          });
        }
        // While the init containers ran, the pod was Pending and not initialized.
        const early = agent.history("init-order").find((s) => containerStatus(s, "first")?.state?.running);
        expect(early?.phase).toBe("Pending");
        expect(early?.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
          status: "False",
          reason: "ContainersNotInitialized",
        });

        // init-fail: Failed, its app never created, its sandbox stopped.
        const failed = statusOf(agent, "init-fail");
        expect(containerStatus(failed, "setup")?.state?.terminated).toMatchObject({
          exitCode: 1,
          reason: "Error",
        });
        expect(containerStatus(failed, "setup")?.restartCount).toBe(0);
        expect(containerStatus(failed, "app")?.state?.waiting?.reason).toBe("PodInitializing");
        const failedUid = uidOf(agent, "init-fail");
        expect((await instances(target, failedUid)).map((c) => c.name)).toEqual(["setup"]);
        await target.waitFor(
          "init-fail's sandbox to be stopped",
          async () =>
            (await runtimeSandboxes(target, failedUid)).every(
              (s) => s.state === PodSandboxState.SANDBOX_NOTREADY,
            ),
          30_000,
        );
      },
      suite.timeoutMs,
    );
  });

  describe("a sidecar", () => {
    it(
      "keeps running beside the main container; the pod completes with it and the sidecar is stopped after",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "sidecar",
          restartPolicy: "Never",
          initContainers: [{ name: "logger", restartPolicy: "Always", workload: RUN_UNTIL_TERM }],
          containers: [{ name: "main", workload: workFor("main-done", 2) }],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        await target.waitFor(
          "the pod to complete",
          () => statusOf(agent, "sidecar")?.phase === "Succeeded",
          90_000,
        );
        const uid = uidOf(agent, "sidecar");
        await target.waitFor(
          "the sidecar to be stopped",
          async () =>
            (await instances(target, uid)).every((c) => c.state === ContainerState.CONTAINER_EXITED),
          30_000,
        );

        const [logger, main, ...others] = await instances(target, uid);
        expect(others).toEqual([]);
        expect([logger?.name, main?.name]).toEqual(["logger", "main"]);
        // The sidecar started first and ran the whole time the main container did; it was stopped after.
        expect(main?.createdAtMs).toBeGreaterThanOrEqual(logger?.startedAtMs ?? Infinity);
        expect(main?.exitCode).toBe(0);
        expect(logger?.finishedAtMs).toBeGreaterThanOrEqual(main?.finishedAtMs ?? Infinity);
        const stops = target.recorder
          .callsTo("StopContainer")
          .filter((c) => c.request.containerId === logger?.id);
        expect(stops).toHaveLength(1);
        expect(stops[0]?.startedAtMs).toBeGreaterThanOrEqual(main?.finishedAtMs ?? Infinity);
        expect(
          target.recorder.callsTo("StopContainer").filter((c) => c.request.containerId === main?.id),
        ).toHaveLength(0);

        const status = statusOf(agent, "sidecar");
        expect(containerStatus(status, "main")?.state?.terminated).toMatchObject({
          exitCode: 0,
          reason: "Completed",
        });
        expect(containerStatus(status, "main")?.restartCount).toBe(0);
        expect(bareId(containerStatus(status, "logger")?.containerID)).toBe(logger?.id);
        expect(containerStatus(status, "logger")?.restartCount).toBe(0);
        // While the main container ran, so did the sidecar, and the pod was Running.
        const during = agent.history("sidecar").filter((s) => containerStatus(s, "main")?.state?.running);
        expect(during.length).toBeGreaterThan(0);
        for (const s of during) {
          expect(s.phase).toBe("Running");
          expect(containerStatus(s, "logger")?.state?.running).toBeDefined();
        }
        expect((await runtimeSandboxes(target, uid)).map((s) => s.state)).toEqual([
          PodSandboxState.SANDBOX_NOTREADY,
        ]);
      },
      suite.timeoutMs,
    );
  });
}
