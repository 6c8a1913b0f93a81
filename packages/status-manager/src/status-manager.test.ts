import { createFakeClock, createMemoryLogger, type PodStatusChange } from "@kubelet-kit/core";
import type { V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { makePod, type PodShape, sidecar, T0 } from "./fixtures.test-helpers.js";
import { createStatusManager, type PodStatusSink } from "./status-manager.js";

function setup(options: { sink?: PodStatusSink } = {}) {
  const clock = createFakeClock({ nowMs: T0 + 400 });
  const logger = createMemoryLogger();
  const manager = createStatusManager({ clock, logger, ...options });
  const changes: PodStatusChange<V1PodStatus>[] = [];
  manager.on("statusChanged", (change) => changes.push(change));
  return { clock, logger, manager, changes };
}

function container(name: string, fields: Partial<V1ContainerStatus> = {}): V1ContainerStatus {
  return {
    name,
    image: `${name}:1`,
    imageID: "",
    containerID: `containerd://${name}-id`,
    ready: false,
    restartCount: 0,
    state: { running: { startedAt: new Date(T0) } },
    ...fields,
  };
}

function running(pod: V1Pod, ready = false): V1PodStatus {
  const ready_ = ready ? "True" : "False";
  return {
    phase: "Running",
    conditions: [
      { type: "Ready", status: ready_ },
      { type: "ContainersReady", status: ready_ },
      { type: "PodScheduled", status: "True" },
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => container(c.name, { ready })),
  };
}

const terminated = (exitCode: number) => ({ terminated: { exitCode } });

describe("createStatusManager: caching and versions", () => {
  it("caches a status as version 1 and emits statusChanged", () => {
    const { manager, changes } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    expect(manager.version("uid-1")).toBe(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ podUid: "uid-1", version: 1, status: { phase: "Running" } });
    expect(manager.getPodStatus("uid-1")?.phase).toBe("Running");
    expect(manager.getPodStatus("other")).toBeUndefined();
  });

  it("ignores an equivalent status but takes a real change as the next version", () => {
    const { clock, manager, changes } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    clock.advance(5_000);
    manager.setPodStatus(pod, running(pod));
    expect(manager.version("uid-1")).toBe(1);
    manager.setPodStatus(pod, running(pod, true));
    expect(manager.version("uid-1")).toBe(2);
    expect(changes.map((c) => c.version)).toEqual([1, 2]);
  });

  it("ignores changes of conditions it does not own", () => {
    const { manager, changes } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    const next = running(pod);
    next.conditions?.push({ type: "example.com/lb", status: "True" });
    manager.setPodStatus(pod, next);
    expect(changes).toHaveLength(1);
  });

  it("takes an equivalent status when the pod is being deleted", () => {
    const { manager, changes } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    pod.metadata.deletionTimestamp = new Date(T0);
    manager.setPodStatus(pod, running(pod));
    expect(changes.map((c) => c.version)).toEqual([1, 2]);
  });

  it("hands out copies: changing a returned status does not change the cache", () => {
    const { manager } = setup();
    const pod = makePod();
    const status = running(pod);
    manager.setPodStatus(pod, status);
    status.phase = "Failed";
    const cached = manager.getPodStatus("uid-1");
    if (cached) cached.phase = "Failed";
    expect(manager.getPodStatus("uid-1")?.phase).toBe("Running");
  });

  it("lists cached statuses with their versions and forgets orphans", () => {
    const { manager } = setup();
    const a = makePod({ uid: "a" });
    const b = makePod({ uid: "b" });
    manager.setPodStatus(a, running(a));
    manager.setPodStatus(b, running(b));
    manager.setPodStatus(b, running(b, true));
    expect(manager.listPodStatuses().map((e) => [e.podUid, e.version, e.podName, e.podIsFinished])).toEqual([
      ["a", 1, "web", false],
      ["b", 2, "web", false],
    ]);
    manager.removeOrphanedStatuses(new Set(["b"]));
    expect(manager.getPodStatus("a")).toBeUndefined();
    expect(manager.version("a")).toBeUndefined();
    expect(manager.version("b")).toBe(2);
  });
});

