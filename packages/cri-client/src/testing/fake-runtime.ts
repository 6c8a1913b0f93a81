import type { Clock, Logger } from "@kubelet-kit/core";
import { createNoopLogger, createRealClock } from "@kubelet-kit/core";
import { type ContainerEventResponse, ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import type { CriTransport, ServiceHandlers } from "../types.js";
import { type ContainerBehaviourRule, validateRules } from "./behaviour.js";
import { ContainerEvents } from "./container-events.js";
import {
  type ContainerSelector,
  createContainerHandle,
  type FakeContainerHandle,
} from "./container-handle.js";
import { createContainerHandlers } from "./container-handlers.js";
import { ContainerStore } from "./container-store.js";
import * as errors from "./containerd-errors.js";
import { clockNs, type FakeSettings, type FakeState } from "./fake-state.js";
import { CallGate, type FakeMethodName, type FaultSpec, type RecordedCall } from "./faults.js";
import { createImageHandlers } from "./image-handlers.js";
import { ImageStore, type PullablePolicy } from "./image-store.js";
import { createInMemoryTransport } from "./in-memory-transport.js";
import { DEFAULT_POD_SUBNET, PodAddressPool, parsePodSubnet } from "./pod-subnet.js";
import { createRuntimeInfoHandlers } from "./runtime-info-handlers.js";
import { createSandboxHandlers } from "./sandbox-handlers.js";
import { SandboxStore } from "./sandbox-store.js";
import {
  type FakeContainerSnapshot,
  type FakeImageSnapshot,
  type FakeSandboxSnapshot,
  snapshotContainer,
  snapshotImage,
  snapshotSandbox,
} from "./snapshots.js";

/** The sandbox (pause) image RunPodSandbox needs by default. */
export const DEFAULT_SANDBOX_IMAGE = "registry.k8s.io/pause:3.10";

/** The images a fake runtime holds by default: a busybox and the sandbox (pause) image. */
export const DEFAULT_FAKE_IMAGES: readonly string[] = Object.freeze([
  "docker.io/library/busybox:latest",
  DEFAULT_SANDBOX_IMAGE,
]);

/** The RPCs containerd 1.6 does not serve (it answers Unimplemented); pass as `unimplemented` to mimic it. */
export const CONTAINERD_1_6_UNIMPLEMENTED: readonly FakeMethodName[] = Object.freeze([
  "StreamPodSandboxes",
  "StreamContainers",
  "StreamContainerStats",
  "StreamPodSandboxStats",
  "StreamPodSandboxMetrics",
  "StreamImages",
  "GetContainerEvents",
  "ListMetricDescriptors",
  "ListPodSandboxMetrics",
  "RuntimeConfig",
  "UpdatePodSandboxResources",
  "CheckpointContainer",
] as const satisfies readonly FakeMethodName[]);

/** An image present from the start, with an optional size. */
export interface FakeImage {
  ref: string;
  /** Default: 1–5 MiB, stable per reference. */
  sizeBytes?: number;
}

/** Options of {@link createFakeRuntime}. Every field is optional. */
export interface FakeRuntimeOptions {
  /** Drives every timestamp, scripted delay, grace period and injected delay. Default: the real clock. */
  clock?: Clock;
  /** Default: no-op. */
  logger?: Logger;
  /** Images present at start (imported: tags, no repo digests). Default {@link DEFAULT_FAKE_IMAGES}. */
  images?: readonly (string | FakeImage)[];
  /**
   * What a PullImage may fetch: references (normalised before comparing) or a predicate over the
   * normalised reference. Others fail as a registry answering 404 makes containerd fail: NotFound,
   * `failed to pull and unpack image "…": failed to resolve reference "…": …: not found`.
   * Default: the references of `images`.
   */
  pullable?: PullablePolicy;
  /** Pairs `[a, b]`: tag `b` names the same image as `a` (same id, one ListImages entry). Default none. */
  aliases?: readonly (readonly [string, string])[];
  /** How long a successful pull takes, on `clock`. Default 0. */
  pullDelayMs?: number;
  /** Container behaviours by image, command or name (first match wins). Default: none (run forever). */
  behaviours?: readonly ContainerBehaviourRule[];
  /** Version's `runtime_name`. Default `"fake-runtime"`. */
  runtimeName?: string;
  /** Version's `runtime_version`. Default `"0.1.0"`. */
  runtimeVersion?: string;
  /** Accepted RunPodSandbox `runtime_handler`s besides "" (containerd's `runtimes`). Default `["runc"]`. */
  runtimeHandlers?: readonly string[];
  /** The sandbox (pause) image RunPodSandbox needs (pulled if absent and pullable). Default `registry.k8s.io/pause:3.10`. */
  sandboxImage?: string;
  /** Serve GetContainerEvents (as containerd ≥ 1.7); false answers Unimplemented (as 1.6). Default true. */
  containerEvents?: boolean;
  /** Answer RuntimeConfig with this cgroup driver; unset answers Unimplemented, as containerd 1.6. Default unset. */
  cgroupDriver?: "systemd" | "cgroupfs";
  /** RPCs answered Unimplemented, e.g. {@link CONTAINERD_1_6_UNIMPLEMENTED}. Default none. */
  unimplemented?: readonly FakeMethodName[];
  /** Base of the Exec/Attach/PortForward URLs (no streaming server is started). Default `http://127.0.0.1:0`. */
  streamingBaseUrl?: string;
  /** The mount point ImageFsInfo and writable-layer stats report. Default containerd's overlayfs snapshotter dir. */
  imageFsMountpoint?: string;
  /**
   * IPv4 CIDR sandbox IPs are allocated from, in order. Default "10.88.0.0/16".
   *
   * As containerd's bridge + host-local IPAM config does: the first host address (network + 1) is the
   * bridge's gateway, so sandboxes get network + 2, network + 3, … up to broadcast − 1 (10.88.0.2, 10.88.0.3,
   * … by default). Addresses are not reused until the range was handed out once; then allocation wraps to
   * the start and skips addresses held by READY sandboxes (StopPodSandbox releases one). With every address
   * held, RunPodSandbox fails as containerd does (`… no IP addresses available in range set: …`).
   * A loopback range such as "127.77.0.0/24" lets containers `listen` for real (see `ContainerBehaviour.listen`).
   * Not an IPv4 CIDR, or longer than /30: InvalidArgument naming `podSubnet`.
   */
  podSubnet?: string;
}

/** A behavioural fake CRI runtime (RuntimeService + ImageService), in memory. */
export interface FakeRuntime {
  /** Every RuntimeService RPC; serve them (see `serveFakeRuntime`) or call them directly. */
  readonly runtimeHandlers: ServiceHandlers<typeof RuntimeService>;
  /** Every ImageService RPC. */
  readonly imageHandlers: ServiceHandlers<typeof ImageService>;
  /** An in-memory transport to both services: `createRuntimeService({ transport: fake.transport })`. */
  readonly transport: CriTransport;
  /** A new, independent in-memory transport (closing one does not affect the others). */
  createTransport(): CriTransport;
  readonly clock: Clock;
  /** Every call received, oldest first. */
  readonly calls: readonly RecordedCall[];
  /** The calls to one RPC. */
  callsTo(method: FakeMethodName): RecordedCall[];
  clearCalls(): void;
  /** Injects a fault; returns a function that removes it. */
  injectFault(fault: FaultSpec): () => void;
  clearFaults(): void;
  /** While down every call fails with Unavailable (connection refused); state and timers carry on. */
  setDown(down: boolean): void;
  readonly isDown: boolean;
  /** A handle on a container: by id (or unique prefix), or by name (see {@link ContainerSelector}). */
  container(ref: string | ContainerSelector): FakeContainerHandle;
  sandboxes(): FakeSandboxSnapshot[];
  containers(): FakeContainerSnapshot[];
  images(): FakeImageSnapshot[];
  /** Makes `ref` present (as an imported image); returns its id. */
  addImage(ref: string, options?: { sizeBytes?: number }): string;
  /** Container lifecycle events from now on (what GetContainerEvents streams), until `signal` or {@link close}. */
  events(options?: { signal?: AbortSignal }): AsyncIterable<ContainerEventResponse>;
  /**
   * Ends event streams, clears every timer, closes every scripted listener (destroying its connections);
   * later calls fail with Unavailable.
   */
  close(): void;
}

interface ResolvedOptions {
  clock: Clock;
  logger: Logger;
  images: readonly FakeImage[];
  pullable: PullablePolicy;
  aliases: readonly (readonly [string, string])[];
  pullDelayMs: number;
  behaviours: readonly ContainerBehaviourRule[];
  unimplemented: readonly FakeMethodName[];
  addresses: PodAddressPool;
  settings: FakeSettings;
}

function resolveOptions(options: FakeRuntimeOptions): ResolvedOptions {
  const images = (options.images ?? DEFAULT_FAKE_IMAGES).map((image) =>
    typeof image === "string" ? { ref: image } : image,
  );
  return {
    clock: options.clock ?? createRealClock({ unref: true }),
    logger: options.logger ?? createNoopLogger(),
    images,
    pullable: options.pullable ?? images.map((image) => image.ref),
    aliases: options.aliases ?? [],
    pullDelayMs: options.pullDelayMs ?? 0,
    behaviours: validateRules(options.behaviours ?? [], "behaviours"),
    unimplemented: options.unimplemented ?? [],
    addresses: new PodAddressPool(parsePodSubnet(options.podSubnet ?? DEFAULT_POD_SUBNET)),
    settings: {
      runtimeName: options.runtimeName ?? "fake-runtime",
      runtimeVersion: options.runtimeVersion ?? "0.1.0",
      runtimeHandlers: options.runtimeHandlers ?? ["runc"],
      sandboxImage: options.sandboxImage ?? DEFAULT_SANDBOX_IMAGE,
      containerEvents: options.containerEvents ?? true,
      cgroupDriver: options.cgroupDriver,
      streamingBaseUrl: options.streamingBaseUrl ?? "http://127.0.0.1:0",
      imageFsMountpoint:
        options.imageFsMountpoint ?? "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
    },
  };
}

/**
 * Creates a fake CRI runtime that behaves like containerd 1.6's CRI plugin where tools can observe it
 * (state machines, idempotency, error codes and wording, image references, log files), with scriptable
 * containers, fault injection and call recording. See `docs/fake-runtime.md`.
 *
 * @example
 * ```ts
 * const clock = createFakeClock();
 * const fake = createFakeRuntime({ clock, behaviours: [{ command: "sh -c exit 3", behaviour: { kind: "exit", code: 3 } }] });
 * const runtime = createRuntimeService({ transport: fake.transport, clock });
 * ```
 */
export function createFakeRuntime(options: FakeRuntimeOptions = {}): FakeRuntime {
  const resolved = resolveOptions(options);
  const { clock, settings } = resolved;
  let pid = 1000;
  const state: FakeState = {
    clock,
    logger: resolved.logger,
    nowNs: () => clockNs(clock),
    sandboxes: new SandboxStore(resolved.addresses),
    containers: new ContainerStore(),
    images: new ImageStore({ aliases: resolved.aliases, pullable: resolved.pullable }),
    events: new ContainerEvents(),
    behaviours: resolved.behaviours,
    settings,
    nextPid: () => ++pid,
  };
  for (const image of resolved.images) state.images.add(image.ref, image.sizeBytes);

  const describeConfig = () => ({ ...settings, images: resolved.images.map((image) => image.ref) });
  const gate = new CallGate(clock, resolved.unimplemented, resolved.logger);
  const runtimeHandlers = gate.wrap(RuntimeService, {
    ...createRuntimeInfoHandlers(state, describeConfig),
    ...createSandboxHandlers(state),
    ...createContainerHandlers(state),
  } satisfies ServiceHandlers<typeof RuntimeService>);
  const imageHandlers = gate.wrap(ImageService, createImageHandlers(state, resolved.pullDelayMs));
  const createTransport = () =>
    createInMemoryTransport([
      { service: RuntimeService, handlers: runtimeHandlers },
      { service: ImageService, handlers: imageHandlers },
    ]);
  let down = false;
  let closed = false;

  return {
    runtimeHandlers,
    imageHandlers,
    transport: createTransport(),
    createTransport,
    clock,
    get calls() {
      return gate.calls;
    },
    callsTo: (method) => gate.calls.filter((call) => call.method === method),
    clearCalls() {
      gate.calls.length = 0;
    },
    injectFault: (fault) => gate.inject(fault),
    clearFaults: () => gate.clearFaults(),
    setDown(value) {
      down = value;
      if (closed) return;
      gate.unavailable = down ? errors.runtimeDown : undefined;
      if (down) state.events.failAll(errors.runtimeDown());
    },
    get isDown() {
      return down;
    },
    container: (ref) => createContainerHandle(state, ref),
    sandboxes: () => state.sandboxes.list().map(snapshotSandbox),
    containers: () => state.containers.list().map((record) => snapshotContainer(record)),
    images: () => state.images.list().map(snapshotImage),
    addImage: (ref, addOptions) => state.images.add(ref, addOptions?.sizeBytes).id,
    events: (eventOptions) => state.events.subscribe(eventOptions?.signal),
    close() {
      if (closed) return;
      closed = true;
      gate.unavailable = () => errors.runtimeClosed();
      for (const record of state.containers.list()) {
        for (const handle of record.timers) clock.clearTimeout(handle);
        record.timers.clear();
        record.listeners?.close();
      }
      state.events.close();
    },
  };
}
