import { NamespaceMode, PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import type { Suite } from "../scenarios.js";
import { expectCode, ipv4InSubnet, POD_NAMESPACE, UNKNOWN_ID, uniqueName } from "../support/workloads.js";

export function sandboxScenarios(suite: Suite): void {
  describe("pod sandboxes", () => {
    it("runs a host-network sandbox READY, lists it by id, state and labels, stops it NOTREADY and removes it", async () => {
      const { runtime } = suite.target;
      const selector = uniqueName("sel");
      const pod = await suite.workloads.runPod({
        network: "node",
        labels: { "conformance.kubelet-kit.dev/selector": selector, tier: "a" },
        annotations: { "conformance.kubelet-kit.dev/note": "host network" },
      });

      const { status } = await runtime.podSandboxStatus({ podSandboxId: pod.id });
      expect(status?.id).toBe(pod.id);
      expect(status?.state).toBe(PodSandboxState.SANDBOX_READY);
      expect(status?.metadata).toMatchObject({
        name: pod.name,
        uid: pod.uid,
        namespace: POD_NAMESPACE,
        attempt: 0,
      });
      expect(status?.createdAt).toBeGreaterThan(0n);
      expect(status?.labels).toEqual({ "conformance.kubelet-kit.dev/selector": selector, tier: "a" });
      expect(status?.annotations).toEqual({ "conformance.kubelet-kit.dev/note": "host network" });
      expect(status?.linux?.namespaces?.options?.network).toBe(NamespaceMode.NODE);
      // A host-network sandbox has no address of its own: the kubelet reports the node's.
      expect(status?.network?.ip ?? "").toBe("");

      const ids = async (filter: Parameters<typeof runtime.listPodSandbox>[0]) =>
        (await runtime.listPodSandbox(filter)).items.map((item) => item.id);
      const byId = await runtime.listPodSandbox({ filter: { id: pod.id } });
      expect(byId.items).toHaveLength(1);
      expect(byId.items[0]).toMatchObject({
        id: pod.id,
        state: PodSandboxState.SANDBOX_READY,
        metadata: { name: pod.name, uid: pod.uid, namespace: POD_NAMESPACE },
      });
      expect(byId.items[0]?.createdAt).toBe(status?.createdAt);
      expect(await ids({ filter: { state: { state: PodSandboxState.SANDBOX_READY } } })).toContain(pod.id);
      expect(await ids({ filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } })).not.toContain(
        pod.id,
      );
      expect(
        await ids({ filter: { labelSelector: { "conformance.kubelet-kit.dev/selector": selector } } }),
      ).toEqual([pod.id]);
      expect(
        await ids({
          filter: { labelSelector: { "conformance.kubelet-kit.dev/selector": selector, tier: "b" } },
        }),
      ).toEqual([]);

      await runtime.stopPodSandbox({ podSandboxId: pod.id });
      const stopped = await runtime.podSandboxStatus({ podSandboxId: pod.id });
      expect(stopped.status?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
      expect(await ids({ filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } })).toContain(pod.id);
      await runtime.stopPodSandbox({ podSandboxId: pod.id });

      await runtime.removePodSandbox({ podSandboxId: pod.id });
      await runtime.removePodSandbox({ podSandboxId: pod.id });
      await expectCode(runtime.podSandboxStatus({ podSandboxId: pod.id }), "NotFound");
      expect(await ids({ filter: { id: pod.id } })).toEqual([]);
    });

    it("gives a pod-network sandbox an address from the pod subnet until it is stopped", async () => {
      const { runtime, podSubnet } = suite.target;
      const pod = await suite.workloads.runPod({ network: "pod" });
      const { status } = await runtime.podSandboxStatus({ podSandboxId: pod.id });
      expect(status?.state).toBe(PodSandboxState.SANDBOX_READY);
      expect(status?.linux?.namespaces?.options?.network).toBe(NamespaceMode.POD);
      const ip = status?.network?.ip ?? "";
      expect(ipv4InSubnet(ip, podSubnet), `${ip} in ${podSubnet}`).toBe(true);

      // Stopping tears the network namespace down: the address goes with it.
      await runtime.stopPodSandbox({ podSandboxId: pod.id });
      const stopped = await runtime.podSandboxStatus({ podSandboxId: pod.id });
      expect(stopped.status?.network?.ip ?? "").toBe("");
    });

    it("gives two pod-network sandboxes different addresses", async () => {
      const { runtime } = suite.target;
      const first = await suite.workloads.runPod({ network: "pod" });
      const second = await suite.workloads.runPod({ network: "pod" });
      const ipOf = async (podSandboxId: string) =>
        (await runtime.podSandboxStatus({ podSandboxId })).status?.network?.ip ?? "";
      expect(await ipOf(first.id)).not.toBe(await ipOf(second.id));
    });

    it("answers NotFound for the status and stop of an unknown sandbox and removes it without error", async () => {
      const { runtime } = suite.target;
      await expectCode(runtime.podSandboxStatus({ podSandboxId: UNKNOWN_ID }), "NotFound");
      // Stopping is idempotent for a sandbox the runtime knows, not for one it never had.
      await expectCode(runtime.stopPodSandbox({ podSandboxId: UNKNOWN_ID }), "NotFound");
      await runtime.removePodSandbox({ podSandboxId: UNKNOWN_ID });
      expect((await runtime.listPodSandbox({ filter: { id: UNKNOWN_ID } })).items).toEqual([]);
    });
  });
}