describe("createStatusManager: updateStatusInternal rules", () => {
  it("sets startTime to now on the first status and never changes it", () => {
    const { clock, manager } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    expect(manager.getPodStatus("uid-1")?.startTime).toEqual(new Date(T0));
    clock.advance(30_000);
    manager.setPodStatus(pod, { ...running(pod, true), startTime: new Date(T0 + 30_000) });
    expect(manager.getPodStatus("uid-1")?.startTime).toEqual(new Date(T0));
  });

  it("stamps a condition's transition time when its status flips and keeps it otherwise", () => {
    const { clock, manager } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    clock.advance(10_000);
    manager.setPodStatus(pod, running(pod, true));
    const conditions = manager.getPodStatus("uid-1")?.conditions ?? [];
    expect(conditions.find((c) => c.type === "Ready")?.lastTransitionTime).toEqual(new Date(T0 + 10_000));
    expect(conditions.find((c) => c.type === "PodScheduled")?.lastTransitionTime).toEqual(new Date(T0));
  });

  it.each(["Never", "OnFailure"])(
    "rejects a terminated container becoming running again under %s, with an error log",
    (restartPolicy) => {
      const { manager, logger } = setup();
      const pod = makePod({ restartPolicy });
      manager.setPodStatus(pod, {
        phase: "Succeeded",
        containerStatuses: [container("app", { state: terminated(0) })],
      });
      manager.setPodStatus(pod, running(pod));
      expect(manager.version("uid-1")).toBe(1);
      expect(manager.getPodStatus("uid-1")?.phase).toBe("Succeeded");
      const entry = logger.entries.find((e) => e.level === "error");
      expect(entry?.msg).toBe("Status update on pod aborted");
      expect(String(entry?.fields.err)).toContain(
        "terminated container app attempted illegal transition to non-terminated state",
      );
    },
  );

  it("lets a failed container restart under OnFailure and anything restart under Always", () => {
    for (const [restartPolicy, exitCode] of [
      ["OnFailure", 1],
      ["Always", 0],
    ] as const) {
      const { manager } = setup();
      const pod = makePod({ restartPolicy });
      manager.setPodStatus(pod, {
        phase: "Running",
        containerStatuses: [container("app", { state: terminated(exitCode) })],
      });
      manager.setPodStatus(pod, running(pod));
      expect(manager.version("uid-1")).toBe(2);
    }
  });

  it("lets a sidecar restart but not a completed regular init container, under Never", () => {
    const { manager } = setup();
    const pod = makePod({ initContainers: ["init", sidecar("proxy")], restartPolicy: "Never" });
    const init = [
      container("init", { state: terminated(0) }),
      container("proxy", { state: terminated(137) }),
    ];
    manager.setPodStatus(pod, {
      phase: "Running",
      initContainerStatuses: init,
      containerStatuses: [container("app")],
    });
    const sidecarBack = [container("init", { state: terminated(0) }), container("proxy")];
    manager.setPodStatus(pod, {
      phase: "Running",
      initContainerStatuses: sidecarBack,
      containerStatuses: [container("app")],
    });
    expect(manager.version("uid-1")).toBe(2);
    const initBack = [container("init"), container("proxy")];
    manager.setPodStatus(pod, {
      phase: "Running",
      initContainerStatuses: initBack,
      containerStatuses: [container("app")],
    });
    expect(manager.version("uid-1")).toBe(2);
  });

  it("normalises: whole-second times, sorted statuses, termination messages within 12 KiB per pod", () => {
    const { manager } = setup();
    const pod = makePod({ containers: ["b", "a"], initContainers: ["z", "y"] });
    const long = "é".repeat(4_000); // 8000 bytes
    manager.setPodStatus(pod, {
      phase: "Running",
      containerStatuses: [
        container("b", {
          state: { terminated: { exitCode: 1, message: long, finishedAt: new Date(T0 + 1_999) } },
        }),
        container("a", { state: { running: { startedAt: new Date(T0 + 999) } } }),
      ],
      initContainerStatuses: [
        container("y", { state: terminated(0) }),
        container("z", { state: terminated(0) }),
      ],
    });
    const status = manager.getPodStatus("uid-1");
    expect(status?.containerStatuses?.map((s) => s.name)).toEqual(["a", "b"]);
    expect(status?.initContainerStatuses?.map((s) => s.name)).toEqual(["z", "y"]);
    expect(status?.containerStatuses?.[0]?.state?.running?.startedAt).toEqual(new Date(T0));
    const message = status?.containerStatuses?.[1]?.state?.terminated?.message ?? "";
    expect(Buffer.byteLength(message)).toBe(3_072); // 12288 / 4 containers, on a character boundary
    expect(message).toBe("é".repeat(1_536));
    expect(status?.containerStatuses?.[1]?.state?.terminated?.finishedAt).toEqual(new Date(T0 + 1_000));
  });
});

