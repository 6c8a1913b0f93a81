import type { ContainerHealth } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { computePodActions, podSandboxChanged } from "./compute-pod-actions.js";
import { container, makePod, readySandbox, runtimeContainer, snapshot } from "./fixtures.test-util.js";
import { hashContainer } from "./hash.js";

const app = container("app");
const hashOf = hashContainer(app);
const running = (name = "app", extra = {}) =>
  runtimeContainer(name, { state: "running", hash: hashOf, ...extra });
const exited = (name: string, exitCode: number, extra = {}) =>
  runtimeContainer(name, { state: "exited", exitCode, finishedAtMs: 5_000, ...extra });

describe("podSandboxChanged", () => {
  it.each([
    ["no sandbox", [], { changed: true, attempt: 0, sandboxId: "" }],
    [
      "a ready sandbox with an IP",
      [readySandbox({ attempt: 3 })],
      { changed: false, attempt: 3, sandboxId: "sb1" },
    ],
    [
      "a not-ready newest sandbox",
      [readySandbox({ state: "notready", attempt: 1 })],
      { changed: true, attempt: 2, sandboxId: "sb1" },
    ],
    [
      "two ready sandboxes",
      [readySandbox({ id: "a", attempt: 1 }), readySandbox({ id: "b", attempt: 4 })],
      { changed: true, attempt: 5, sandboxId: "a" },
    ],
    ["a sandbox without IP", [readySandbox({ ips: [] })], { changed: true, attempt: 1, sandboxId: "sb1" }],
    [
      "a host-network sandbox for a pod network pod",
      [readySandbox({ hostNetwork: true })],
      { changed: true, attempt: 1, sandboxId: "" },
    ],
  ])("with %s", (_, sandboxes, expected) => {
    expect(podSandboxChanged(makePod(), snapshot([], sandboxes))).toEqual(expected);
  });
});

