import type { SyncResult } from "@kubelet-kit/core";
import type { V1ContainerStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { generateContainerStatuses } from "./container-statuses.js";
import { exited, makePod, type PodShape, record, sidecar, snapshot, T0 } from "./fixtures.test-helpers.js";

function statusesOf(
  shape: PodShape,
  records: Parameters<typeof snapshot>[0],
  extra: {
    kind?: "regular" | "init";
    previous?: V1ContainerStatus[];
    sync?: SyncResult;
    deleting?: boolean;
  } = {},
): V1ContainerStatus[] {
  const pod = makePod(shape);
  if (extra.deleting) pod.metadata.deletionTimestamp = new Date(T0);
  return generateContainerStatuses({
    pod,
    runtimeStatus: snapshot(records),
    kind: extra.kind ?? "regular",
    previousStatuses: extra.previous,
    lastSyncResult: extra.sync,
  });
}

function failed(target: string, reason: string, message: string): SyncResult {
  return { results: [{ action: "StartContainer", target, error: { reason, message } }] };
}

const crashMessage = "back-off 20s restarting failed container=app pod=web_default(uid-1)";

describe("generateContainerStatuses: defaults", () => {
  it("shows a container not created yet as waiting in ContainerCreating", () => {
    expect(statusesOf({}, [])).toEqual([
      {
        name: "app",
        image: "app:1",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: "ContainerCreating" } },
        lastState: {},
      },
    ]);
  });

  it("shows regular containers as PodInitializing while the pod has init containers", () => {
    const [status] = statusesOf({ initContainers: ["init"] }, [record("init")]);
    expect(status?.state).toEqual({ waiting: { reason: "PodInitializing" } });
  });

  it("keeps restart count and last state of a previous non-terminated status", () => {
    const previous = [
      {
        name: "app",
        image: "app:1",
        imageID: "",
        ready: false,
        restartCount: 4,
        state: { waiting: { reason: "ImagePullBackOff" } },
        lastState: { terminated: { exitCode: 2 } },
      },
    ];
    const [status] = statusesOf({}, [], { previous });
    expect(status).toMatchObject({ restartCount: 4, lastState: { terminated: { exitCode: 2 } } });
    expect(status?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
  });
});

describe("generateContainerStatuses: from runtime records", () => {
  it("shows a created container as waiting without a reason", () => {
    const [status] = statusesOf({}, [record("app", { id: "abc", state: "created", startedAtMs: undefined })]);
    expect(status?.state).toEqual({ waiting: {} });
    expect(status?.containerID).toBe("containerd://abc");
  });

  it("shows a running container with image, image ref, prefixed ID, restart count and a whole-second start", () => {
    const [status] = statusesOf({}, [record("app", { id: "abc", restartCount: 3, startedAtMs: T0 + 1_999 })]);
    expect(status).toEqual({
      name: "app",
      image: "app:1",
      imageID: "docker.io/library/app@sha256:abc",
      containerID: "containerd://abc",
      ready: false,
      restartCount: 3,
      state: { running: { startedAt: new Date(T0 + 1_000) } },
      lastState: {},
    });
  });

  it("shows the newest record as state and the one before as lastState, ignoring older ones", () => {
    const records = [
      exited("app", 0, { id: "oldest", createdAtMs: T0 - 20_000 }),
      exited("app", 2, { id: "older", createdAtMs: T0 - 10_000, message: "boom", startedAtMs: T0 - 9_000 }),
      record("app", { id: "new", createdAtMs: T0, restartCount: 2 }),
    ];
    const [status] = statusesOf({ restartPolicy: "OnFailure" }, records);
    expect(status?.state?.running).toBeDefined();
    expect(status?.lastState).toEqual({
      terminated: {
        exitCode: 2,
        reason: "Error",
        message: "boom",
        startedAt: new Date(T0 - 9_000),
        finishedAt: new Date(T0 + 5_000),
        containerID: "containerd://older",
      },
    });
  });

  it("shows an exited container as terminated under restart policy Never", () => {
    const [status] = statusesOf({ restartPolicy: "Never" }, [exited("app", 0, { id: "x" })]);
    expect(status?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
      containerID: "containerd://x",
    });
  });

  it("turns a container that was running and is now unknown into ContainerStatusUnknown, one restart more", () => {
    const previous = [
      { name: "app", image: "app:1", imageID: "", ready: true, restartCount: 1, state: { running: {} } },
    ];
    const [status] = statusesOf({ restartPolicy: "Never" }, [record("app", { state: "unknown" })], {
      previous,
    });
    expect(status?.state).toEqual({
      terminated: {
        reason: "ContainerStatusUnknown",
        message: "The container could not be located when the pod was terminated",
        exitCode: 137,
      },
    });
    expect(status?.restartCount).toBe(2);
  });

  it("shows an unknown container that was not running as waiting", () => {
    const [status] = statusesOf({ restartPolicy: "Never" }, [record("app", { state: "unknown" })]);
    expect(status?.state).toEqual({ waiting: {} });
  });

  it("keeps `started` of a running container from the previous status", () => {
    const previous = [
      {
        name: "app",
        image: "app:1",
        imageID: "",
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: {} },
      },
    ];
    expect(statusesOf({}, [record("app")], { previous })[0]?.started).toBe(true);
  });

  it("sorts regular statuses by name and init statuses in spec order", () => {
    const regular = statusesOf({ containers: ["web", "db", "cache"] }, []);
    expect(regular.map((s) => s.name)).toEqual(["cache", "db", "web"]);
    const init = statusesOf({ initContainers: ["zeta", "alpha", "mid"] }, [], { kind: "init" });
    expect(init.map((s) => s.name)).toEqual(["zeta", "alpha", "mid"]);
  });
});

