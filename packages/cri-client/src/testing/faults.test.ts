import { createFakeClock, type FakeClock, KubeletKitError } from "@kubelet-kit/core";
import { ContainerEventType, NamespaceMode } from "@kubelet-kit/cri-api";
import { beforeEach, describe, expect, it } from "vitest";
import { createImageService, createRuntimeService, type RuntimeServiceClient } from "../client.js";
import { rejection } from "./fake-runtime.test-helpers.js";
import { CONTAINERD_1_6_UNIMPLEMENTED, createFakeRuntime, type FakeRuntime } from "./index.js";

const pod = (name: string) => ({
  metadata: { name, uid: `u-${name}`, namespace: "ns" },
  linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
});

describe("fake runtime: faults, outages and call recording", () => {
  let clock: FakeClock;
  let fake: FakeRuntime;
  let runtime: RuntimeServiceClient;

  beforeEach(() => {
    clock = createFakeClock({ nowMs: 5_000 });
    fake = createFakeRuntime({ clock });
    runtime = createRuntimeService({ transport: fake.transport });
  });

  it("records every call with its decoded request, time and error", async () => {
    await runtime.version({ version: "0.1.0" });
    clock.advance(10);
    await rejection(runtime.containerStatus({ containerId: "nope" }));
    expect(fake.calls.map((call) => [call.method, call.atMs, call.error?.code])).toEqual([
      ["Version", 5_000, undefined],
      ["ContainerStatus", 5_010, "NotFound"],
    ]);
    expect(fake.callsTo("Version")[0]?.request).toMatchObject({ version: "0.1.0" });
    fake.clearCalls();
    expect(fake.calls).toEqual([]);
  });

  it("fails only the nth call of a method with the injected error", async () => {
    fake.injectFault({ method: "Version", nth: 2, error: "ResourceExhausted" });
    await runtime.version({});
    const err = await rejection(runtime.version({}));
    expect(err).toMatchObject({ code: "ResourceExhausted", rawMessage: "injected fault on Version" });
    await runtime.version({});
    await runtime.version({});
  });

  it("fails every kth call until the fault is removed", async () => {
    const remove = fake.injectFault({
      method: "ListContainers",
      every: 2,
      error: new KubeletKitError("Internal", "boom"),
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(
        await runtime.listContainers({}).then(
          () => "ok",
          (err: KubeletKitError) => err.rawMessage,
        ),
      );
    }
    expect(outcomes).toEqual(["ok", "boom", "ok", "boom"]);
    remove();
    await runtime.listContainers({});
    await runtime.listContainers({});
  });

  it("delays a call on the fake clock, and a client deadline on that clock cuts it short", async () => {
    fake.injectFault({ method: "ListPodSandbox", delayMs: 3_000 });
    let done = false;
    const slow = runtime.listPodSandbox({}).then(() => {
      done = true;
    });
    await clock.advanceAsync(2_999);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await slow;

    const timed = createRuntimeService({ transport: fake.transport, clock, timeoutMs: 1_000 });
    const pending = rejection(timed.listPodSandbox({}));
    await clock.advanceAsync(1_000);
    expect((await pending).code).toBe("DeadlineExceeded");
    expect(fake.callsTo("ListPodSandbox").at(-1)?.error?.code).toBe("DeadlineExceeded");
  });

  it("cancels a delayed call when the caller aborts", async () => {
    fake.injectFault({ method: "Version", delayMs: 60_000 });
    const controller = new AbortController();
    const pending = rejection(runtime.version({}, { signal: controller.signal }));
    controller.abort();
    expect((await pending).code).toBe("Canceled");
  });

  it("answers Unavailable while down and keeps its state (and running timers) for when it is back", async () => {
    fake = createFakeRuntime({
      clock,
      behaviours: [{ name: "job", behaviour: { kind: "exit", code: 0, afterMs: 1_000 } }],
    });
    runtime = createRuntimeService({ transport: fake.transport });
    const { podSandboxId } = await runtime.runPodSandbox({ config: pod("a") });
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "job" }, image: { image: "busybox" } },
      sandboxConfig: pod("a"),
    });
    await runtime.startContainer({ containerId });
    fake.setDown(true);
    const err = await rejection(runtime.listPodSandbox({}));
    expect(err.code).toBe("Unavailable");
    expect(err.rawMessage).toContain("connection refused");
    clock.advance(1_000);
    fake.setDown(false);
    expect((await runtime.listPodSandbox({})).items.map((item) => item.id)).toEqual([podSandboxId]);
    expect((await runtime.containerStatus({ containerId })).status?.reason).toBe("Completed");
  });

  it("answers Unimplemented for the RPCs it is told containerd 1.6 lacks", async () => {
    fake = createFakeRuntime({ clock, unimplemented: CONTAINERD_1_6_UNIMPLEMENTED });
    runtime = createRuntimeService({ transport: fake.transport });
    const err = await rejection(runtime.listMetricDescriptors({}));
    expect(err).toMatchObject({
      code: "Unimplemented",
      rawMessage: "unknown method ListMetricDescriptors for service runtime.v1.RuntimeService",
    });
    await expect(runtime.getContainerEvents({})[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: "Unimplemented",
    });
    await runtime.version({});
  });

  it("answers RuntimeConfig only when given a cgroup driver, and CheckpointContainer never", async () => {
    expect((await rejection(runtime.runtimeConfig({}))).code).toBe("Unimplemented");
    const systemd = createRuntimeService({
      transport: createFakeRuntime({ cgroupDriver: "cgroupfs" }).transport,
    });
    expect((await systemd.runtimeConfig({})).linux?.cgroupDriver).toBe(1);
    expect((await rejection(runtime.checkpointContainer({ containerId: "x" }))).rawMessage).toBe(
      "method CheckpointContainer not implemented",
    );
  });

  it("answers Version, Status and the metrics RPCs", async () => {
    expect(await runtime.version({ version: "0.1.0" })).toMatchObject({
      version: "0.1.0",
      runtimeName: "fake-runtime",
      runtimeVersion: "0.1.0",
      runtimeApiVersion: "v1",
    });
    const status = await runtime.status({ verbose: true });
    expect(status.status?.conditions.map((c) => [c.type, c.status])).toEqual([
      ["RuntimeReady", true],
      ["NetworkReady", true],
    ]);
    expect(JSON.parse(status.info.config ?? "{}")).toMatchObject({ runtimeName: "fake-runtime" });
    expect((await runtime.listMetricDescriptors({})).descriptors).toEqual([]);
    await runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: "10.88.0.0/16" } } });
  });

  it("fails calls with Unavailable after close", async () => {
    fake.close();
    expect((await rejection(runtime.version({}))).code).toBe("Unavailable");
    expect((await rejection(createImageService({ transport: fake.transport }).listImages({}))).code).toBe(
      "Unavailable",
    );
  });
});

