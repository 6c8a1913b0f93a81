import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import { ContainerState, NamespaceMode } from "@kubelet-kit/cri-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRuntimeService, type RuntimeServiceClient } from "../client.js";
import { rejection } from "./fake-runtime.test-helpers.js";
import { type ContainerBehaviourRule, createFakeRuntime, type FakeRuntime } from "./index.js";

const T0 = 1_700_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

describe("fake runtime: containers", () => {
  let clock: FakeClock;
  let fake: FakeRuntime;
  let runtime: RuntimeServiceClient;
  let logRoot: string;

  const setup = (behaviours: ContainerBehaviourRule[] = []) => {
    fake = createFakeRuntime({ clock, behaviours });
    runtime = createRuntimeService({ transport: fake.transport });
  };

  const podConfig = (name = "pod") => ({
    metadata: { name, uid: `uid-${name}`, namespace: "ns", attempt: 0 },
    logDirectory: join(logRoot, `ns_${name}_uid-${name}`),
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  });

  const runPod = async (name = "pod") =>
    (await runtime.runPodSandbox({ config: podConfig(name) })).podSandboxId;

  const create = async (
    podSandboxId: string,
    options: {
      name?: string;
      command?: string[];
      image?: string;
      attempt?: number;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      pod?: string;
    } = {},
  ) => {
    const name = options.name ?? "app";
    const attempt = options.attempt ?? 0;
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      config: {
        metadata: { name, attempt },
        image: { image: options.image ?? "busybox" },
        command: options.command ?? ["sh", "-c", "sleep 3600"],
        labels: options.labels ?? {},
        annotations: options.annotations ?? {},
        logPath: `${name}/${attempt}.log`,
      },
      sandboxConfig: podConfig(options.pod),
    });
    return containerId;
  };
  const status = async (containerId: string) => (await runtime.containerStatus({ containerId })).status;

  beforeEach(async () => {
    clock = createFakeClock({ nowMs: T0 });
    logRoot = await mkdtemp(join(tmpdir(), "fake-cri-"));
    setup();
  });

  afterEach(async () => {
    fake.close();
    await rm(logRoot, { recursive: true, force: true });
  });

  describe("lifecycle", () => {
    it("creates a container CREATED, starts it RUNNING and reports the clock's times", async () => {
      const pod = await runPod();
      const id = await create(pod);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(await status(id)).toMatchObject({
        state: ContainerState.CONTAINER_CREATED,
        createdAt: ns(T0),
        startedAt: 0n,
      });
      clock.advance(250);
      await runtime.startContainer({ containerId: id });
      expect(await status(id)).toMatchObject({
        state: ContainerState.CONTAINER_RUNNING,
        startedAt: ns(T0 + 250),
      });
    });

    it("refuses to start a container that is not CREATED", async () => {
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      const err = await rejection(runtime.startContainer({ containerId: id }));
      expect(err.code).toBe("Unknown");
      expect(err.rawMessage).toBe(
        `failed to set starting state for container "${id}": container is in CONTAINER_RUNNING state`,
      );
    });

    it("needs a READY sandbox and a present image, and reserves names per sandbox and attempt", async () => {
      const pod = await runPod();
      const missing = await rejection(create(pod, { image: "docker.io/library/nope:1" }));
      expect(missing).toMatchObject({
        code: "NotFound",
        rawMessage: 'failed to resolve image "docker.io/library/nope:1": not found',
      });

      const first = await create(pod);
      const dup = await rejection(create(pod));
      expect(dup.code).toBe("Unknown");
      expect(dup.rawMessage).toBe(
        `failed to reserve container name "app_pod_ns_uid-pod_0": name "app_pod_ns_uid-pod_0" is reserved for "${first}"`,
      );
      await create(pod, { attempt: 1 });
      await runtime.removeContainer({ containerId: first });
      await create(pod);

      const unknownPod = await rejection(create("f".repeat(64)));
      expect(unknownPod).toMatchObject({
        code: "NotFound",
        rawMessage: `failed to find sandbox id "${"f".repeat(64)}": not found`,
      });

      await runtime.stopPodSandbox({ podSandboxId: pod });
      expect((await rejection(create(pod, { name: "late" }))).code).toBe("NotFound");
    });

    it("stops on SIGTERM with exit code 143 by default", async () => {
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      clock.advance(1000);
      await runtime.stopContainer({ containerId: id, timeout: 30n });
      expect(await status(id)).toMatchObject({
        state: ContainerState.CONTAINER_EXITED,
        exitCode: 143,
        reason: "Error",
        finishedAt: ns(T0 + 1000),
      });
    });

    it("waits out the grace period on the clock for a process that ignores SIGTERM, then SIGKILLs it (137)", async () => {
      setup([{ command: "sh -c sleep 3600", behaviour: { ignoreSigterm: true } }]);
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      let stopped = false;
      const stop = runtime.stopContainer({ containerId: id, timeout: 10n }).then(() => {
        stopped = true;
      });
      await clock.advanceAsync(9_999);
      expect(stopped).toBe(false);
      expect((await status(id))?.state).toBe(ContainerState.CONTAINER_RUNNING);
      await clock.advanceAsync(1);
      await stop;
      expect(await status(id)).toMatchObject({ exitCode: 137, reason: "Error", finishedAt: ns(T0 + 10_000) });
    });

    it("lets a SIGTERM handler exit cleanly after a delay", async () => {
      setup([{ name: "app", behaviour: { sigtermExitCode: 0, sigtermExitAfterMs: 800 } }]);
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      const stop = runtime.stopContainer({ containerId: id, timeout: 30n });
      await clock.advanceAsync(800);
      await stop;
      expect(await status(id)).toMatchObject({ exitCode: 0, reason: "Completed", finishedAt: ns(T0 + 800) });
    });

    it("kills at once with timeout 0, stops exited and created containers without error, and answers NotFound for unknown ones as containerd 1.6.20", async () => {
      setup([{ name: "app", behaviour: { ignoreSigterm: true } }]);
      const pod = await runPod();
      const id = await create(pod);
      const idle = await create(pod, { name: "idle" });
      await runtime.startContainer({ containerId: id });
      await runtime.stopContainer({ containerId: id, timeout: 0n });
      expect((await status(id))?.exitCode).toBe(137);
      await runtime.stopContainer({ containerId: id, timeout: 10n });
      await runtime.stopContainer({ containerId: idle, timeout: 10n });
      expect((await status(idle))?.state).toBe(ContainerState.CONTAINER_CREATED);
      const unknown = await rejection(runtime.stopContainer({ containerId: "f".repeat(64), timeout: 10n }));
      expect(unknown).toMatchObject({
        code: "NotFound",
        rawMessage: `an error occurred when try to find container "${"f".repeat(64)}": not found`,
      });
    });

    it("removes a running container (forcibly), and removes unknown ids without error", async () => {
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      await runtime.removeContainer({ containerId: id });
      await runtime.removeContainer({ containerId: id });
      const err = await rejection(runtime.containerStatus({ containerId: id }));
      expect(err).toMatchObject({
        code: "NotFound",
        rawMessage: `an error occurred when try to find container "${id}": not found`,
      });
    });

    it("reports image as the image's tag and image_ref as its id for an imported image", async () => {
      const id = await create(await runPod(), { image: "busybox" });
      const imageId = fake
        .images()
        .find((image) => image.repoTags.includes("docker.io/library/busybox:latest"))?.id;
      const st = await status(id);
      expect(st?.image?.image).toBe("docker.io/library/busybox:latest");
      expect(st?.imageRef).toBe(imageId);
      const listed = (await runtime.listContainers({})).containers[0];
      expect(listed?.image?.image).toBe("busybox");
      expect(listed?.imageRef).toBe(imageId);
    });

    it("lists containers by id prefix, state, sandbox (prefix too) and labels", async () => {
      const podA = await runPod("a");
      const podB = await runPod("b");
      const a1 = await create(podA, { name: "one", labels: { role: "web" }, pod: "a" });
      const a2 = await create(podA, { name: "two", labels: { role: "db" }, pod: "a" });
      const b1 = await create(podB, { name: "one", labels: { role: "web" }, pod: "b" });
      await runtime.startContainer({ containerId: a1 });
      const ids = async (filter: Parameters<RuntimeServiceClient["listContainers"]>[0]) =>
        (await runtime.listContainers(filter)).containers.map((c) => c.id).sort();
      expect(await ids({ filter: { id: a2.slice(0, 10) } })).toEqual([a2]);
      expect(await ids({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } })).toEqual([a1]);
      expect(await ids({ filter: { podSandboxId: podA.slice(0, 8) } })).toEqual([a1, a2].sort());
      expect(await ids({ filter: { labelSelector: { role: "web" } } })).toEqual([a1, b1].sort());
      expect(await ids({ filter: { podSandboxId: podB, labelSelector: { role: "web" } } })).toEqual([b1]);
    });
  });

  describe("scripted behaviour", () => {
    it("exits with the scripted code after the scripted time, with finished_at from the clock", async () => {
      setup([{ command: ["sh", "-c", "exit 3"], behaviour: { kind: "exit", code: 3, afterMs: 5000 } }]);
      const id = await create(await runPod(), { command: ["sh", "-c", "exit 3"] });
      await runtime.startContainer({ containerId: id });
      clock.advance(4999);
      expect((await status(id))?.state).toBe(ContainerState.CONTAINER_RUNNING);
      clock.advance(1);
      expect(await status(id)).toMatchObject({
        state: ContainerState.CONTAINER_EXITED,
        exitCode: 3,
        reason: "Error",
        finishedAt: ns(T0 + 5000),
      });
    });

    it("completes at once with exit 0 and reason Completed", async () => {
      setup([{ command: "sh -c exit 0", behaviour: { kind: "exit", code: 0 } }]);
      const id = await create(await runPod(), { command: ["sh", "-c", "exit 0"] });
      await runtime.startContainer({ containerId: id });
      expect(await status(id)).toMatchObject({
        state: ContainerState.CONTAINER_EXITED,
        exitCode: 0,
        reason: "Completed",
      });
    });

    it("fails StartContainer as runc does and leaves the container EXITED with 128 / StartError", async () => {
      setup([
        {
          image: "docker.io/library/busybox:latest",
          behaviour: { kind: "crash-on-start", message: 'exec: "nope": executable file not found in $PATH' },
        },
      ]);
      const id = await create(await runPod());
      const err = await rejection(runtime.startContainer({ containerId: id }));
      expect(err.code).toBe("Unknown");
      expect(err.rawMessage).toBe(
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
      );
      expect(await status(id)).toMatchObject({
        state: ContainerState.CONTAINER_EXITED,
        exitCode: 128,
        reason: "StartError",
        message: err.rawMessage,
        startedAt: 0n,
      });
    });

    it("OOM-kills after the scripted time with 137 / OOMKilled", async () => {
      setup([{ name: "app", behaviour: { oomKillAfterMs: 2000 } }]);
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      clock.advance(2000);
      expect(await status(id)).toMatchObject({
        exitCode: 137,
        reason: "OOMKilled",
        finishedAt: ns(T0 + 2000),
      });
    });

    it("takes a JSON behaviour from the container annotation, or from the pod's per-container annotation", async () => {
      const pod = await runPod();
      const viaContainer = await create(pod, {
        annotations: {
          "kubelet-kit.dev/fake-behaviour": JSON.stringify({ kind: "exit", code: 9, afterMs: 100 }),
        },
      });
      await runtime.startContainer({ containerId: viaContainer });
      clock.advance(100);
      expect((await status(viaContainer))?.exitCode).toBe(9);

      const annotated = await runtime.runPodSandbox({
        config: {
          ...podConfig("annotated"),
          annotations: { "kubelet-kit.dev/fake-behaviour.worker": '{"kind":"exit","code":4}' },
        },
      });
      const viaPod = await create(annotated.podSandboxId, { name: "worker", pod: "annotated" });
      await runtime.startContainer({ containerId: viaPod });
      expect((await status(viaPod))?.exitCode).toBe(4);

      const bad = await rejection(
        create(pod, { name: "bad", annotations: { "kubelet-kit.dev/fake-behaviour": "{nope" } }),
      );
      expect(bad.code).toBe("InvalidArgument");
    });

    it("lets a test end, OOM-kill and inspect a container through its handle", async () => {
      const pod = await runPod();
      const id = await create(pod);
      await runtime.startContainer({ containerId: id });
      clock.advance(10);
      fake.container({ name: "app" }).exit(2);
      expect(await status(id)).toMatchObject({ exitCode: 2, reason: "Error", finishedAt: ns(T0 + 10) });
      expect(() => fake.container(id).oomKill()).toThrow(/CONTAINER_EXITED/);

      const second = await create(pod, { attempt: 1 });
      await runtime.startContainer({ containerId: second });
      const handle = fake.container({ name: "app", podName: "pod" });
      expect(handle.id).toBe(second);
      handle.oomKill();
      expect(handle.state()).toMatchObject({
        state: ContainerState.CONTAINER_EXITED,
        exitCode: 137,
        reason: "OOMKilled",
      });
    });
  });

  describe("logs", () => {
    it("writes scripted lines in CRI format to <log_directory>/<log_path>, on the clock", async () => {
      setup([
        {
          name: "app",
          behaviour: {
            logs: [
              { line: "started" },
              { line: "complaint", stream: "stderr" },
              { line: "later", afterMs: 1500 },
            ],
          },
        },
      ]);
      const id = await create(await runPod());
      const logPath = join(podConfig().logDirectory, "app", "0.log");
      expect((await status(id))?.logPath).toBe(logPath);
      clock.advance(500);
      await runtime.startContainer({ containerId: id });
      expect(await readFile(logPath, "utf8")).toBe(
        "2023-11-14T22:13:20.5Z stdout F started\n2023-11-14T22:13:20.5Z stderr F complaint\n",
      );
      clock.advance(1500);
      fake.container(id).writeLog("stdout", "by hand");
      const lines = (await readFile(logPath, "utf8")).trimEnd().split("\n");
      expect(lines.slice(2)).toEqual([
        "2023-11-14T22:13:22Z stdout F later",
        "2023-11-14T22:13:22Z stdout F by hand",
      ]);
    });

    it("writes nothing after the process exited, and no file without a log directory", async () => {
      setup([
        {
          name: "app",
          behaviour: { kind: "exit", code: 0, afterMs: 100, logs: [{ line: "too late", afterMs: 200 }] },
        },
      ]);
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      clock.advance(1000);
      expect(await readFile((await status(id))?.logPath ?? "", "utf8")).toBe("");

      const bare = await runtime.runPodSandbox({
        config: { metadata: { name: "bare", uid: "u", namespace: "ns" } },
      });
      const { containerId } = await runtime.createContainer({
        podSandboxId: bare.podSandboxId,
        config: { metadata: { name: "x" }, image: { image: "busybox" }, logPath: "x/0.log" },
        sandboxConfig: { metadata: { name: "bare", uid: "u", namespace: "ns" } },
      });
      expect((await status(containerId))?.logPath).toBe("");
    });
  });

  describe("exec", () => {
    it("emulates echo, exit codes and stderr the way busybox answers them", async () => {
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      const run = async (cmd: string[]) => {
        const answer = await runtime.execSync({ containerId: id, cmd, timeout: 5n });
        return {
          stdout: new TextDecoder().decode(answer.stdout),
          stderr: new TextDecoder().decode(answer.stderr),
          exitCode: answer.exitCode,
        };
      };
      expect(await run(["echo", "exec-ok"])).toEqual({ stdout: "exec-ok\n", stderr: "", exitCode: 0 });
      expect(await run(["sh", "-c", "exit 7"])).toEqual({ stdout: "", stderr: "", exitCode: 7 });
      expect(await run(["sh", "-c", "echo exec-err >&2; exit 2"])).toEqual({
        stdout: "",
        stderr: "exec-err\n",
        exitCode: 2,
      });
      expect(await run(["cat", "/tmp/healthy"])).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    });

    it("answers scripted exec rules by argv prefix, with their delay on the clock", async () => {
      setup([
        {
          name: "app",
          behaviour: {
            exec: [
              {
                match: ["cat", "/tmp/healthy"],
                exitCode: 1,
                stderr: "cat: can't open '/tmp/healthy'\n",
                delayMs: 300,
              },
            ],
          },
        },
      ]);
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      const pending = runtime.execSync({ containerId: id, cmd: ["cat", "/tmp/healthy"], timeout: 1n });
      await clock.advanceAsync(300);
      const answer = await pending;
      expect(answer.exitCode).toBe(1);
      expect(new TextDecoder().decode(answer.stderr)).toBe("cat: can't open '/tmp/healthy'\n");
    });

    it("fails an exec that outlives its timeout with DeadlineExceeded, as containerd does", async () => {
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      const pending = rejection(runtime.execSync({ containerId: id, cmd: ["sleep", "10"], timeout: 2n }));
      await clock.advanceAsync(2000);
      const err = await pending;
      expect(err.code).toBe("DeadlineExceeded");
      expect(err.rawMessage).toBe(
        "failed to exec in container: timeout 2s exceeded: context deadline exceeded",
      );
    });

    it("refuses to exec in a container that is not running", async () => {
      const id = await create(await runPod());
      const err = await rejection(runtime.execSync({ containerId: id, cmd: ["true"], timeout: 1n }));
      expect(err).toMatchObject({
        code: "Unknown",
        rawMessage: "failed to exec in container: container is in CONTAINER_CREATED state",
      });
      const unknown = await rejection(runtime.execSync({ containerId: "f".repeat(64), cmd: ["true"] }));
      expect(unknown.code).toBe("NotFound");
    });

    it("answers Exec and Attach with a streaming URL", async () => {
      const id = await create(await runPod());
      await runtime.startContainer({ containerId: id });
      expect((await runtime.exec({ containerId: id, cmd: ["sh"], stdout: true })).url).toMatch(
        /^http:\/\/127\.0\.0\.1:0\/exec\//,
      );
      expect((await runtime.attach({ containerId: id, stdout: true })).url).toMatch(/\/attach\//);
      expect((await rejection(runtime.exec({ containerId: id, cmd: ["sh"] }))).code).toBe("InvalidArgument");
    });
  });

  describe("stats", () => {
    it("reports scripted stats, handle overrides, and defaults that grow with running time", async () => {
      setup([{ name: "app", behaviour: { stats: { memoryWorkingSetBytes: 5_000_000 } } }]);
      const pod = await runPod();
      const id = await create(pod);
      await runtime.startContainer({ containerId: id });
      clock.advance(2000);
      const { stats } = await runtime.containerStats({ containerId: id });
      expect(stats?.memory?.workingSetBytes?.value).toBe(5_000_000n);
      expect(stats?.cpu?.usageCoreNanoSeconds?.value).toBe(20_000_000n);
      expect(stats?.cpu?.timestamp).toBe(ns(T0 + 2000));
      expect(stats?.attributes?.id).toBe(id);

      fake.container(id).setStats({ cpuUsageCoreNanoSeconds: 123n });
      expect(
        (await runtime.listContainerStats({})).stats.map((s) => s.cpu?.usageCoreNanoSeconds?.value),
      ).toEqual([123n]);
      const podStats = (await runtime.podSandboxStats({ podSandboxId: pod })).stats;
      expect(podStats?.linux?.containers).toHaveLength(1);
      expect(podStats?.linux?.memory?.workingSetBytes?.value).toBe(5_000_000n);
    });

    it("lists every container's stats, with CPU and memory only for running ones; asked alone, others fail", async () => {
      const pod = await runPod();
      const running = await create(pod, { name: "running" });
      const created = await create(pod, { name: "created" });
      await runtime.startContainer({ containerId: running });
      const listed = (await runtime.listContainerStats({ filter: { podSandboxId: pod } })).stats;
      expect(listed.map((s) => [s.attributes?.id, s.cpu !== undefined, s.memory !== undefined])).toEqual([
        [running, true, true],
        [created, false, false],
      ]);
      expect(listed[1]?.writableLayer?.usedBytes?.value).toBeGreaterThan(0n);
      const err = await rejection(runtime.containerStats({ containerId: created }));
      expect(err).toMatchObject({ code: "Unknown", rawMessage: "unexpected metrics response: []" });
    });
  });
});