describe("generateContainerStatuses: start failures", () => {
  it("shows CrashLoopBackOff with its message and moves the last termination to lastState", () => {
    const records = [
      exited("app", 1, { id: "second", createdAtMs: T0 }),
      exited("app", 1, { id: "first", createdAtMs: T0 - 30_000 }),
    ];
    const [status] = statusesOf({}, records, { sync: failed("app", "CrashLoopBackOff", crashMessage) });
    expect(status?.state).toEqual({ waiting: { reason: "CrashLoopBackOff", message: crashMessage } });
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, containerID: "containerd://second" });
  });

  it.each([
    ["ErrImagePull", 'failed to pull and unpack image "docker.io/library/nope:1": not found'],
    ["ImagePullBackOff", 'Back-off pulling image "docker.io/library/nope:1"'],
    ["ErrImageNeverPull", 'Container image "nope:1" is not present with pull policy of Never'],
    ["InvalidImageName", 'Failed to apply default image tag "Nope": invalid reference format'],
    ["CreateContainerConfigError", 'secret "db" not found'],
  ])("shows a never-started container waiting with %s", (reason, message) => {
    const [status] = statusesOf({}, [], { sync: failed("app", reason, message) });
    expect(status?.state).toEqual({ waiting: { reason, message } });
  });

  it("takes failed InitContainer steps too, and a later success for the same target clears the failure", () => {
    const sync: SyncResult = {
      results: [
        {
          action: "InitContainer",
          target: "init",
          error: { reason: "RunContainerError", message: "exec failed" },
        },
        { action: "StartContainer", target: "app", error: { reason: "ErrImagePull", message: "nope" } },
        { action: "StartContainer", target: "app" },
      ],
    };
    const pod: PodShape = { initContainers: ["init"] };
    expect(statusesOf(pod, [], { kind: "init", sync })[0]?.state).toEqual({
      waiting: { reason: "RunContainerError", message: "exec failed" },
    });
    expect(statusesOf(pod, [], { sync })[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
  });

  it("ignores failures of other actions", () => {
    const sync: SyncResult = {
      results: [
        { action: "KillContainer", target: "app", error: { reason: "KillContainerError", message: "x" } },
      ],
    };
    expect(statusesOf({}, [], { sync })[0]?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
  });

  it("does not override a running container", () => {
    const [status] = statusesOf({}, [record("app")], {
      sync: failed("app", "CrashLoopBackOff", crashMessage),
    });
    expect(status?.state?.running).toBeDefined();
  });

  it("does not override containers that will not restart: Never, or OnFailure after exit 0", () => {
    const never = statusesOf({ restartPolicy: "Never" }, [exited("app", 1)], {
      sync: failed("app", "CrashLoopBackOff", crashMessage),
    });
    expect(never[0]?.state?.terminated?.exitCode).toBe(1);
    const onFailure = statusesOf({ restartPolicy: "OnFailure" }, [exited("app", 0)], {
      sync: failed("app", "CrashLoopBackOff", crashMessage),
    });
    expect(onFailure[0]?.state?.terminated?.exitCode).toBe(0);
  });

  it("does not override anything while the pod is being deleted", () => {
    const [status] = statusesOf({}, [exited("app", 1)], {
      sync: failed("app", "CrashLoopBackOff", crashMessage),
      deleting: true,
    });
    expect(status?.state?.terminated).toBeDefined();
  });

  it("never overrides an init container that exited 0", () => {
    const [status] = statusesOf({ initContainers: ["init"] }, [exited("init", 0)], {
      kind: "init",
      sync: failed("init", "CrashLoopBackOff", "back-off"),
    });
    expect(status?.state?.terminated?.exitCode).toBe(0);
  });
});

describe("generateContainerStatuses: containers the runtime lost", () => {
  const runningBefore: V1ContainerStatus[] = [
    { name: "app", image: "app:1", imageID: "x", ready: true, restartCount: 2, state: { running: {} } },
  ];

  it("gives a vanished running container a ContainerStatusUnknown last termination and one more restart", () => {
    const [status] = statusesOf({}, [], { previous: runningBefore });
    expect(status?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    expect(status?.lastState).toEqual({
      terminated: {
        reason: "ContainerStatusUnknown",
        message:
          "The container could not be located when the pod was deleted.  The container used to be Running",
        exitCode: 137,
      },
    });
    expect(status?.restartCount).toBe(3);
  });

  it("does not count a restart when the pod is being deleted", () => {
    expect(statusesOf({}, [], { previous: runningBefore, deleting: true })[0]?.restartCount).toBe(2);
  });

  it("keeps a previously terminated status as it was", () => {
    const previous: V1ContainerStatus[] = [
      {
        name: "app",
        image: "app:1",
        imageID: "x",
        ready: false,
        restartCount: 1,
        state: { terminated: { exitCode: 3 } },
      },
    ];
    expect(statusesOf({ restartPolicy: "Never" }, [], { previous })[0]).toEqual(previous[0]);
  });

  it("assumes a lost init container completed once regular containers exist", () => {
    const [status] = statusesOf({ initContainers: ["init"] }, [record("app")], { kind: "init" });
    expect(status?.state).toEqual({
      terminated: {
        reason: "Completed",
        message:
          "Unable to get init container status from container runtime and pod has been initialized, treat it as exited normally",
        exitCode: 0,
      },
    });
  });

  it("leaves a lost sidecar waiting, to be restarted", () => {
    const [status] = statusesOf({ initContainers: [sidecar("proxy")] }, [record("app")], { kind: "init" });
    expect(status?.state).toEqual({ waiting: { reason: "PodInitializing" } });
  });
});
