import type { V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { podRow } from "./pod-row.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const ago = (seconds: number): Date => new Date(NOW - seconds * 1_000);

function pod(
  status: V1PodStatus,
  extra: { init?: string[]; sidecars?: string[]; containers?: string[] } = {},
): V1Pod {
  return {
    metadata: { name: "web-node-1", uid: "u1", creationTimestamp: ago(90) },
    spec: {
      initContainers: [
        ...(extra.init ?? []).map((name) => ({ name, image: "busybox" })),
        ...(extra.sidecars ?? []).map((name) => ({ name, image: "busybox", restartPolicy: "Always" })),
      ],
      containers: (extra.containers ?? ["app"]).map((name) => ({ name, image: "busybox" })),
    },
    status,
  };
}

const running = (name: string, ready = true): V1ContainerStatus => ({
  name,
  image: "busybox",
  imageID: "",
  ready,
  restartCount: 0,
  started: true,
  state: { running: { startedAt: ago(30) } },
});
const waiting = (name: string, reason: string, restartCount = 0): V1ContainerStatus => ({
  name,
  image: "busybox",
  imageID: "",
  ready: false,
  restartCount,
  state: { waiting: { reason } },
});
const terminated = (name: string, exitCode: number, reason?: string, signal?: number): V1ContainerStatus => ({
  name,
  image: "busybox",
  imageID: "",
  ready: false,
  restartCount: 0,
  state: {
    terminated: {
      exitCode,
      ...(reason !== undefined ? { reason } : {}),
      ...(signal !== undefined ? { signal } : {}),
    },
  },
});
const condition = (type: string, status: "True" | "False") => ({ type, status });

describe("podRow STATUS, as kubectl computes it", () => {
  it.each<[string, V1PodStatus, string]>([
    ["the phase when nothing ran yet", { phase: "Pending" }, "Pending"],
    [
      "a waiting container's reason",
      { phase: "Pending", containerStatuses: [waiting("app", "ContainerCreating")] },
      "ContainerCreating",
    ],
    ["Running for a running container", { phase: "Running", containerStatuses: [running("app")] }, "Running"],
    [
      "CrashLoopBackOff",
      { phase: "Running", containerStatuses: [waiting("app", "CrashLoopBackOff", 3)] },
      "CrashLoopBackOff",
    ],
    [
      "ErrImagePull",
      { phase: "Pending", containerStatuses: [waiting("app", "ErrImagePull")] },
      "ErrImagePull",
    ],
    [
      "Completed",
      { phase: "Succeeded", containerStatuses: [terminated("app", 0, "Completed")] },
      "Completed",
    ],
    ["Error", { phase: "Failed", containerStatuses: [terminated("app", 1, "Error")] }, "Error"],
    [
      "ExitCode:N without a reason",
      { phase: "Failed", containerStatuses: [terminated("app", 2)] },
      "ExitCode:2",
    ],
    [
      "Signal:N without a reason",
      { phase: "Failed", containerStatuses: [terminated("app", 137, undefined, 9)] },
      "Signal:9",
    ],
    [
      "the pod's reason over its phase",
      { phase: "Failed", reason: "OutOfpods", message: "Pod was rejected" },
      "OutOfpods",
    ],
    [
      "SchedulingGated",
      {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
      },
      "SchedulingGated",
    ],
  ])("shows %s", (_what, status, expected) => {
    expect(podRow(pod(status), NOW).status).toBe(expected);
  });

  it("shows the first container's state when several containers differ", () => {
    const status = { phase: "Running", containerStatuses: [waiting("a", "CrashLoopBackOff"), running("b")] };
    expect(podRow(pod(status, { containers: ["a", "b"] }), NOW).status).toBe("CrashLoopBackOff");
  });

  it("shows Running, NotReady or the error instead of Completed while other containers run", () => {
    const pods = (conditions: ReturnType<typeof condition>[], statuses: V1ContainerStatus[]) =>
      podRow(
        pod({ phase: "Running", conditions, containerStatuses: statuses }, { containers: ["a", "b", "c"] }),
        NOW,
      );
    expect(pods([condition("Ready", "True")], [terminated("a", 0, "Completed"), running("b")]).status).toBe(
      "Running",
    );
    expect(pods([condition("Ready", "False")], [terminated("a", 0, "Completed"), running("b")]).status).toBe(
      "NotReady",
    );
    expect(
      pods(
        [condition("Ready", "False")],
        [terminated("a", 0, "Completed"), terminated("b", 1, "Error"), running("c")],
      ).status,
    ).toBe("Error");
  });

  describe("while initializing", () => {
    it.each<[string, V1ContainerStatus[], string]>([
      ["Init:i/n while an init container runs", [running("setup", false)], "Init:0/2"],
      [
        "Init:i/n for the next one",
        [terminated("setup", 0, "Completed"), waiting("migrate", "PodInitializing")],
        "Init:1/2",
      ],
      ["Init:<reason> of a waiting init container", [waiting("setup", "ErrImagePull")], "Init:ErrImagePull"],
      ["Init:CrashLoopBackOff", [waiting("setup", "CrashLoopBackOff")], "Init:CrashLoopBackOff"],
      ["Init:<reason> of a failed init container", [terminated("setup", 1, "Error")], "Init:Error"],
      ["Init:ExitCode:N without a reason", [terminated("setup", 3)], "Init:ExitCode:3"],
      ["Init:Signal:N without a reason", [terminated("setup", 137, undefined, 9)], "Init:Signal:9"],
    ])("shows %s", (_what, initStatuses, expected) => {
      const status = {
        phase: "Pending",
        initContainerStatuses: initStatuses,
        containerStatuses: [waiting("app", "PodInitializing")],
      };
      expect(podRow(pod(status, { init: ["setup", "migrate"] }), NOW).status).toBe(expected);
    });

    it("counts a started sidecar as ready and moves on to the regular containers", () => {
      const status: V1PodStatus = {
        phase: "Pending",
        conditions: [condition("Initialized", "True")],
        initContainerStatuses: [terminated("setup", 0, "Completed"), running("shipper")],
        containerStatuses: [waiting("app", "PodInitializing")],
      };
      const row = podRow(pod(status, { init: ["setup"], sidecars: ["shipper"] }), NOW);
      expect(row).toMatchObject({ ready: "1/2", status: "PodInitializing" });
    });

    it("shows Init:i/n for a sidecar that has not started", () => {
      const notStarted = { ...running("shipper", false), started: false };
      const status = {
        phase: "Pending",
        initContainerStatuses: [terminated("setup", 0, "Completed"), notStarted],
      };
      expect(podRow(pod(status, { init: ["setup"], sidecars: ["shipper"] }), NOW).status).toBe("Init:1/2");
    });
  });

  it("shows Terminating for a pod being deleted, unless it is terminal", () => {
    const deleting = (phase: string) => ({
      ...pod({ phase, containerStatuses: [running("app")] }),
      metadata: { name: "web", deletionTimestamp: ago(1) },
    });
    expect(podRow(deleting("Running"), NOW).status).toBe("Terminating");
    expect(podRow(deleting("Succeeded"), NOW).status).toBe("Succeeded");
  });
});

describe("podRow READY, RESTARTS and AGE", () => {
  it("counts ready containers over regular containers plus sidecars", () => {
    const status = { phase: "Running", containerStatuses: [running("a"), running("b", false)] };
    expect(podRow(pod(status, { containers: ["a", "b"] }), NOW).ready).toBe("1/2");
  });

  it("sums restarts and says how long ago the last one ended", () => {
    const crashed: V1ContainerStatus = {
      ...waiting("a", "CrashLoopBackOff", 3),
      lastState: { terminated: { exitCode: 1, finishedAt: ago(25) } },
    };
    const other: V1ContainerStatus = {
      ...running("b"),
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(400) } },
    };
    const row = podRow(
      pod({ phase: "Running", containerStatuses: [crashed, other] }, { containers: ["a", "b"] }),
      NOW,
    );
    expect(row.restarts).toBe("4 (25s ago)");
  });

  it("shows a bare 0 without restarts", () => {
    expect(podRow(pod({ phase: "Running", containerStatuses: [running("app")] }), NOW).restarts).toBe("0");
  });

  it("ages from creationTimestamp, else the kubelet's first-seen annotation, else <unknown>", () => {
    expect(podRow(pod({ phase: "Running" }), NOW).age).toBe("90s");
    const seen: V1Pod = {
      metadata: {
        name: "web",
        annotations: { "kubernetes.io/config.seen": "2026-01-01T11:55:00.123000000Z" },
      },
    };
    expect(podRow(seen, NOW).age).toBe("4m59s");
    expect(podRow({ metadata: { name: "web" } }, NOW)).toEqual({
      name: "web",
      ready: "0/0",
      status: "",
      restarts: "0",
      age: "<unknown>",
    });
  });
});