describe("createStatusManager: probes", () => {
  it("sets readiness by container ID and recomputes Ready and ContainersReady", () => {
    const { clock, manager, changes } = setup();
    const pod = makePod({ containers: ["app", "db"] });
    manager.setPodStatus(pod, running(pod));
    clock.advance(2_000);
    manager.setContainerReadiness({ podUid: "uid-1", containerId: "app-id" }, true);
    let conditions = manager.getPodStatus("uid-1")?.conditions ?? [];
    expect(conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [db]",
    });
    manager.setContainerReadiness({ podUid: "uid-1", containerId: "containerd://db-id" }, true);
    conditions = manager.getPodStatus("uid-1")?.conditions ?? [];
    expect(conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "True" });
    expect(conditions.find((c) => c.type === "ContainersReady")).toMatchObject({
      status: "True",
      lastTransitionTime: new Date(T0 + 2_000),
    });
    expect(changes.map((c) => c.version)).toEqual([1, 2, 3]);
  });

  it("ignores readiness for unknown pods, unknown containers and unchanged values", () => {
    const { manager, logger } = setup();
    const pod = makePod();
    manager.setContainerReadiness({ podUid: "uid-1", containerId: "app-id" }, true);
    manager.setPodStatus(pod, running(pod));
    manager.setContainerReadiness({ podUid: "uid-1", containerId: "nope" }, true);
    manager.setContainerReadiness({ podUid: "uid-1", containerId: "app-id" }, false);
    expect(manager.version("uid-1")).toBe(1);
    expect(logger.entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining([
        "Container readiness changed before pod has synced",
        "Container readiness changed for unknown container",
      ]),
    );
  });

  it("sets startup by container ID", () => {
    const { manager } = setup();
    const pod = makePod();
    manager.setPodStatus(pod, running(pod));
    manager.setContainerStartup({ podUid: "uid-1", containerId: "app-id" }, true);
    expect(manager.getPodStatus("uid-1")?.containerStatuses?.[0]?.started).toBe(true);
    expect(manager.version("uid-1")).toBe(2);
    manager.setContainerStartup({ podUid: "uid-1", containerId: "app-id" }, true);
    expect(manager.version("uid-1")).toBe(2);
  });
});