describe("computePodActions", () => {
  it("creates the sandbox and starts all containers for a new pod", () => {
    const pod = makePod({ containers: [app, container("side")] });
    expect(computePodActions(pod, snapshot([], []))).toMatchObject({
      killPod: true,
      createSandbox: true,
      attempt: 0,
      sandboxId: "",
      containersToStart: [0, 1],
      initContainersToStart: [],
    });
  });

  it("starts only the first init container when (re)creating the sandbox of a pod with init containers", () => {
    const pod = makePod({ initContainers: [container("i1"), container("i2")] });
    expect(computePodActions(pod, snapshot([], []))).toMatchObject({
      createSandbox: true,
      initContainersToStart: [0],
      containersToStart: [],
    });
  });

  it("recreates a dead sandbox with attempt + 1, skipping succeeded containers under OnFailure", () => {
    const pod = makePod({ restartPolicy: "OnFailure", containers: [app, container("b")] });
    const status = snapshot(
      [exited("app", 0), exited("b", 1)],
      [readySandbox({ state: "notready", attempt: 2 })],
    );
    expect(computePodActions(pod, status)).toMatchObject({
      killPod: true,
      createSandbox: true,
      attempt: 3,
      containersToStart: [1],
    });
  });

  it("does not recreate the sandbox of a Never pod that already ran; it only kills it", () => {
    const pod = makePod({ restartPolicy: "Never" });
    const status = snapshot([exited("app", 1)], [readySandbox({ state: "notready", attempt: 1 })]);
    expect(computePodActions(pod, status)).toMatchObject({
      killPod: true,
      createSandbox: false,
      containersToStart: [],
    });
  });

  it("does not recreate the sandbox when everything succeeded under OnFailure", () => {
    const pod = makePod({ restartPolicy: "OnFailure" });
    const status = snapshot([exited("app", 0)], [readySandbox({ state: "notready", attempt: 1 })]);
    expect(computePodActions(pod, status)).toMatchObject({ killPod: true, createSandbox: false });
  });

  it("keeps a healthy running container", () => {
    const actions = computePodActions(makePod(), snapshot([running()]));
    expect(actions).toMatchObject({
      killPod: false,
      createSandbox: false,
      containersToStart: [],
      containersToKill: [],
    });
  });

  it.each([
    ["Always", 0, true],
    ["Always", 1, true],
    ["OnFailure", 0, false],
    ["OnFailure", 2, true],
    ["Never", 1, false],
  ] as const)("restart policy %s with exit code %d restarts: %s", (restartPolicy, code, restarts) => {
    const pod = makePod({ restartPolicy, containers: [app, container("other")] });
    const actions = computePodActions(
      pod,
      snapshot([exited("app", code), running("other", { hash: hashContainer(container("other")) })]),
    );
    expect(actions.containersToStart).toEqual(restarts ? [0] : []);
    expect(actions.killPod).toBe(false);
  });

  it("kills the whole pod when nothing runs and nothing will start", () => {
    const pod = makePod({ restartPolicy: "Never" });
    expect(computePodActions(pod, snapshot([exited("app", 0)]))).toMatchObject({
      killPod: true,
      createSandbox: false,
    });
  });

  it("never restarts containers of a pod being deleted", () => {
    const pod = makePod({}, { deletionTimestamp: new Date() });
    expect(computePodActions(pod, snapshot([exited("app", 1)])).containersToStart).toEqual([]);
  });

  it("kills and restarts a container whose spec hash changed, whatever the policy", () => {
    const pod = makePod({
      restartPolicy: "Never",
      containers: [container("app", { image: "busybox:1.37" })],
    });
    const status = snapshot([running("app", { id: "old" })]);
    const actions = computePodActions(pod, status);
    expect(actions.containersToStart).toEqual([0]);
    expect(actions.containersToKill).toEqual([
      expect.objectContaining({
        containerId: "old",
        message: "Container app definition changed, will be restarted",
        reason: "",
      }),
    ]);
  });

  it.each([
    ["liveness", { liveness: "failure" }, "Container app failed liveness probe", "LivenessProbe"],
    ["startup", { startup: "failure" }, "Container app failed startup probe", "StartupProbe"],
  ] as const)(
    "kills a container failing its %s probe, restarting it unless the policy is Never",
    (_, health, message, reason) => {
      const status = snapshot([running("app", { id: "c-live" })]);
      const containerHealth = (id: string): ContainerHealth | undefined =>
        id === "c-live" ? health : undefined;
      const always = computePodActions(makePod(), status, { containerHealth });
      expect(always.containersToKill).toEqual([
        expect.objectContaining({ message: `${message}, will be restarted`, reason }),
      ]);
      expect(always.containersToStart).toEqual([0]);
      const never = computePodActions(makePod({ restartPolicy: "Never" }), status, { containerHealth });
      expect(never.containersToKill).toEqual([expect.objectContaining({ message, reason })]);
      expect(never).toMatchObject({ containersToStart: [], killPod: true });
    },
  );

  it("kills a container in unknown state before restarting it", () => {
    const actions = computePodActions(
      makePod(),
      snapshot([runtimeContainer("app", { id: "u1", state: "unknown" })]),
    );
    expect(actions.containersToStart).toEqual([0]);
    expect(actions.containersToKill).toEqual([
      expect.objectContaining({
        containerId: "u1",
        message: 'Container is in "unknown" state, try killing it before restart',
        reason: "Unknown",
      }),
    ]);
  });

  it("starts ephemeral containers once and never restarts them", () => {
    const pod = makePod({ ephemeralContainers: [{ name: "debug", image: "busybox" }] });
    expect(computePodActions(pod, snapshot([running()])).ephemeralContainersToStart).toEqual([0]);
    expect(
      computePodActions(pod, snapshot([running(), exited("debug", 1)])).ephemeralContainersToStart,
    ).toEqual([]);
  });
});

describe("computePodActions with init containers", () => {
  const inits = [container("i1"), container("i2")];
  const pod = makePod({ initContainers: inits });

  it("runs init containers one at a time, in order, then the regular containers", () => {
    expect(computePodActions(pod, snapshot([]))).toMatchObject({
      initContainersToStart: [0],
      containersToStart: [],
    });
    expect(computePodActions(pod, snapshot([runtimeContainer("i1", { state: "running" })]))).toMatchObject({
      initContainersToStart: [],
      containersToStart: [],
    });
    expect(computePodActions(pod, snapshot([exited("i1", 0)]))).toMatchObject({
      initContainersToStart: [1],
      containersToStart: [],
    });
    expect(computePodActions(pod, snapshot([exited("i2", 0), exited("i1", 0)]))).toMatchObject({
      initContainersToStart: [],
      containersToStart: [0],
    });
  });

  it("retries a failed init container, or fails the pod under restart policy Never", () => {
    expect(computePodActions(pod, snapshot([exited("i1", 1)]))).toMatchObject({
      killPod: false,
      initContainersToStart: [0],
    });
    const never = makePod({ restartPolicy: "Never", initContainers: inits });
    expect(computePodActions(never, snapshot([exited("i1", 1)]))).toMatchObject({
      killPod: true,
      initContainersToStart: [],
    });
    const oom = computePodActions(never, snapshot([exited("i1", 0, { reason: "OOMKilled" })]));
    expect(oom.killPod).toBe(true);
  });

  it("restarts an init container stuck in created state, and kills one in unknown state first", () => {
    expect(
      computePodActions(pod, snapshot([runtimeContainer("i1", { state: "created" })])).initContainersToStart,
    ).toEqual([0]);
    const unknown = computePodActions(pod, snapshot([runtimeContainer("i1", { id: "u", state: "unknown" })]));
    expect(unknown.initContainersToStart).toEqual([0]);
    expect(unknown.containersToKill).toEqual([
      expect.objectContaining({
        containerId: "u",
        message: 'Init container is in "unknown" state, try killing it before restart',
      }),
    ]);
  });

  it("does not rerun init containers once a regular container is running", () => {
    const actions = computePodActions(pod, snapshot([running()]));
    expect(actions).toMatchObject({ initContainersToStart: [], containersToStart: [], killPod: false });
  });
});

