import type { V1PodCondition } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  generateContainersReadyCondition,
  generatePodConditions,
  generatePodInitializedCondition,
  generatePodReadyCondition,
  generatePodReadyToStartContainersCondition,
  maintainTransitionTimes,
} from "./conditions.js";
import { cs, makePod, sandbox, sidecar, snapshot, T0 } from "./fixtures.test-helpers.js";

describe("ContainersReady", () => {
  it("is False/UnknownContainerStatuses without any status", () => {
    expect(generateContainersReadyCondition(makePod(), [], "Pending")).toEqual({
      type: "ContainersReady",
      status: "False",
      reason: "UnknownContainerStatuses",
    });
  });

  it("names unknown and unready containers, in spec order, sidecars first", () => {
    const pod = makePod({ containers: ["a", "b", "c"], initContainers: ["init", sidecar("proxy")] });
    const statuses = [
      cs.ready("a", false),
      cs.ready("c", false),
      cs.ready("proxy", false),
      cs.ready("init", false),
    ];
    expect(generateContainersReadyCondition(pod, statuses, "Running")).toEqual({
      type: "ContainersReady",
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unknown status: [b], containers with unready status: [proxy a c]",
    });
  });

  it("ignores regular init containers and is True when every container is ready", () => {
    const pod = makePod({ containers: ["a"], initContainers: ["init"] });
    expect(
      generateContainersReadyCondition(pod, [cs.ready("a", true), cs.ready("init", false)], "Running"),
    ).toEqual({ type: "ContainersReady", status: "True" });
  });

  it("is False/PodCompleted once Succeeded with every status known", () => {
    const condition = generateContainersReadyCondition(makePod(), [cs.terminated("app", 0)], "Succeeded");
    expect(condition).toMatchObject({ status: "False", reason: "PodCompleted" });
    expect(condition.message).toBeUndefined();
  });

  it("reports unknown containers of a Succeeded pod as not ready", () => {
    const pod = makePod({ containers: ["a", "b"] });
    expect(generateContainersReadyCondition(pod, [cs.terminated("a", 0)], "Succeeded")).toMatchObject({
      reason: "ContainersNotReady",
      message: "containers with unknown status: [b], containers with unready status: [a]",
    });
  });

  it("is False/PodFailed once Failed, even with ready containers", () => {
    expect(generateContainersReadyCondition(makePod(), [cs.ready("app", true)], "Failed")).toMatchObject({
      status: "False",
      reason: "PodFailed",
    });
  });
});

describe("Ready", () => {
  const gated = () => {
    const pod = makePod();
    pod.spec.readinessGates = [{ conditionType: "example.com/lb" }, { conditionType: "example.com/dns" }];
    return pod;
  };

  it("copies ContainersReady when that is not True", () => {
    expect(generatePodReadyCondition(makePod(), [], [cs.ready("app", false)], "Running")).toEqual({
      type: "Ready",
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [app]",
    });
  });

  it("explains each readiness gate that is missing or not True", () => {
    const conditions: V1PodCondition[] = [{ type: "example.com/dns", status: "Unknown" }];
    expect(generatePodReadyCondition(gated(), conditions, [cs.ready("app", true)], "Running")).toEqual({
      type: "Ready",
      status: "False",
      reason: "ReadinessGatesNotReady",
      message:
        'corresponding condition of pod readiness gate "example.com/lb" does not exist., ' +
        'the status of pod readiness gate "example.com/dns" is not "True", but Unknown',
    });
  });

  it("is True when containers are ready and every gate is True", () => {
    const conditions: V1PodCondition[] = [
      { type: "example.com/lb", status: "True" },
      { type: "example.com/dns", status: "True" },
    ];
    expect(generatePodReadyCondition(gated(), conditions, [cs.ready("app", true)], "Running")).toEqual({
      type: "Ready",
      status: "True",
    });
  });
});

describe("Initialized", () => {
  it("is False/UnknownContainerStatuses when init containers exist but no status does", () => {
    expect(
      generatePodInitializedCondition(makePod({ initContainers: ["init"] }), [], "Pending"),
    ).toMatchObject({
      status: "False",
      reason: "UnknownContainerStatuses",
    });
  });

  it("is True for a pod without init containers", () => {
    expect(generatePodInitializedCondition(makePod(), [cs.waiting("app")], "Pending")).toEqual({
      type: "Initialized",
      status: "True",
    });
  });

  it("lists unknown and incomplete init containers: a regular one until ready, a sidecar until started", () => {
    const pod = makePod({ initContainers: ["a", "b", sidecar("proxy"), "c"] });
    const statuses = [
      cs.ready("a", true),
      cs.terminated("b", 1),
      cs.ready("proxy", true, false),
      cs.waiting("app"),
    ];
    expect(generatePodInitializedCondition(pod, statuses, "Pending")).toEqual({
      type: "Initialized",
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with unknown status: [c], containers with incomplete status: [b proxy]",
    });
  });

  it("is True once a regular container ran, even while a sidecar restarts", () => {
    const pod = makePod({ initContainers: [sidecar("proxy")] });
    expect(
      generatePodInitializedCondition(pod, [cs.running("proxy", false), cs.running("app")], "Running"),
    ).toEqual({
      type: "Initialized",
      status: "True",
    });
  });

  it("is True/PodCompleted once the pod Succeeded", () => {
    const pod = makePod({ initContainers: ["init"] });
    expect(
      generatePodInitializedCondition(pod, [cs.terminated("init", 0), cs.waiting("app")], "Succeeded"),
    ).toMatchObject({ status: "True", reason: "PodCompleted" });
  });
});