describe("fake runtime: container events", () => {
  it("streams CREATED, STARTED, STOPPED and DELETED events with the sandbox and container statuses", async () => {
    const clock = createFakeClock();
    const fake = createFakeRuntime({
      clock,
      behaviours: [{ name: "job", behaviour: { kind: "exit", code: 0, afterMs: 100 } }],
    });
    const runtime = createRuntimeService({ transport: fake.transport });
    const { podSandboxId } = await runtime.runPodSandbox({ config: pod("ev") });
    const controller = new AbortController();
    const stream = runtime.getContainerEvents({}, { signal: controller.signal })[Symbol.asyncIterator]();
    const received: Array<[string, ContainerEventType, number]> = [];
    const next = async () => {
      const { value } = await stream.next();
      received.push([
        value?.containerId ?? "",
        value?.containerEventType ?? -1,
        value?.containersStatuses.length ?? -1,
      ]);
      return value;
    };
    const first = next();
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "job" }, image: { image: "busybox" } },
      sandboxConfig: pod("ev"),
    });
    const created = await first;
    expect(created?.podSandboxStatus?.id).toBe(podSandboxId);
    await runtime.startContainer({ containerId });
    await next();
    clock.advance(100);
    const stopped = await next();
    expect(stopped?.containersStatuses[0]?.exitCode).toBe(0);
    await runtime.removeContainer({ containerId });
    await next();
    expect(received).toEqual([
      [containerId, ContainerEventType.CONTAINER_CREATED_EVENT, 1],
      [containerId, ContainerEventType.CONTAINER_STARTED_EVENT, 1],
      [containerId, ContainerEventType.CONTAINER_STOPPED_EVENT, 1],
      [containerId, ContainerEventType.CONTAINER_DELETED_EVENT, 0],
    ]);
    controller.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: "Canceled" });
  });

  it("offers the same events to tests directly, and ends every stream on close", async () => {
    const fake = createFakeRuntime({ clock: createFakeClock() });
    const runtime = createRuntimeService({ transport: fake.transport });
    const seen: ContainerEventType[] = [];
    const reading = (async () => {
      for await (const event of fake.events()) seen.push(event.containerEventType);
    })();
    const { podSandboxId } = await runtime.runPodSandbox({ config: pod("direct") });
    await runtime.stopPodSandbox({ podSandboxId });
    fake.close();
    await reading;
    expect(seen).toEqual([
      ContainerEventType.CONTAINER_STARTED_EVENT,
      ContainerEventType.CONTAINER_STOPPED_EVENT,
    ]);
  });

  it("ends open streams with Unavailable when the runtime goes down", async () => {
    const fake = createFakeRuntime({ clock: createFakeClock() });
    const runtime = createRuntimeService({ transport: fake.transport });
    const stream = runtime.getContainerEvents({})[Symbol.asyncIterator]();
    const pending = stream.next();
    await new Promise((resolve) => setImmediate(resolve));
    fake.setDown(true);
    await expect(pending).rejects.toMatchObject({ code: "Unavailable" });
  });

  it("answers Unimplemented, as containerd 1.6, when container events are off", async () => {
    const fake = createFakeRuntime({ containerEvents: false });
    const runtime = createRuntimeService({ transport: fake.transport });
    await expect(runtime.getContainerEvents({})[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: "Unimplemented",
      rawMessage: "unknown method GetContainerEvents for service runtime.v1.RuntimeService",
    });
  });
});
