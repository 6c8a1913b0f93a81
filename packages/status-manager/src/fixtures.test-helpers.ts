// Builders for pods, runtime records and statuses shared by this package's tests.
import type { PodStatusSnapshot, RuntimeContainer, RuntimeSandbox } from "@kubelet-kit/core";
import type { V1Container, V1ContainerStatus, V1ObjectMeta, V1Pod, V1PodSpec } from "@kubernetes/client-node";

/** 2023-11-14T22:13:20Z, the fake clock's default start. */
export const T0 = 1_700_000_000_000;

export interface PodShape {
  containers?: (string | V1Container)[];
  initContainers?: (string | V1Container)[];
  restartPolicy?: string;
  annotations?: Record<string, string>;
  uid?: string;
  hostNetwork?: boolean;
}

/** A pod whose metadata and spec are known to be set. */
export type TestPod = V1Pod & { metadata: V1ObjectMeta; spec: V1PodSpec };

export function makePod(shape: PodShape = {}): TestPod {
  const toContainer = (c: string | V1Container): V1Container =>
    typeof c === "string" ? { name: c, image: `${c}:1` } : { image: `${c.name}:1`, ...c };
  const pod: TestPod = {
    metadata: { name: "web", namespace: "default", uid: shape.uid ?? "uid-1" },
    spec: { containers: (shape.containers ?? ["app"]).map(toContainer) },
  };
  if (shape.initContainers) pod.spec.initContainers = shape.initContainers.map(toContainer);
  if (shape.restartPolicy) pod.spec.restartPolicy = shape.restartPolicy;
  if (shape.hostNetwork) pod.spec.hostNetwork = true;
  if (shape.annotations) pod.metadata.annotations = shape.annotations;
  return pod;
}

export function sidecar(name: string): V1Container {
  return { name, image: `${name}:1`, restartPolicy: "Always" };
}

let nextId = 1;

export function record(name: string, fields: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: fields.id ?? `c${nextId++}`,
    runtimeType: "containerd",
    name,
    image: `${name}:1`,
    imageRef: `docker.io/library/${name}@sha256:abc`,
    state: "running",
    createdAtMs: T0,
    startedAtMs: T0 + 500,
    restartCount: 0,
    ...fields,
  };
}

export function exited(
  name: string,
  exitCode: number,
  fields: Partial<RuntimeContainer> = {},
): RuntimeContainer {
  return record(name, {
    state: "exited",
    exitCode,
    reason: exitCode === 0 ? "Completed" : "Error",
    finishedAtMs: T0 + 5_000,
    ...fields,
  });
}

export function sandbox(fields: Partial<RuntimeSandbox> = {}): RuntimeSandbox {
  return {
    id: "sb1",
    name: "web",
    namespace: "default",
    uid: "uid-1",
    attempt: 0,
    state: "ready",
    createdAtMs: T0 - 1_000,
    ips: ["10.1.0.7"],
    hostNetwork: false,
    ...fields,
  };
}

export function snapshot(
  containers: RuntimeContainer[],
  fields: Partial<PodStatusSnapshot> = {},
): PodStatusSnapshot {
  return {
    uid: "uid-1",
    name: "web",
    namespace: "default",
    ips: ["10.1.0.7"],
    sandboxes: [sandbox()],
    containers,
    timestampMs: T0 + 10_000,
    ...fields,
  };
}

/** Container statuses in the shapes `getPhase` distinguishes. */
export const cs = {
  running(name: string, started?: boolean): V1ContainerStatus {
    return { ...base(name), state: { running: {} }, ...(started === undefined ? {} : { started }) };
  },
  terminated(name: string, exitCode: number): V1ContainerStatus {
    return { ...base(name), state: { terminated: { exitCode } } };
  },
  waiting(name: string, lastExitCode?: number): V1ContainerStatus {
    return {
      ...base(name),
      state: { waiting: { reason: "CrashLoopBackOff" } },
      ...(lastExitCode === undefined ? {} : { lastState: { terminated: { exitCode: lastExitCode } } }),
    };
  },
  empty(name: string): V1ContainerStatus {
    return { ...base(name), state: {} };
  },
  ready(name: string, ready: boolean, started?: boolean): V1ContainerStatus {
    return {
      ...base(name),
      ready,
      state: { running: {} },
      ...(started === undefined ? {} : { started }),
    };
  },
};

function base(name: string): V1ContainerStatus {
  return { name, image: `${name}:1`, imageID: "", ready: false, restartCount: 0 };
}
