import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock } from "@kubelet-kit/core";
import {
  ContainerEventType,
  ContainerState,
  NamespaceMode,
  PodSandboxState,
  type VersionRequest,
} from "@kubelet-kit/cri-api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createImageService, createRuntimeService } from "../client.js";
import type { HandlerContext } from "../types.js";
import { runCli } from "./cli.js";
import { createFakeRuntime, type FakeRuntime, serveFakeRuntime } from "./index.js";

const pod = {
  metadata: { name: "sock", uid: "u-sock", namespace: "ns" },
  linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
};

describe("fake runtime over a real gRPC socket", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fake-cri-sock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves both services to the gRPC client: lifecycle, images, error codes and the event stream", async () => {
    const served = await serveFakeRuntime({
      socketPath: join(dir, "cri.sock"),
      runtime: { behaviours: [{ name: "job", behaviour: { kind: "exit", code: 5, afterMs: 50 } }] },
    });
    const runtime = createRuntimeService({ endpoint: served.endpoint, timeoutMs: 10_000 });
    const images = createImageService({ endpoint: served.endpoint, timeoutMs: 10_000 });
    try {
      expect(served.endpoint).toBe(`unix://${join(dir, "cri.sock")}`);
      expect((await runtime.version({ version: "0.1.0" })).runtimeName).toBe("fake-runtime");
      expect((await images.listImages({})).images).toHaveLength(2);
      await expect(runtime.containerStatus({ containerId: "nope" })).rejects.toMatchObject({
        code: "NotFound",
        rawMessage: 'an error occurred when try to find container "nope": not found',
      });

      const controller = new AbortController();
      const events = runtime.getContainerEvents({}, { signal: controller.signal })[Symbol.asyncIterator]();
      const firstEvent = events.next();
      await vi.waitFor(() => expect(served.runtime.callsTo("GetContainerEvents")).toHaveLength(1));

      const { podSandboxId } = await runtime.runPodSandbox({ config: pod });
      expect((await firstEvent).value?.containerEventType).toBe(ContainerEventType.CONTAINER_STARTED_EVENT);
      const { containerId } = await runtime.createContainer({
        podSandboxId,
        config: { metadata: { name: "job" }, image: { image: "busybox" } },
        sandboxConfig: pod,
      });
      await runtime.startContainer({ containerId });
      await vi.waitFor(async () => {
        const { status } = await runtime.containerStatus({ containerId });
        expect(status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 5 });
      });
      controller.abort();
      await expect(events.next()).rejects.toMatchObject({ code: "Canceled" });
    } finally {
      runtime.close();
      images.close();
      await served.close();
    }
    expect(existsSync(served.socketPath)).toBe(false);
  });

  it("replaces a stale socket, refuses to replace any other file, and can serve one runtime again after a restart", async () => {
    const socketPath = join(dir, "stale.sock");
    const child = spawn(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(socketPath)})`,
    ]);
    try {
      await vi.waitFor(() => expect(existsSync(socketPath)).toBe(true), { timeout: 10_000 });
    } finally {
      child.kill("SIGKILL");
    }
    const runtime = createFakeRuntime();
    const first = await serveFakeRuntime({ socketPath, runtime });
    const client = createRuntimeService({ endpoint: first.endpoint, timeoutMs: 10_000 });
    const { podSandboxId } = await client.runPodSandbox({ config: pod });
    client.close();
    await first.close();

    const second = await serveFakeRuntime({ socketPath, runtime });
    const again = createRuntimeService({ endpoint: second.endpoint, timeoutMs: 10_000 });
    expect((await again.listPodSandbox({})).items.map((item) => item.id)).toEqual([podSandboxId]);
    again.close();
    await second.close();

    const file = join(dir, "plain-file");
    await writeFile(file, "not a socket");
    await expect(serveFakeRuntime({ socketPath: file })).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});

describe("served lists", () => {
  it("show every state change of sandboxes and containers (list items are re-encoded per state)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-cri-lists-"));
    const fake = createFakeRuntime({ clock: createFakeClock() });
    const served = await serveFakeRuntime({ socketPath: join(dir, "cri.sock"), runtime: fake });
    const client = createRuntimeService({ endpoint: served.endpoint, timeoutMs: 10_000 });
    try {
      const states = async () => ({
        sandboxes: (await client.listPodSandbox({})).items.map((item) => item.state),
        containers: (await client.listContainers({})).containers.map((item) => item.state),
      });
      const { podSandboxId } = await client.runPodSandbox({ config: pod });
      const { containerId } = await client.createContainer({
        podSandboxId,
        config: { metadata: { name: "app" }, image: { image: "busybox" } },
        sandboxConfig: pod,
      });
      expect(await states()).toEqual({
        sandboxes: [PodSandboxState.SANDBOX_READY],
        containers: [ContainerState.CONTAINER_CREATED],
      });
      await client.startContainer({ containerId });
      expect((await states()).containers).toEqual([ContainerState.CONTAINER_RUNNING]);
      await client.stopPodSandbox({ podSandboxId });
      expect(await states()).toEqual({
        sandboxes: [PodSandboxState.SANDBOX_NOTREADY],
        containers: [ContainerState.CONTAINER_EXITED],
      });
      // The same answers as the in-memory transport gives (which encodes with protobuf-es).
      const direct = createRuntimeService({ transport: fake.transport });
      expect(await client.listContainers({})).toEqual(await direct.listContainers({}));
      expect(await client.listPodSandbox({})).toEqual(await direct.listPodSandbox({}));
      direct.close();
    } finally {
      client.close();
      await served.close();
      fake.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("served calls' context", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fake-cri-ctx-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("aborts a running handler's signal when the client cancels, and leaves a finished call's alone", async () => {
    const clock = createFakeClock();
    const fake = createFakeRuntime({
      clock,
      behaviours: [{ name: "stubborn", behaviour: { ignoreSigterm: true } }],
    });
    const seen: HandlerContext[] = [];
    const runtime = {
      ...fake,
      runtimeHandlers: {
        ...fake.runtimeHandlers,
        version: (request: VersionRequest, ctx: HandlerContext) => {
          seen.push(ctx);
          return fake.runtimeHandlers.version?.(request, ctx) ?? {};
        },
      },
    } as FakeRuntime;
    const served = await serveFakeRuntime({ socketPath: join(dir, "cri.sock"), runtime });
    const client = createRuntimeService({ endpoint: served.endpoint, timeoutMs: 10_000 });
    try {
      await client.version({}, { headers: { "x-test": "yes" } });
      expect(seen[0]?.headers["x-test"]).toBe("yes");
      await client.version({});
      // grpc-js reports the closed stream of every finished call as a cancel: it must not reach the handler.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen.map((ctx) => ctx.signal.aborted)).toEqual([false, false]);

      const { podSandboxId } = await client.runPodSandbox({ config: pod });
      const { containerId } = await client.createContainer({
        podSandboxId,
        config: { metadata: { name: "stubborn" }, image: { image: "busybox" } },
        sandboxConfig: pod,
      });
      await client.startContainer({ containerId });
      const controller = new AbortController();
      // SIGTERM is ignored: the stop waits out its 30 s on the fake clock, until the client gives up.
      const stop = client.stopContainer({ containerId, timeout: 30n }, { signal: controller.signal });
      await vi.waitFor(() => expect(fake.callsTo("StopContainer")).toHaveLength(1));
      controller.abort();
      await expect(stop).rejects.toMatchObject({ code: "Canceled" });
      await vi.waitFor(() =>
        expect(fake.callsTo("StopContainer")[0]?.error).toMatchObject({
          code: "Canceled",
          rawMessage: "StopContainer was canceled by the client",
        }),
      );
      expect(fake.container(containerId).state().state).toBe(ContainerState.CONTAINER_RUNNING);
    } finally {
      client.close();
      await served.close();
      fake.close();
    }
  });
});

describe("kubelet-kit-fake-cri", () => {
  it("serves until told to stop, printing the endpoint, then removes its socket", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-cri-cli-"));
    const socketPath = join(dir, "cli.sock");
    const behaviours = join(dir, "behaviours.json");
    await writeFile(behaviours, JSON.stringify([{ image: "busybox", behaviour: { kind: "exit", code: 1 } }]));
    const out: string[] = [];
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const exit = runCli(
      [
        "--socket",
        socketPath,
        "--image",
        "busybox",
        "--image",
        "app:1",
        "--behaviours",
        behaviours,
        "--pod-subnet",
        "127.202.0.0/24",
      ],
      {
        out: (line) => out.push(line),
        err: (line) => out.push(line),
        untilStopped: () => stopped,
      },
    );
    try {
      await vi.waitFor(() => expect(out).toContain(`listening on unix://${socketPath}`), { timeout: 10_000 });
      const images = createImageService({ endpoint: `unix://${socketPath}`, timeoutMs: 10_000 });
      const tags = (await images.listImages({})).images.flatMap((image) => image.repoTags);
      expect(tags).toEqual([
        "docker.io/library/busybox:latest",
        "docker.io/library/app:1",
        "registry.k8s.io/pause:3.10",
      ]);
      images.close();
      const runtime = createRuntimeService({ endpoint: `unix://${socketPath}`, timeoutMs: 10_000 });
      const { podSandboxId } = await runtime.runPodSandbox({ config: { metadata: pod.metadata } });
      expect((await runtime.podSandboxStatus({ podSandboxId })).status?.network?.ip).toBe("127.202.0.2");
      runtime.close();
    } finally {
      stop();
    }
    expect(await exit).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it("rejects unknown flags and a missing --socket with usage and exit code 2", async () => {
    const lines: string[] = [];
    const io = {
      out: (l: string) => lines.push(l),
      err: (l: string) => lines.push(l),
      untilStopped: async () => {},
    };
    expect(await runCli(["--sokcet", "/tmp/x.sock"], io)).toBe(2);
    expect(lines[0]).toMatch(/^kubelet-kit-fake-cri: .*--sokcet/);
    expect(lines.join("\n")).toContain("usage: kubelet-kit-fake-cri --socket PATH");
    lines.length = 0;
    expect(await runCli([], io)).toBe(2);
    expect(lines[0]).toBe("kubelet-kit-fake-cri: --socket PATH is required");
    expect(await runCli(["--behaviours", "/nonexistent/rules.json", "--socket", "/tmp/never.sock"], io)).toBe(
      1,
    );
    lines.length = 0;
    expect(await runCli(["--socket", "/tmp/never.sock", "--pod-subnet", "10.88.0.0"], io)).toBe(1);
    expect(lines[0]).toMatch(/^kubelet-kit-fake-cri: .*podSubnet: "10\.88\.0\.0" is not an IPv4 CIDR/);
  });
});
