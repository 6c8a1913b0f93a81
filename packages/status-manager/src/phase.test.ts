import type { V1ContainerStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  cs,
  makePod,
  type PodShape,
  record,
  sandbox,
  sidecar,
  snapshot,
  T0,
} from "./fixtures.test-helpers.js";
import { getPodPhase, hasAnyActiveRegularContainerStarted, type PodPhaseOptions } from "./phase.js";

interface PhaseCase {
  name: string;
  pod: PodShape;
  statuses: V1ContainerStatus[];
  options?: PodPhaseOptions;
  expected: string;
}

const STATIC = { "kubernetes.io/config.source": "file" };

const cases: PhaseCase[] = [
  // Regular init containers
  {
    name: "an init container that exited non-zero under Never fails the pod",
    pod: { initContainers: ["init"], restartPolicy: "Never" },
    statuses: [cs.terminated("init", 1), cs.waiting("app")],
    expected: "Failed",
  },
  {
    name: "an init container waiting after a non-zero exit under Never fails the pod",
    pod: { initContainers: ["init"], restartPolicy: "Never" },
    statuses: [cs.waiting("init", 2)],
    expected: "Failed",
  },
  {
    name: "an init container failing under OnFailure keeps the pod Pending while it restarts",
    pod: { initContainers: ["init"], restartPolicy: "OnFailure" },
    statuses: [cs.waiting("init", 1), cs.waiting("app")],
    expected: "Pending",
  },
  {
    name: "a running init container keeps the pod Pending",
    pod: { initContainers: ["init"] },
    statuses: [cs.running("init"), cs.waiting("app")],
    expected: "Pending",
  },
  {
    name: "an init container without status keeps the pod Pending",
    pod: { initContainers: ["init"] },
    statuses: [cs.running("app")],
    expected: "Pending",
  },
  {
    name: "an init container waiting for its first run keeps the pod Pending",
    pod: { initContainers: ["init"] },
    statuses: [cs.waiting("init"), cs.running("app")],
    expected: "Pending",
  },
  {
    name: "an init container in no known state keeps the pod Pending",
    pod: { initContainers: ["init"] },
    statuses: [cs.empty("init"), cs.running("app")],
    expected: "Pending",
  },
  {
    name: "completed init containers and a running container make the pod Running",
    pod: { initContainers: ["init"] },
    statuses: [cs.terminated("init", 0), cs.running("app")],
    expected: "Running",
  },
  // Sidecars (restartable init containers)
  {
    name: "a sidecar running but not started keeps an uninitialized pod Pending",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.running("proxy", false), cs.running("app")],
    expected: "Pending",
  },
  {
    name: "a sidecar restarting (not started) does not send an initialized pod back to Pending",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.running("proxy", false), cs.running("app")],
    options: { podHasInitialized: true },
    expected: "Running",
  },
  {
    name: "a started sidecar and a running container make the pod Running",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.running("proxy", true), cs.running("app")],
    expected: "Running",
  },
  {
    name: "a sidecar waiting for its first run counts as waiting even once initialized",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.waiting("proxy"), cs.running("app")],
    options: { podHasInitialized: true },
    expected: "Pending",
  },
  {
    name: "a sidecar waiting to restart after a termination is ignored",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.waiting("proxy", 1), cs.running("app")],
    expected: "Running",
  },
  {
    name: "a terminated sidecar is ignored: all regular containers succeeded under OnFailure",
    pod: { initContainers: [sidecar("proxy")], restartPolicy: "OnFailure" },
    statuses: [cs.terminated("proxy", 137), cs.terminated("app", 0)],
    expected: "Succeeded",
  },
  {
    name: "a sidecar without status is unknown, so a running pod is Pending",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.running("app")],
    options: { podHasInitialized: true },
    expected: "Pending",
  },
  {
    name: "a sidecar in no known state is unknown and pending",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.empty("proxy"), cs.running("app")],
    options: { podHasInitialized: true },
    expected: "Pending",
  },
  {
    name: "a running sidecar keeps a pod whose regular containers stopped Running under Always",
    pod: { initContainers: [sidecar("proxy")] },
    statuses: [cs.running("proxy", true), cs.terminated("app", 0)],
    expected: "Running",
  },
  // Regular containers
  {
    name: "a running container makes the pod Running",
    pod: {},
    statuses: [cs.running("app")],
    expected: "Running",
  },
  {
    name: "a container waiting for its first run keeps the pod Pending",
    pod: { containers: ["app", "db"] },
    statuses: [cs.running("app"), cs.waiting("db")],
    expected: "Pending",
  },
  {
    name: "a container in CrashLoopBackOff counts as stopped: Running under Always",
    pod: {},
    statuses: [cs.waiting("app", 1)],
    expected: "Running",
  },
  {
    name: "all containers exited 0 under Always: Running (they restart)",
    pod: { containers: ["a", "b"] },
    statuses: [cs.terminated("a", 0), cs.terminated("b", 0)],
    expected: "Running",
  },
  {
    name: "a missing restart policy defaults to Always",
    pod: { restartPolicy: undefined },
    statuses: [cs.terminated("app", 1)],
    expected: "Running",
  },
  {
    name: "all containers exited 0 under OnFailure: Succeeded",
    pod: { containers: ["a", "b"], restartPolicy: "OnFailure" },
    statuses: [cs.terminated("a", 0), cs.terminated("b", 0)],
    expected: "Succeeded",
  },
  {
    name: "all containers exited 0 under Never: Succeeded",
    pod: { restartPolicy: "Never" },
    statuses: [cs.terminated("app", 0)],
    expected: "Succeeded",
  },
  {
    name: "a container failed under Never: Failed",
    pod: { containers: ["a", "b"], restartPolicy: "Never" },
    statuses: [cs.terminated("a", 0), cs.terminated("b", 1)],
    expected: "Failed",
  },
  {
    name: "a container failed under OnFailure: Running (it restarts)",
    pod: { containers: ["a", "b"], restartPolicy: "OnFailure" },
    statuses: [cs.terminated("a", 0), cs.terminated("b", 1)],
    expected: "Running",
  },
  {
    name: "a terminal pod whose containers all exited 0 is Succeeded even under Always",
    pod: {},
    statuses: [cs.terminated("app", 0)],
    options: { podIsTerminal: true },
    expected: "Succeeded",
  },
  {
    name: "a terminal pod with a failed container is Failed even under Always",
    pod: { containers: ["a", "b"] },
    statuses: [cs.terminated("a", 0), cs.waiting("b", 137)],
    options: { podIsTerminal: true },
    expected: "Failed",
  },
  {
    name: "a terminal static pod keeps the restart-policy answer (upstream TODO #116484)",
    pod: { annotations: STATIC },
    statuses: [cs.terminated("app", 0)],
    options: { podIsTerminal: true },
    expected: "Running",
  },
  {
    name: "a pod from the API server is not static",
    pod: { annotations: { "kubernetes.io/config.source": "api" } },
    statuses: [cs.terminated("app", 0)],
    options: { podIsTerminal: true },
    expected: "Succeeded",
  },
  {
    name: "a container without status keeps the pod Pending",
    pod: {},
    statuses: [],
    expected: "Pending",
  },
  {
    name: "one running container and one unknown: Pending",
    pod: { containers: ["a", "b"] },
    statuses: [cs.running("a")],
    expected: "Pending",
  },
  {
    name: "a container in no known state is unknown: Pending",
    pod: { containers: ["a", "b"] },
    statuses: [cs.running("a"), cs.empty("b")],
    expected: "Pending",
  },
  {
    name: "one running and one stopped container: Running",
    pod: { containers: ["a", "b"], restartPolicy: "Never" },
    statuses: [cs.running("a"), cs.terminated("b", 1)],
    expected: "Running",
  },
];

describe("getPodPhase", () => {
  it.each(cases)("$name", ({ pod, statuses, options, expected }) => {
    expect(getPodPhase(makePod(pod), statuses, options)).toBe(expected);
  });
});

describe("hasAnyActiveRegularContainerStarted", () => {
  it("counts a regular container of the newest sandbox, in any state", () => {
    const pod = makePod({ initContainers: ["init"] });
    expect(
      hasAnyActiveRegularContainerStarted(
        pod,
        snapshot([record("app", { state: "exited", createdAtMs: T0 })]),
      ),
    ).toBe(true);
  });

  it("ignores init containers and containers of an older sandbox", () => {
    const pod = makePod({ initContainers: ["init"] });
    const status = snapshot([record("init"), record("app", { createdAtMs: T0 - 60_000 })], {
      sandboxes: [sandbox({ createdAtMs: T0 - 1_000 }), sandbox({ id: "old", createdAtMs: T0 - 120_000 })],
    });
    expect(hasAnyActiveRegularContainerStarted(pod, status)).toBe(false);
  });
});
