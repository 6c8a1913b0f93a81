import { createFakeClock } from "@kubelet-kit/core";
import { ContainerState, NamespaceMode, PodSandboxState } from "@kubelet-kit/cri-api";
import { beforeEach, describe, expect, it } from "vitest";
import { createRuntimeService, type RuntimeServiceClient } from "../client.js";
import { createFakeRuntime, type FakeRuntime } from "./index.js";

// The lists the kubelet polls per pod (ListPodSandbox / ListContainers by the pod-UID label) and
// PodSandboxStatus's containers come from indexes: they must follow every run, create, stop and removal.

const UID = "io.kubernetes.pod.uid";

describe("fake runtime: filtered lists as pods come and go", () => {
  let fake: FakeRuntime;
  let runtime: RuntimeServiceClient;

  beforeEach(() => {
    fake = createFakeRuntime({ clock: createFakeClock({ nowMs: 1_700_000_000_000 }) });
    runtime = createRuntimeService({ transport: fake.transport });
  });

  const podConfig = (uid: string, attempt = 0) => ({
    metadata: { name: `pod-${uid}`, uid, namespace: "ns", attempt },
    labels: { [UID]: uid, "io.kubernetes.pod.namespace": "ns" },
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  });
  const runPod = async (uid: string, attempt = 0) =>
    (await runtime.runPodSandbox({ config: podConfig(uid, attempt) })).podSandboxId;
  const createContainer = async (podSandboxId: string, uid: string, name: string, attempt = 0) =>
    (
      await runtime.createContainer({
        podSandboxId,
        config: {
          metadata: { name, attempt },
          image: { image: "busybox" },
          labels: { [UID]: uid, "io.kubernetes.container.name": name },
        },
        sandboxConfig: podConfig(uid),
      })
    ).containerId;
  const sandboxesOf = async (uid: string) =>
    (await runtime.listPodSandbox({ filter: { labelSelector: { [UID]: uid } } })).items.map(
      (item) => item.id,
    );
  const containersOf = async (uid: string) =>
    (await runtime.listContainers({ filter: { labelSelector: { [UID]: uid } } })).containers.map((c) => c.id);
  const statusContainers = async (podSandboxId: string) =>
    ((await runtime.podSandboxStatus({ podSandboxId })).containersStatuses ?? []).map((status) => status.id);

  it("lists a pod's sandboxes and containers by its UID label after removals and re-creation, oldest first", async () => {
    const first = await runPod("u1");
    const other = await runPod("u2");
    const c1 = await createContainer(first, "u1", "app");
    const c2 = await createContainer(first, "u1", "sidecar");
    const d1 = await createContainer(other, "u2", "app");
    expect(await sandboxesOf("u1")).toEqual([first]);
    expect(await containersOf("u1")).toEqual([c1, c2]);
    expect(await statusContainers(first)).toEqual([c1, c2]);

    // The container restarts: the old one is removed, a new attempt created.
    await runtime.removeContainer({ containerId: c1 });
    const c1again = await createContainer(first, "u1", "app", 1);
    expect(await containersOf("u1")).toEqual([c2, c1again]);
    expect(await statusContainers(first)).toEqual([c2, c1again]);

    // The sandbox is replaced: removing it removes its containers from every list.
    await runtime.stopPodSandbox({ podSandboxId: first });
    const second = await runPod("u1", 1);
    expect(await sandboxesOf("u1")).toEqual([first, second]);
    await runtime.removePodSandbox({ podSandboxId: first });
    expect(await sandboxesOf("u1")).toEqual([second]);
    expect(await containersOf("u1")).toEqual([]);
    const c3 = await createContainer(second, "u1", "app");
    expect(await containersOf("u1")).toEqual([c3]);
    expect(await statusContainers(second)).toEqual([c3]);

    // The other pod saw none of it.
    expect(await sandboxesOf("u2")).toEqual([other]);
    expect(await containersOf("u2")).toEqual([d1]);
    expect(await sandboxesOf("gone")).toEqual([]);
    expect(fake.containers().map((c) => c.id)).toEqual([d1, c3]);
  });

  it("combines the label filter with id, sandbox and state filters, which follow state changes", async () => {
    const pod = await runPod("u1");
    const a = await createContainer(pod, "u1", "a");
    const b = await createContainer(pod, "u1", "b");
    await runtime.startContainer({ containerId: a });
    const running = { state: ContainerState.CONTAINER_RUNNING };
    const list = async (
      filter: NonNullable<Parameters<RuntimeServiceClient["listContainers"]>[0]>["filter"],
    ) => (await runtime.listContainers({ filter })).containers.map((c) => c.id);

    expect(await list({ labelSelector: { [UID]: "u1" }, state: running })).toEqual([a]);
    expect(await list({ labelSelector: { [UID]: "u1" }, id: b.slice(0, 10) })).toEqual([b]);
    expect(await list({ labelSelector: { [UID]: "u2" }, id: b })).toEqual([]);
    expect(await list({ labelSelector: { [UID]: "u1", "io.kubernetes.container.name": "b" } })).toEqual([b]);
    expect(await list({ podSandboxId: pod.slice(0, 8), labelSelector: { [UID]: "u1" } })).toEqual([a, b]);

    await runtime.stopContainer({ containerId: a, timeout: 0n });
    expect(await list({ labelSelector: { [UID]: "u1" }, state: running })).toEqual([]);
    await runtime.stopPodSandbox({ podSandboxId: pod });
    const notReady = { state: PodSandboxState.SANDBOX_NOTREADY };
    const sandboxes = await runtime.listPodSandbox({
      filter: { labelSelector: { [UID]: "u1" }, state: notReady },
    });
    expect(sandboxes.items.map((item) => item.id)).toEqual([pod]);
  });
});
