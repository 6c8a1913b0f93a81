import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it, vi } from "vitest";
import type { Suite } from "../scenarios.js";
import { EXEC_ECHO, EXIT_3, RUN_FOREVER } from "../support/commands.js";
import { expectCode, STATE_CHANGE_TIMEOUT_MS, waitForContainerState } from "../support/workloads.js";

export function restartScenarios(suite: Suite): void {
  describe("runtime restart", () => {
    /** The client reconnects on its own; the first calls after a restart may still find the old connection gone. */
    const waitUntilServing = () =>
      vi.waitFor(() => suite.target.runtime.version({}, { timeoutMs: 2_000 }), {
        timeout: STATE_CHANGE_TIMEOUT_MS,
        interval: 200,
      });

    it("fails calls with Unavailable while the runtime is down, and keeps sandboxes and containers across it", async () => {
      const { runtime, images } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });
      const before = (await runtime.containerStatus({ containerId: container.id })).status;
      expect(before?.state).toBe(ContainerState.CONTAINER_RUNNING);

      await suite.target.stopRuntime();
      try {
        await expectCode(runtime.version({}), "Unavailable");
        await expectCode(runtime.listContainers({}), "Unavailable");
        await expectCode(images.listImages({}), "Unavailable");
      } finally {
        await suite.target.startRuntime();
      }
      await waitUntilServing();

      const sandboxes = await runtime.listPodSandbox({ filter: { id: pod.id } });
      expect(sandboxes.items.map((item) => [item.id, item.state])).toEqual([
        [pod.id, PodSandboxState.SANDBOX_READY],
      ]);
      const containers = await runtime.listContainers({ filter: { podSandboxId: pod.id } });
      expect(containers.containers.map((c) => [c.id, c.state])).toEqual([
        [container.id, ContainerState.CONTAINER_RUNNING],
      ]);
      const after = (await runtime.containerStatus({ containerId: container.id })).status;
      expect(after?.startedAt).toBe(before?.startedAt);
      const exec = await runtime.execSync({ containerId: container.id, cmd: [...EXEC_ECHO], timeout: 10n });
      expect(new TextDecoder().decode(exec.stdout)).toBe("exec-ok\n");
      expect((await images.imageStatus({ image: { image: suite.target.busyboxImage } })).image).toBeDefined();
    });

    it("keeps an exited container's exit code and times across a restart", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: EXIT_3 });
      const exited = await waitForContainerState(runtime, container.id, ContainerState.CONTAINER_EXITED);

      await suite.target.restartRuntime();
      await waitUntilServing();

      const { status } = await runtime.containerStatus({ containerId: container.id });
      expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
      expect(status?.exitCode).toBe(3);
      expect(status?.reason).toBe("Error");
      expect(status?.startedAt).toBe(exited.startedAt);
      expect(status?.finishedAt).toBe(exited.finishedAt);
    });
  });
}
