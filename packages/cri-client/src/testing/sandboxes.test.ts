import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import { ContainerState, NamespaceMode, PodSandboxState } from "@kubelet-kit/cri-api";
import { beforeEach, describe, expect, it } from "vitest";
import { createRuntimeService, type RuntimeServiceClient } from "../client.js";
import { rejection } from "./fake-runtime.test-helpers.js";
import { createFakeRuntime, type FakeRuntime } from "./index.js";

const podConfig = (
  name: string,
  options: { hostNetwork?: boolean; labels?: Record<string, string> } = {},
) => ({
  metadata: { name, uid: `uid-${name}`, namespace: "default", attempt: 0 },
  labels: options.labels ?? {},
  annotations: { note: name },
  linux: {
    securityContext: {
      namespaceOptions: { network: options.hostNetwork === true ? NamespaceMode.NODE : NamespaceMode.POD },
    },
  },
});

describe("fake runtime: pod sandboxes", () => {
  let clock: FakeClock;
  let fake: FakeRuntime;
  let runtime: RuntimeServiceClient;

  beforeEach(() => {
    clock = createFakeClock({ nowMs: 1_700_000_000_000 });
    fake = createFakeRuntime({ clock });
    runtime = createRuntimeService({ transport: fake.transport });
  });

  it("runs a sandbox READY with a 64-hex id, its metadata, labels and the clock's creation time", async () => {
    const { podSandboxId } = await runtime.runPodSandbox({
      config: podConfig("web", { labels: { app: "web" } }),
    });
    expect(podSandboxId).toMatch(/^[0-9a-f]{64}$/);
    const { status } = await runtime.podSandboxStatus({ podSandboxId });
    expect(status?.state).toBe(PodSandboxState.SANDBOX_READY);
    expect(status?.metadata).toMatchObject({ name: "web", uid: "uid-web", namespace: "default", attempt: 0 });
    expect(status?.createdAt).toBe(1_700_000_000_000_000_000n);
    expect(status?.labels).toEqual({ app: "web" });
    expect(status?.annotations).toEqual({ note: "web" });
    expect(status?.linux?.namespaces?.options?.network).toBe(NamespaceMode.POD);
  });

  it("gives pod-network sandboxes distinct 10.88 addresses and host-network ones none", async () => {
    const a = await runtime.runPodSandbox({ config: podConfig("a") });
    const b = await runtime.runPodSandbox({ config: podConfig("b") });
    const host = await runtime.runPodSandbox({ config: podConfig("h", { hostNetwork: true }) });
    const ip = async (id: string) =>
      (await runtime.podSandboxStatus({ podSandboxId: id })).status?.network?.ip;
    expect(await ip(a.podSandboxId)).toMatch(/^10\.88\.\d+\.\d+$/);
    expect(await ip(a.podSandboxId)).not.toBe(await ip(b.podSandboxId));
    expect(await ip(host.podSandboxId)).toBe("");
  });

  it("refuses a second sandbox with the same name and attempt, as containerd's name registrar does", async () => {
    const { podSandboxId } = await runtime.runPodSandbox({ config: podConfig("dup") });
    const err = await rejection(runtime.runPodSandbox({ config: podConfig("dup") }));
    expect(err.code).toBe("Unknown");
    expect(err.rawMessage).toBe(
      `failed to reserve sandbox name "dup_default_uid-dup_0": name "dup_default_uid-dup_0" is reserved for "${podSandboxId}"`,
    );
    await runtime.removePodSandbox({ podSandboxId });
    await runtime.runPodSandbox({ config: podConfig("dup") });
  });

  it("rejects a sandbox without metadata and an unknown runtime handler", async () => {
    expect((await rejection(runtime.runPodSandbox({ config: {} }))).rawMessage).toBe(
      "sandbox config must include metadata",
    );
    const err = await rejection(runtime.runPodSandbox({ config: podConfig("x"), runtimeHandler: "kata" }));
    expect(err.rawMessage).toBe('failed to get sandbox runtime: no runtime for "kata" is configured');
    await runtime.runPodSandbox({ config: podConfig("y"), runtimeHandler: "runc" });
  });

  it("stops a sandbox NOTREADY, SIGKILLs its running containers, keeps created ones, and stops again without error", async () => {
    const { podSandboxId } = await runtime.runPodSandbox({ config: podConfig("stop") });
    const create = (name: string) =>
      runtime.createContainer({
        podSandboxId,
        config: { metadata: { name }, image: { image: "busybox" } },
        sandboxConfig: podConfig("stop"),
      });
    const running = await create("running");
    const created = await create("created");
    await runtime.startContainer({ containerId: running.containerId });
    clock.advance(1000);

    await runtime.stopPodSandbox({ podSandboxId });
    const { status } = await runtime.podSandboxStatus({ podSandboxId });
    expect(status?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
    expect(status?.network?.ip).toBe("");
    const killed = (await runtime.containerStatus({ containerId: running.containerId })).status;
    expect(killed).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137, reason: "Error" });
    expect(killed?.finishedAt).toBe(1_700_000_001_000_000_000n);
    const untouched = (await runtime.containerStatus({ containerId: created.containerId })).status;
    expect(untouched?.state).toBe(ContainerState.CONTAINER_CREATED);

    await runtime.stopPodSandbox({ podSandboxId });
  });

  it("answers NotFound with containerd's wording for the status and the stop of an unknown sandbox", async () => {
    const unknown = `${"0".repeat(63)}1`;
    const status = await rejection(runtime.podSandboxStatus({ podSandboxId: unknown }));
    expect(status.code).toBe("NotFound");
    expect(status.rawMessage).toBe("an error occurred when try to find sandbox: not found");
    const stop = await rejection(runtime.stopPodSandbox({ podSandboxId: unknown }));
    expect(stop.code).toBe("NotFound");
    expect(stop.rawMessage).toBe(`an error occurred when try to find sandbox "${unknown}": not found`);
  });

  it("removes a running sandbox with its containers, and removes unknown ids without error", async () => {
    const { podSandboxId } = await runtime.runPodSandbox({ config: podConfig("rm") });
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "c" }, image: { image: "busybox" } },
      sandboxConfig: podConfig("rm"),
    });
    await runtime.startContainer({ containerId });
    await runtime.removePodSandbox({ podSandboxId });
    await runtime.removePodSandbox({ podSandboxId });
    await runtime.removePodSandbox({ podSandboxId: "f".repeat(64) });
    expect(fake.sandboxes()).toEqual([]);
    expect(fake.containers()).toEqual([]);
    expect((await rejection(runtime.containerStatus({ containerId }))).code).toBe("NotFound");
  });

  it("treats an empty id as containerd does: an Unknown error, even for the idempotent remove", async () => {
    const err = await rejection(runtime.removePodSandbox({ podSandboxId: "" }));
    expect(err.code).toBe("Unknown");
    expect(err.rawMessage).toContain("Prefix can't be empty");
  });

  it("lists sandboxes by exact id, unique id prefix, state and every selector label", async () => {
    const a = await runtime.runPodSandbox({ config: podConfig("a", { labels: { app: "x", tier: "1" } }) });
    const b = await runtime.runPodSandbox({ config: podConfig("b", { labels: { app: "x", tier: "2" } }) });
    await runtime.stopPodSandbox({ podSandboxId: b.podSandboxId });
    const ids = async (filter: Parameters<RuntimeServiceClient["listPodSandbox"]>[0]) =>
      (await runtime.listPodSandbox(filter)).items.map((item) => item.id).sort();

    expect(await ids({})).toEqual([a.podSandboxId, b.podSandboxId].sort());
    expect(await ids({ filter: { id: a.podSandboxId } })).toEqual([a.podSandboxId]);
    expect(await ids({ filter: { id: a.podSandboxId.slice(0, 12) } })).toEqual([a.podSandboxId]);
    expect(await ids({ filter: { id: "f".repeat(64) } })).toEqual([]);
    expect(await ids({ filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } })).toEqual([
      b.podSandboxId,
    ]);
    expect(await ids({ filter: { labelSelector: { app: "x" } } })).toEqual(
      [a.podSandboxId, b.podSandboxId].sort(),
    );
    expect(await ids({ filter: { labelSelector: { app: "x", tier: "1" } } })).toEqual([a.podSandboxId]);
    expect(await ids({ filter: { labelSelector: { app: "y" } } })).toEqual([]);
  });

  it("reports verbose info and, with container events on, the containers and a timestamp", async () => {
    const { podSandboxId } = await runtime.runPodSandbox({ config: podConfig("v") });
    const answer = await runtime.podSandboxStatus({ podSandboxId, verbose: true });
    expect(JSON.parse(answer.info.info ?? "{}")).toMatchObject({
      processStatus: "running",
      runtimeType: "io.containerd.runc.v2",
    });
    expect(answer.timestamp).toBe(1_700_000_000_000_000_000n);

    const legacy = createFakeRuntime({ clock, containerEvents: false });
    const old = createRuntimeService({ transport: legacy.transport });
    const id = (await old.runPodSandbox({ config: podConfig("v") })).podSandboxId;
    const plain = await old.podSandboxStatus({ podSandboxId: id });
    expect(plain.timestamp).toBe(0n);
    expect(plain.info).toEqual({});
  });

  it("answers PortForward with a streaming URL for a READY sandbox", async () => {
    const { podSandboxId } = await runtime.runPodSandbox({ config: podConfig("pf") });
    const { url } = await runtime.portForward({ podSandboxId, port: [80] });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:0\/portforward\/[\w-]+$/);
    await runtime.stopPodSandbox({ podSandboxId });
    expect((await rejection(runtime.portForward({ podSandboxId, port: [80] }))).rawMessage).toBe(
      "sandbox container is not running",
    );
  });
});
