import type { PodStatusInput, ProbeStateReader } from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { exited, makePod, record, sandbox, sidecar, snapshot, T0 } from "./fixtures.test-helpers.js";
import { generatePodStatus, pickIpsByFamily } from "./generate-pod-status.js";

const NOW = T0 + 20_400;

function generate(pod: V1Pod, fields: Partial<PodStatusInput<V1Pod>> = {}): V1PodStatus {
  return generatePodStatus({
    pod,
    runtimeStatus: snapshot([record("app", { id: "a1" })]),
    nowMs: NOW,
    ...fields,
  });
}

function probes(ready: Record<string, boolean>, started: Record<string, boolean> = {}): ProbeStateReader {
  return { isReady: (c) => ready[c.containerId], isStarted: (c) => started[c.containerId] };
}

describe("generatePodStatus", () => {
  it("reports a running pod without probes as Running and Ready", () => {
    const status = generate(makePod(), { nodeIps: ["192.168.1.10"] });
    expect(status).toMatchObject({
      phase: "Running",
      hostIP: "192.168.1.10",
      hostIPs: [{ ip: "192.168.1.10" }],
      podIP: "10.1.0.7",
      podIPs: [{ ip: "10.1.0.7" }],
      startTime: new Date(T0 + 20_000),
      qosClass: "BestEffort",
    });
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ["PodReadyToStartContainers", "True"],
      ["Initialized", "True"],
      ["Ready", "True"],
      ["ContainersReady", "True"],
      ["PodScheduled", "True"],
    ]);
    expect(status.containerStatuses?.[0]).toMatchObject({ name: "app", ready: true, started: true });
    expect(status.initContainerStatuses).toBeUndefined();
  });

  it("keeps a container unready until its readiness probe succeeds", () => {
    const status = generate(makePod(), { probes: probes({ a1: false }) });
    expect(status.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [app]",
    });
    expect(generate(makePod(), { probes: probes({ a1: true }) }).containerStatuses?.[0]?.ready).toBe(true);
  });

  it("keeps a container unstarted and unready until its startup probe succeeds", () => {
    const status = generate(makePod(), { probes: probes({}, { a1: false }) });
    expect(status.containerStatuses?.[0]).toMatchObject({ ready: false, started: false });
  });

  it("marks a regular init container ready once it exited 0, and the pod Initialized", () => {
    const pod = makePod({ initContainers: ["init"] });
    const runtimeStatus = snapshot([exited("init", 0, { createdAtMs: T0 - 10_000 }), record("app")]);
    const status = generate(pod, { runtimeStatus });
    expect(status.initContainerStatuses?.[0]).toMatchObject({ name: "init", ready: true, started: false });
    expect(status.conditions?.find((c) => c.type === "Initialized")?.status).toBe("True");
    expect(status.phase).toBe("Running");
  });

  it("keeps a pod with an unstarted sidecar Pending and not Initialized", () => {
    const pod = makePod({ initContainers: [sidecar("proxy")] });
    const runtimeStatus = snapshot([record("proxy", { id: "p1" })]);
    const status = generate(pod, { runtimeStatus, probes: probes({}, { p1: false }) });
    expect(status.phase).toBe("Pending");
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [proxy]",
    });
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
  });

  it("reports CrashLoopBackOff from the last sync while the pod stays Running", () => {
    const message = "back-off 40s restarting failed container=app pod=web_default(uid-1)";
    const status = generate(makePod(), {
      runtimeStatus: snapshot([exited("app", 1, { restartCount: 3 })]),
      lastSyncResult: {
        results: [
          { action: "StartContainer", target: "app", error: { reason: "CrashLoopBackOff", message } },
        ],
      },
    });
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses?.[0]).toMatchObject({
      restartCount: 3,
      ready: false,
      started: false,
      state: { waiting: { reason: "CrashLoopBackOff", message } },
      lastState: { terminated: { exitCode: 1, reason: "Error" } },
    });
  });

  it("never leaves a terminal phase it reported before, and keeps its reason and message", () => {
    const previousStatus: V1PodStatus = { phase: "Failed", reason: "Evicted", message: "low on memory" };
    const status = generate(makePod(), { previousStatus });
    expect(status).toMatchObject({ phase: "Failed", reason: "Evicted", message: "low on memory" });
  });

  it("never leaves a terminal phase the API shows", () => {
    const pod = makePod();
    pod.status = { phase: "Succeeded" };
    expect(generate(pod, { previousStatus: { phase: "Running" } }).phase).toBe("Succeeded");
  });

  it("drops the reason when the phase changes and takes the API's when the phase holds", () => {
    expect(generate(makePod(), { previousStatus: { phase: "Pending", reason: "X" } }).reason).toBeUndefined();
    const pod = makePod();
    pod.status = { phase: "Running", reason: "FromApi", message: "api says" };
    expect(generate(pod, { previousStatus: { phase: "Running" } })).toMatchObject({
      reason: "FromApi",
      message: "api says",
    });
  });

  it("turns a terminal pod whose containers exited 0 into Succeeded", () => {
    const status = generate(makePod(), { runtimeStatus: snapshot([exited("app", 0)]), podIsTerminal: true });
    expect(status.phase).toBe("Succeeded");
    expect(status.conditions?.find((c) => c.type === "ContainersReady")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
  });

  it("keeps startTime and unchanged transition times from the previous status", () => {
    const first = generate(makePod(), { nowMs: T0 });
    const second = generate(makePod(), { previousStatus: first, nowMs: T0 + 60_000 });
    expect(second.startTime).toEqual(new Date(T0));
    expect(second.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime).toEqual(new Date(T0));
  });

  it("gives a host-network pod the node's IPs, both families on a dual-stack node", () => {
    const pod = makePod({ hostNetwork: true });
    const runtimeStatus = snapshot([record("app")], {
      ips: [],
      sandboxes: [sandbox({ hostNetwork: true, ips: [] })],
    });
    const status = generate(pod, { runtimeStatus, nodeIps: ["192.168.1.10", "fd00::10"] });
    expect(status.podIPs).toEqual([{ ip: "192.168.1.10" }, { ip: "fd00::10" }]);
    expect(status.hostIPs).toEqual([{ ip: "192.168.1.10" }, { ip: "fd00::10" }]);
    expect(status.podIP).toBe("192.168.1.10");
  });

  it("orders pod IPs by the node's IP family", () => {
    const runtimeStatus = snapshot([record("app")], { ips: ["10.1.0.7", "fd00::7", "10.1.0.8"] });
    const status = generate(makePod(), { runtimeStatus, nodeIps: ["fd00::10"] });
    expect(status.podIPs).toEqual([{ ip: "fd00::7" }, { ip: "10.1.0.7" }]);
    expect(pickIpsByFamily(["not-an-ip", "10.0.0.1"], undefined)).toEqual(["10.0.0.1"]);
  });

  it("sets observedGeneration on the status and its conditions", () => {
    const pod = makePod();
    pod.metadata.generation = 7;
    const status = generate(pod);
    expect(status.observedGeneration).toBe(7);
    expect(status.conditions?.every((c) => c.observedGeneration === 7)).toBe(true);
  });

  it("reports ephemeral containers separately", () => {
    const pod = makePod();
    pod.spec.ephemeralContainers = [{ name: "debug", image: "busybox" }];
    const runtimeStatus = snapshot([record("app"), record("debug")]);
    expect(generate(pod, { runtimeStatus }).ephemeralContainerStatuses?.map((s) => s.name)).toEqual([
      "debug",
    ]);
  });
});
