// Test support shared by this package's tests (excluded from the build and the published files).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeClock, PodStatusSnapshot, RuntimeContainer, RuntimeSandbox } from "@kubelet-kit/core";
import { createFakeClock } from "@kubelet-kit/core";
import { createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import {
  createFakeRuntime,
  type FakeRuntime,
  type FakeRuntimeOptions,
} from "@kubelet-kit/cri-client/testing";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { RuntimeEvent } from "./events.js";
import type { RuntimeManagerOptions } from "./options.js";
import { createRuntimeManager, type RuntimeManager } from "./runtime-manager.js";

export const POD_UID = "8f2c5a4e-0000-4000-8000-000000000001";

/** A defaulted-looking pod with one busybox container; `spec` fields override. */
export function makePod(
  spec: Partial<NonNullable<V1Pod["spec"]>> = {},
  metadata: Partial<NonNullable<V1Pod["metadata"]>> = {},
): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: POD_UID, ...metadata },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      containers: [container("app")],
      ...spec,
    },
  };
}

export function container(name: string, extra: Partial<V1Container> = {}): V1Container {
  return {
    name,
    image: "busybox:latest",
    imagePullPolicy: "IfNotPresent",
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    command: ["sleep", "3600"],
    ...extra,
  };
}

let idCounter = 0;

/** A runtime record for computePodActions tables. */
export function runtimeContainer(name: string, extra: Partial<RuntimeContainer> = {}): RuntimeContainer {
  idCounter++;
  return {
    id: `c${idCounter}`,
    runtimeType: "fake-runtime",
    name,
    image: "busybox:latest",
    imageRef: "sha256:abc",
    state: "running",
    createdAtMs: 1_000 + idCounter,
    restartCount: 0,
    ...extra,
  };
}

export function readySandbox(extra: Partial<RuntimeSandbox> = {}): RuntimeSandbox {
  return {
    id: "sb1",
    name: "web",
    namespace: "default",
    uid: POD_UID,
    attempt: 0,
    state: "ready",
    createdAtMs: 1_000,
    ips: ["10.88.0.2"],
    hostNetwork: false,
    ...extra,
  };
}

export function snapshot(
  containers: RuntimeContainer[],
  sandboxes: RuntimeSandbox[] = [readySandbox()],
): PodStatusSnapshot {
  return {
    uid: POD_UID,
    name: "web",
    namespace: "default",
    ips: sandboxes[0]?.ips ?? [],
    sandboxes,
    containers,
    timestampMs: 0,
  };
}

/** A runtime manager over the fake runtime, with temp log/root dirs and an event log. */
export interface Harness {
  readonly clock: FakeClock;
  readonly fake: FakeRuntime;
  readonly manager: RuntimeManager;
  readonly events: RuntimeEvent[];
  readonly podLogsDir: string;
  readonly rootDir: string;
  /** Status, then sync; returns the sync result. */
  sync(pod: V1Pod, options?: Parameters<RuntimeManager["syncPod"]>[2]): ReturnType<RuntimeManager["syncPod"]>;
  status(pod: V1Pod): Promise<PodStatusSnapshot>;
  close(): Promise<void>;
}

export async function createHarness(
  fakeOptions: Omit<FakeRuntimeOptions, "clock"> = {},
  managerOptions: Partial<RuntimeManagerOptions> = {},
): Promise<Harness> {
  const clock = createFakeClock();
  const fake = createFakeRuntime({ clock, ...fakeOptions });
  const dir = await mkdtemp(join(tmpdir(), "runtime-manager-"));
  const podLogsDir = join(dir, "pods-logs");
  const rootDir = join(dir, "root");
  const runtimeService = createRuntimeService({ transport: fake.transport, clock });
  const imageService = createImageService({ transport: fake.createTransport(), clock });
  const manager = createRuntimeManager({
    runtimeService,
    imageService,
    clock,
    podLogsDir,
    rootDir,
    nodeName: "node-1",
    ...managerOptions,
  });
  const events: RuntimeEvent[] = [];
  manager.on("event", (e) => events.push(e));
  const status = (pod: V1Pod) =>
    manager.getPodStatus(pod.metadata?.uid ?? "", pod.metadata?.name ?? "", pod.metadata?.namespace ?? "");
  return {
    clock,
    fake,
    manager,
    events,
    podLogsDir,
    rootDir,
    status,
    async sync(pod, options) {
      return manager.syncPod(pod, await status(pod), options);
    },
    async close() {
      fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `promise` while advancing the fake clock in steps until it settles. */
export async function settle<T>(
  clock: FakeClock,
  promise: Promise<T>,
  stepMs = 100,
  maxMs = 600_000,
): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  for (let waited = 0; !done && waited <= maxMs; waited += stepMs) await clock.advanceAsync(stepMs);
  return tracked;
}
