// @kubelet-kit/cri-client/testing: a behavioural fake CRI runtime, in memory and over a real socket.

export {
  BEHAVIOUR_ANNOTATION,
  type ContainerBehaviour,
  type ContainerBehaviourRule,
  type ContainerLifecycle,
  type FakeContainerStats,
  type ScriptedExec,
  type ScriptedListener,
  type ScriptedLogLine,
  type ScriptedRoute,
} from "./behaviour.js";
export type { ContainerSelector, FakeContainerHandle } from "./container-handle.js";
// Embedder API.
export {
  CONTAINERD_1_6_UNIMPLEMENTED,
  createFakeRuntime,
  DEFAULT_FAKE_IMAGES,
  DEFAULT_SANDBOX_IMAGE,
  type FakeImage,
  type FakeRuntime,
  type FakeRuntimeOptions,
} from "./fake-runtime.js";
export type { FakeMethodName, FaultSpec, RecordedCall } from "./faults.js";
export type { PullablePolicy } from "./image-store.js";
// Extension points: serve your own handlers the way the fake is served.
export { createInMemoryTransport, type InMemoryRoute } from "./in-memory-transport.js";
export type { LogStream } from "./log-writer.js";
export { formatCriLogLine, formatRfc3339Nano, MAX_LOG_LINE_BYTES } from "./log-writer.js";
export { DEFAULT_POD_SUBNET } from "./pod-subnet.js";
export {
  createGrpcImplementation,
  type FakeRuntimeServer,
  type ServeFakeRuntimeOptions,
  serveFakeRuntime,
} from "./server.js";
export type { FakeContainerSnapshot, FakeImageSnapshot, FakeSandboxSnapshot } from "./snapshots.js";