describe("createStatusManager: terminatePod", () => {
  const lost = {
    terminated: {
      reason: "ContainerStatusUnknown",
      message: "The container could not be located when the pod was terminated",
      exitCode: 137,
    },
  };

  it("terminates running containers as ContainerStatusUnknown (137) and fails the pod", () => {
    const { manager } = setup();
    const pod = makePod({ containers: ["app", "done"], restartPolicy: "Never" });
    const status = running(pod);
    status.containerStatuses = [container("app"), container("done", { state: terminated(0) })];
    manager.setPodStatus(pod, status);
    manager.terminatePod(pod);
    const after = manager.getPodStatus("uid-1");
    expect(after?.phase).toBe("Failed");
    expect(after?.containerStatuses?.[0]?.state).toEqual(lost);
    expect(after?.containerStatuses?.[1]?.state).toEqual(terminated(0));
    expect(manager.listPodStatuses()[0]?.podIsFinished).toBe(true);
  });

  it("keeps a static pod's phase", () => {
    const { manager } = setup();
    const pod = makePod({ annotations: { "kubernetes.io/config.source": "file" } });
    manager.setPodStatus(pod, running(pod));
    manager.terminatePod(pod);
    expect(manager.getPodStatus("uid-1")?.phase).toBe("Running");
    expect(manager.getPodStatus("uid-1")?.containerStatuses?.[0]?.state).toEqual(lost);
  });

  it("leaves regular containers of a pod that never initialized waiting, and fails the first init container", () => {
    const { manager } = setup();
    const pod = makePod({ initContainers: ["a", "b"] });
    const waiting = { waiting: { reason: "PodInitializing" } };
    manager.setPodStatus(pod, {
      phase: "Pending",
      initContainerStatuses: [
        container("a", { state: { waiting: {} } }),
        container("b", { state: { waiting: {} } }),
      ],
      containerStatuses: [container("app", { state: waiting })],
    });
    manager.terminatePod(pod);
    const after = manager.getPodStatus("uid-1");
    expect(after?.phase).toBe("Failed");
    expect(after?.initContainerStatuses?.map((s) => s.state)).toEqual([lost, { waiting: {} }]);
    expect(after?.containerStatuses?.[0]?.state).toEqual(waiting);
  });

  it("works from the pod's own status when nothing is cached", () => {
    const { manager, changes } = setup();
    const pod: V1Pod = { ...makePod(), status: { phase: "Pending" } };
    manager.terminatePod(pod);
    expect(manager.getPodStatus("uid-1")?.phase).toBe("Failed");
    expect(changes).toHaveLength(1);
  });
});

describe("createStatusManager: sink", () => {
  function recordingSink(fail = false) {
    const writes: [string, string | undefined, number][] = [];
    let failing = fail;
    const sink: PodStatusSink = {
      async writeStatus(pod, status, version) {
        if (failing) throw new Error("API unavailable");
        writes.push([pod.metadata?.uid ?? "", status.phase, version]);
      },
    };
    return { sink, writes, heal: () => (failing = false) };
  }

  const pods = (shape: PodShape = {}) => makePod(shape);

  it("writes nothing before start, then the newest version of each pod once per burst", async () => {
    const { sink, writes } = recordingSink();
    const { clock, manager } = setup({ sink });
    const pod = pods();
    manager.setPodStatus(pod, running(pod));
    await clock.advanceAsync(20_000);
    expect(writes).toEqual([]);
    await manager.start();
    await clock.advanceAsync(0);
    expect(writes).toEqual([["uid-1", "Running", 1]]);
    manager.setPodStatus(pod, running(pod, true));
    manager.setPodStatus(pod, { ...running(pod, true), phase: "Failed" });
    await clock.advanceAsync(0);
    expect(writes).toEqual([
      ["uid-1", "Running", 1],
      ["uid-1", "Failed", 3],
    ]);
    await manager.stop();
  });

  it("retries a failed write at the next periodic sync", async () => {
    const { sink, writes, heal } = recordingSink(true);
    const { clock, manager, logger } = setup({ sink });
    await manager.start();
    const pod = pods();
    manager.setPodStatus(pod, running(pod));
    await clock.advanceAsync(0);
    expect(logger.entries.some((e) => e.msg === "Failed to write status for pod")).toBe(true);
    heal();
    await clock.advanceAsync(9_000);
    expect(writes).toEqual([]);
    await clock.advanceAsync(1_000);
    expect(writes).toEqual([["uid-1", "Running", 1]]);
    await manager.stop();
  });

  it("stops writing after stop()", async () => {
    const { sink, writes } = recordingSink();
    const { clock, manager } = setup({ sink });
    await manager.start();
    await manager.stop();
    const pod = pods();
    manager.setPodStatus(pod, running(pod));
    await clock.advanceAsync(30_000);
    expect(writes).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
