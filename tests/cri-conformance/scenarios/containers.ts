import { join } from "node:path";
import { ContainerState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import type { Suite } from "../scenarios.js";
import {
  EXEC_ECHO,
  EXEC_EXIT_7,
  EXEC_SLOW,
  EXEC_STDERR,
  EXIT_0,
  EXIT_3,
  EXIT_ON_TERM,
  RUN_FOREVER,
  SIGKILL_EXIT_CODE,
} from "../support/commands.js";
import {
  expectCode,
  UNKNOWN_ID,
  uniqueName,
  waitForContainerState,
  waitForLogLines,
} from "../support/workloads.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export function containerScenarios(suite: Suite): void {
  describe("containers", () => {
    it("creates a container CREATED, starts it RUNNING and reports its config back in ContainerStatus", async () => {
      const { runtime, images, busyboxImage } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const labels = { app: "conformance", "conformance.kubelet-kit.dev/role": "main" };
      const annotations = { "conformance.kubelet-kit.dev/hash": "c0ffee" };
      const container = await suite.workloads.createContainer(pod, {
        command: RUN_FOREVER,
        attempt: 1,
        labels,
        annotations,
      });

      const created = (await runtime.containerStatus({ containerId: container.id })).status;
      expect(created?.state).toBe(ContainerState.CONTAINER_CREATED);
      expect(created?.createdAt).toBeGreaterThan(0n);
      expect(created?.startedAt).toBe(0n);
      expect(created?.finishedAt).toBe(0n);

      await runtime.startContainer({ containerId: container.id });
      const { status } = await runtime.containerStatus({ containerId: container.id });
      expect(status?.id).toBe(container.id);
      expect(status?.state).toBe(ContainerState.CONTAINER_RUNNING);
      expect(status?.createdAt).toBe(created?.createdAt);
      expect(status?.startedAt).toBeGreaterThanOrEqual(created?.createdAt ?? 0n);
      expect(status?.finishedAt).toBe(0n);
      expect(status?.exitCode).toBe(0);
      expect(status?.reason).toBe("");
      expect(status?.metadata).toMatchObject({ name: container.name, attempt: 1 });
      expect(status?.labels).toEqual(labels);
      expect(status?.annotations).toEqual(annotations);
      expect(status?.logPath).toBe(join(pod.logDirectory, `${container.name}/1.log`));

      // ContainerStatus names the image by its first tag (not necessarily the one asked for, when the image
      // has several) and refers to it by its first repo digest, else its id. ListContainers keeps the ask.
      const image = (await images.imageStatus({ image: { image: busyboxImage } })).image;
      expect(status?.image?.image).toBe(image?.repoTags[0]);
      expect(status?.imageRef).toBe(image?.repoDigests[0] ?? image?.id);
      const listed = (await runtime.listContainers({ filter: { id: container.id } })).containers[0];
      expect(listed?.image?.image).toBe(busyboxImage);
      expect(listed?.imageRef).toBe(image?.id);
    });

    it("lists containers by id, state, sandbox and label selector", async () => {
      const { runtime } = suite.target;
      const run = uniqueName("run");
      const podA = await suite.workloads.runPod({ network: "node" });
      const podB = await suite.workloads.runPod({ network: "node" });
      const running = await suite.workloads.startContainer(podA, {
        command: RUN_FOREVER,
        labels: { run, role: "running" },
      });
      const created = await suite.workloads.createContainer(podA, {
        command: RUN_FOREVER,
        labels: { run, role: "created" },
      });
      const other = await suite.workloads.startContainer(podB, {
        command: RUN_FOREVER,
        labels: { run, role: "running" },
      });
      const ids = async (filter: Parameters<typeof runtime.listContainers>[0]) =>
        (await runtime.listContainers(filter)).containers.map((c) => c.id).sort();

      const byId = (await runtime.listContainers({ filter: { id: running.id } })).containers;
      expect(byId).toHaveLength(1);
      expect(byId[0]).toMatchObject({
        id: running.id,
        podSandboxId: podA.id,
        metadata: { name: running.name, attempt: 0 },
        state: ContainerState.CONTAINER_RUNNING,
        labels: { run, role: "running" },
      });
      expect(byId[0]?.createdAt).toBeGreaterThan(0n);
      expect(await ids({ filter: { podSandboxId: podA.id } })).toEqual([running.id, created.id].sort());
      expect(
        await ids({ filter: { podSandboxId: podA.id, state: { state: ContainerState.CONTAINER_RUNNING } } }),
      ).toEqual([running.id]);
      expect(
        await ids({ filter: { podSandboxId: podA.id, state: { state: ContainerState.CONTAINER_CREATED } } }),
      ).toEqual([created.id]);
      expect(await ids({ filter: { labelSelector: { run } } })).toEqual(
        [running.id, created.id, other.id].sort(),
      );
      expect(await ids({ filter: { labelSelector: { run, role: "running" } } })).toEqual(
        [running.id, other.id].sort(),
      );
      expect(
        await ids({ filter: { podSandboxId: podB.id, labelSelector: { run, role: "created" } } }),
      ).toEqual([]);
      expect(await ids({})).toEqual(expect.arrayContaining([running.id, created.id, other.id]));
    });

    it("runs ExecSync in a running container and returns its output and exit code", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });

      const ok = await runtime.execSync({ containerId: container.id, cmd: [...EXEC_ECHO], timeout: 10n });
      expect(text(ok.stdout)).toBe("exec-ok\n");
      expect(text(ok.stderr)).toBe("");
      expect(ok.exitCode).toBe(0);

      const failed = await runtime.execSync({
        containerId: container.id,
        cmd: [...EXEC_EXIT_7],
        timeout: 10n,
      });
      expect(failed.exitCode).toBe(7);
      expect(text(failed.stdout)).toBe("");

      const stderr = await runtime.execSync({
        containerId: container.id,
        cmd: [...EXEC_STDERR],
        timeout: 10n,
      });
      expect(text(stderr.stdout)).toBe("");
      expect(text(stderr.stderr)).toBe("exec-err\n");
      expect(stderr.exitCode).toBe(2);
    });

    it("kills a container whose PID 1 ignores SIGTERM once the stop timeout passes (exit 137, Error)", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });
      await waitForLogLines(container.logPath, (lines) => lines.some((line) => line.endsWith(" F started")));

      await runtime.stopContainer({ containerId: container.id, timeout: 1n });
      const { status } = await runtime.containerStatus({ containerId: container.id });
      expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
      expect(status?.exitCode).toBe(SIGKILL_EXIT_CODE);
      expect(status?.reason).toBe("Error");
      expect(status?.finishedAt).toBeGreaterThanOrEqual(status?.startedAt ?? 0n);

      await runtime.stopContainer({ containerId: container.id, timeout: 1n });
      await runtime.removeContainer({ containerId: container.id });
      await runtime.removeContainer({ containerId: container.id });
      await expectCode(runtime.containerStatus({ containerId: container.id }), "NotFound");
      expect((await runtime.listContainers({ filter: { id: container.id } })).containers).toEqual([]);
    });

    it("lets a container that handles SIGTERM exit on its own within the stop timeout (exit 0, Completed)", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: EXIT_ON_TERM });
      // "started" is printed after the trap is set: from then on SIGTERM is handled.
      await waitForLogLines(container.logPath, (lines) => lines.some((line) => line.endsWith(" F started")));

      await runtime.stopContainer({ containerId: container.id, timeout: 30n });
      const { status } = await runtime.containerStatus({ containerId: container.id });
      expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
      expect(status?.exitCode).toBe(0);
      expect(status?.reason).toBe("Completed");
    });

    it("kills a container at once when stopped with timeout 0", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: EXIT_ON_TERM });
      await waitForLogLines(container.logPath, (lines) => lines.some((line) => line.endsWith(" F started")));

      await runtime.stopContainer({ containerId: container.id, timeout: 0n });
      const { status } = await runtime.containerStatus({ containerId: container.id });
      expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
      expect(status?.exitCode).toBe(SIGKILL_EXIT_CODE);
    });

    it("reports exit code, reason and times of containers that exit on their own", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const failing = await suite.workloads.startContainer(pod, { command: EXIT_3 });
      const succeeding = await suite.workloads.startContainer(pod, { command: EXIT_0 });

      // containerd stamps started_at when StartContainer returns, after the shim saw the process start: a
      // process that exits at once can carry a finished_at a little before its started_at. Only the
      // creation time is a sure lower bound. (The fake's times have millisecond resolution: equal is fine.)
      const failed = await waitForContainerState(runtime, failing.id, ContainerState.CONTAINER_EXITED);
      expect(failed.exitCode).toBe(3);
      expect(failed.reason).toBe("Error");
      expect(failed.startedAt).toBeGreaterThanOrEqual(failed.createdAt);
      expect(failed.finishedAt).toBeGreaterThanOrEqual(failed.createdAt);

      const succeeded = await waitForContainerState(runtime, succeeding.id, ContainerState.CONTAINER_EXITED);
      expect(succeeded.exitCode).toBe(0);
      expect(succeeded.reason).toBe("Completed");
      expect(succeeded.startedAt).toBeGreaterThanOrEqual(succeeded.createdAt);
      expect(succeeded.finishedAt).toBeGreaterThanOrEqual(succeeded.createdAt);

      const exited = await runtime.listContainers({
        filter: { podSandboxId: pod.id, state: { state: ContainerState.CONTAINER_EXITED } },
      });
      expect(exited.containers.map((c) => c.id).sort()).toEqual([failing.id, succeeding.id].sort());
    });

    it("removes a running container, stopping it first", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });
      await runtime.removeContainer({ containerId: container.id });
      await expectCode(runtime.containerStatus({ containerId: container.id }), "NotFound");
      expect((await runtime.listContainers({ filter: { podSandboxId: pod.id } })).containers).toEqual([]);
    });

    it("removes a sandbox's containers with it", async () => {
      const { runtime } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      const container = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });
      await runtime.stopPodSandbox({ podSandboxId: pod.id });
      const { status } = await runtime.containerStatus({ containerId: container.id });
      expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
      await runtime.removePodSandbox({ podSandboxId: pod.id });
      await expectCode(runtime.containerStatus({ containerId: container.id }), "NotFound");
    });

    it("answers errors as containerd does for calls a container's state does not allow", async () => {
      const { runtime, missingImage } = suite.target;
      const pod = await suite.workloads.runPod({ network: "node" });
      await expectCode(
        suite.workloads.createContainer(pod, { command: RUN_FOREVER, image: missingImage }),
        "NotFound",
      );

      const created = await suite.workloads.createContainer(pod, { command: EXIT_3 });
      await expectCode(
        runtime.execSync({ containerId: created.id, cmd: [...EXEC_ECHO], timeout: 10n }),
        "Unknown",
      );
      // The kubelet never reuses a name: a new attempt gets a new one. The runtime refuses a duplicate.
      await expectCode(
        suite.workloads.createContainer(pod, { command: EXIT_3, name: created.name }),
        "Unknown",
      );

      await runtime.startContainer({ containerId: created.id });
      await waitForContainerState(runtime, created.id, ContainerState.CONTAINER_EXITED);
      await expectCode(runtime.startContainer({ containerId: created.id }), "Unknown");
      await expectCode(
        runtime.execSync({ containerId: created.id, cmd: [...EXEC_ECHO], timeout: 10n }),
        "Unknown",
      );
      await expectCode(runtime.reopenContainerLog({ containerId: created.id }), "Unknown");

      const running = await suite.workloads.startContainer(pod, { command: RUN_FOREVER });
      await expectCode(
        runtime.execSync({ containerId: running.id, cmd: [...EXEC_SLOW], timeout: 1n }),
        "DeadlineExceeded",
      );

      await runtime.stopPodSandbox({ podSandboxId: pod.id });
      await expectCode(suite.workloads.createContainer(pod, { command: RUN_FOREVER }), "NotFound");
    });

    it("answers NotFound for an unknown container and removes it without error", async () => {
      const { runtime } = suite.target;
      await expectCode(runtime.containerStatus({ containerId: UNKNOWN_ID }), "NotFound");
      await expectCode(runtime.startContainer({ containerId: UNKNOWN_ID }), "NotFound");
      await expectCode(runtime.stopContainer({ containerId: UNKNOWN_ID, timeout: 1n }), "NotFound");
      await expectCode(runtime.containerStats({ containerId: UNKNOWN_ID }), "NotFound");
      await expectCode(
        runtime.execSync({ containerId: UNKNOWN_ID, cmd: [...EXEC_ECHO], timeout: 10n }),
        "NotFound",
      );
      await runtime.removeContainer({ containerId: UNKNOWN_ID });
      expect((await runtime.listContainers({ filter: { id: UNKNOWN_ID } })).containers).toEqual([]);
    });
  });
}