describe("computePodActions with sidecars (restartable init containers)", () => {
  const sidecar = container("proxy", { restartPolicy: "Always" });
  const sidecarHash = hashContainer(sidecar);
  const pod = makePod({ initContainers: [sidecar, container("setup")] });

  it("starts the next init container as soon as the sidecar runs, and keeps it running", () => {
    const status = snapshot([runtimeContainer("proxy", { state: "running", hash: sidecarHash })]);
    expect(computePodActions(pod, status)).toMatchObject({
      initContainersToStart: [1],
      containersToStart: [],
    });
    const done = snapshot([
      exited("setup", 0),
      runtimeContainer("proxy", { state: "running", hash: sidecarHash }),
    ]);
    expect(computePodActions(pod, done)).toMatchObject({ initContainersToStart: [], containersToStart: [0] });
  });

  it("waits for a sidecar's startup probe before starting the next init container", () => {
    const withProbe = container("proxy", {
      restartPolicy: "Always",
      startupProbe: { exec: { command: ["true"] } },
    });
    const p = makePod({ initContainers: [withProbe, container("setup")] });
    const status = snapshot([
      runtimeContainer("proxy", { id: "px", state: "running", hash: hashContainer(withProbe) }),
    ]);
    expect(computePodActions(p, status).initContainersToStart).toEqual([]);
    expect(
      computePodActions(p, status, { containerHealth: () => ({ startup: "success" }) }).initContainersToStart,
    ).toEqual([1]);
    const failed = computePodActions(p, status, { containerHealth: () => ({ startup: "failure" }) });
    expect(failed.initContainersToStart).toEqual([0]);
    expect(failed.containersToKill).toEqual([
      expect.objectContaining({ message: "Init container proxy failed startup probe" }),
    ]);
  });

  it("restarts an exited sidecar even after initialization, regardless of restart policy", () => {
    const p = makePod({ restartPolicy: "Never", initContainers: [sidecar] });
    const status = snapshot([running(), exited("proxy", 1)]);
    expect(computePodActions(p, status)).toMatchObject({ initContainersToStart: [0], killPod: false });
  });

  it("restarts a sidecar that failed liveness", () => {
    const withProbe = container("proxy", {
      restartPolicy: "Always",
      livenessProbe: { exec: { command: ["true"] } },
    });
    const p = makePod({ initContainers: [withProbe] });
    const status = snapshot([
      running(),
      runtimeContainer("proxy", { id: "px", state: "running", hash: hashContainer(withProbe) }),
    ]);
    const actions = computePodActions(p, status, {
      containerHealth: (id) => (id === "px" ? { liveness: "failure" } : undefined),
    });
    expect(actions.initContainersToStart).toEqual([0]);
    expect(actions.containersToKill).toEqual([
      expect.objectContaining({
        containerId: "px",
        message: "Init container proxy failed liveness probe",
        reason: "LivenessProbe",
      }),
    ]);
  });

  it("does not let sidecars keep a finished pod alive", () => {
    const p = makePod({ restartPolicy: "Never", initContainers: [sidecar] });
    const status = snapshot([
      exited("app", 0),
      runtimeContainer("proxy", { state: "running", hash: sidecarHash }),
    ]);
    expect(computePodActions(p, status)).toMatchObject({ killPod: true, initContainersToStart: [] });
  });
});