describe("PodReadyToStartContainers", () => {
  const pod = makePod();

  it("is True with one ready sandbox that has an IP", () => {
    expect(generatePodReadyToStartContainersCondition(pod, snapshot([]))).toEqual({
      type: "PodReadyToStartContainers",
      status: "True",
    });
  });

  it.each([
    ["no sandbox exists", [], "no pod sandbox exists"],
    ["the newest sandbox is not ready", [sandbox({ state: "notready" })], "pod sandbox is not ready"],
    [
      "two sandboxes are ready",
      [sandbox(), sandbox({ id: "sb2", createdAtMs: T0 - 5_000 })],
      "multiple pod sandboxes are ready",
    ],
    ["the sandbox has no IP", [sandbox({ ips: [] })], "pod sandbox has no IP address"],
    [
      "the sandbox's network mode differs from the pod's",
      [sandbox({ hostNetwork: true })],
      "pod sandbox network namespace mode changed",
    ],
  ])("is False/PodSandboxNotReady when %s", (_, sandboxes, message) => {
    expect(generatePodReadyToStartContainersCondition(pod, snapshot([], { sandboxes }))).toEqual({
      type: "PodReadyToStartContainers",
      status: "False",
      reason: "PodSandboxNotReady",
      message,
    });
  });

  it("needs no IP for a host-network pod", () => {
    const hostPod = makePod({ hostNetwork: true });
    const status = snapshot([], { sandboxes: [sandbox({ hostNetwork: true, ips: [] })] });
    expect(generatePodReadyToStartContainersCondition(hostPod, status).status).toBe("True");
  });
});

describe("generatePodConditions", () => {
  it("keeps other owners' conditions, carries DisruptionTarget and appends the kubelet's in upstream order", () => {
    const pod = makePod();
    pod.metadata.generation = 3;
    pod.status = {
      conditions: [
        { type: "example.com/lb", status: "True" },
        { type: "Ready", status: "True" },
      ],
    };
    const previousStatus = {
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet" }],
    };
    const conditions = generatePodConditions({
      pod,
      runtimeStatus: snapshot([]),
      previousStatus,
      containerStatuses: [cs.ready("app", true)],
      initContainerStatuses: [],
      phase: "Running",
    });
    expect(conditions.map((c) => c.type)).toEqual([
      "example.com/lb",
      "DisruptionTarget",
      "PodReadyToStartContainers",
      "Initialized",
      "Ready",
      "ContainersReady",
      "PodScheduled",
    ]);
    expect(conditions.find((c) => c.type === "PodScheduled")).toEqual({
      type: "PodScheduled",
      status: "True",
      observedGeneration: 3,
    });
  });

  it("evaluates readiness gates against the conditions kept from the API", () => {
    const pod = makePod();
    pod.spec.readinessGates = [{ conditionType: "example.com/lb" }];
    pod.status = { conditions: [{ type: "example.com/lb", status: "False" }] };
    const conditions = generatePodConditions({
      pod,
      runtimeStatus: snapshot([]),
      containerStatuses: [cs.ready("app", true)],
      initContainerStatuses: [],
      phase: "Running",
    });
    expect(conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ReadinessGatesNotReady",
    });
  });

  it("keeps a transition time while the status holds and stamps now (whole seconds) when it flips", () => {
    const earlier = new Date(T0 - 60_000);
    const previousStatus = {
      conditions: [
        { type: "Ready", status: "False", lastTransitionTime: earlier },
        { type: "PodScheduled", status: "True", lastTransitionTime: earlier },
      ],
    };
    const conditions = generatePodConditions({
      pod: makePod(),
      runtimeStatus: snapshot([]),
      previousStatus,
      containerStatuses: [cs.ready("app", true)],
      initContainerStatuses: [],
      phase: "Running",
      nowMs: T0 + 1_750,
    });
    expect(conditions.find((c) => c.type === "PodScheduled")?.lastTransitionTime).toEqual(earlier);
    expect(conditions.find((c) => c.type === "Ready")?.lastTransitionTime).toEqual(new Date(T0 + 1_000));
    expect(conditions.find((c) => c.type === "Initialized")?.lastTransitionTime).toEqual(
      new Date(T0 + 1_000),
    );
  });
});

describe("maintainTransitionTimes", () => {
  it("leaves conditions it does not maintain alone", () => {
    const status = { conditions: [{ type: "example.com/lb", status: "True" }] };
    maintainTransitionTimes(status, undefined, T0);
    expect(status.conditions[0]).toEqual({ type: "example.com/lb", status: "True" });
  });
});
