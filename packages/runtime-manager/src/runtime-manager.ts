import type {
  ContainerLogEntry,
  PodRuntime,
  RuntimeContainerEvent,
  RuntimeContainerEventType,
  Subscribable,
} from "@kubelet-kit/core";
import { createBackoff, createEventHub, KubeletKitError } from "@kubelet-kit/core";
import { ContainerEventType, ContainerState } from "@kubelet-kit/cri-api";
import type { V1Pod } from "@kubernetes/client-node";
import type { RuntimeContext } from "./context.js";
import { readCriLog } from "./cri-logs.js";
import type { RuntimeManagerEvents } from "./events.js";
import { createGarbageCollector } from "./gc.js";
import { createHookRunner } from "./hooks.js";
import { createImageManager } from "./image-manager.js";
import { createKiller } from "./kill.js";
import { type RuntimeManagerOptions, resolveRuntimeManagerOptions } from "./options.js";
import { getPodStatus, listPods } from "./pod-status.js";
import { createContainerStarter } from "./start-container.js";
import { createPodSyncer } from "./sync-pod.js";

/** The CRI API version the kubelet asks for in `Version`. */
const KUBE_RUNTIME_API_VERSION = "0.1.0";

/**
 * Runs pods on a CRI runtime: core's `PodRuntime` for `V1Pod` (the kubelet's `kubeGenericRuntimeManager`),
 * plus the runtime's container event stream and typed events for the API event recorder.
 */
export interface RuntimeManager extends PodRuntime<V1Pod>, Subscribable<RuntimeManagerEvents> {
  /**
   * Container lifecycle events from CRI `GetContainerEvents` (see core's `ContainerEventWatcher`); throws
   * `Unimplemented` when the runtime has no event stream (containerd 1.6).
   */
  watchContainerEvents(signal: AbortSignal): AsyncIterable<RuntimeContainerEvent>;
}

const EVENT_TYPES: Readonly<Record<number, RuntimeContainerEventType>> = {
  [ContainerEventType.CONTAINER_CREATED_EVENT]: "created",
  [ContainerEventType.CONTAINER_STARTED_EVENT]: "started",
  [ContainerEventType.CONTAINER_STOPPED_EVENT]: "stopped",
  [ContainerEventType.CONTAINER_DELETED_EVENT]: "deleted",
};

/**
 * Creates a runtime manager over CRI clients.
 *
 * @example
 * ```ts
 * const manager = createRuntimeManager({
 *   runtimeService: createRuntimeService({ endpoint }),
 *   imageService: createImageService({ endpoint }),
 * });
 * manager.on("event", (e) => recorder.record(e));
 * const status = await manager.getPodStatus(uid, name, namespace);
 * const result = await manager.syncPod(pod, status);
 * ```
 */
export function createRuntimeManager(options: RuntimeManagerOptions): RuntimeManager {
  const o = resolveRuntimeManagerOptions(options);
  const hub = createEventHub<RuntimeManagerEvents>({ logger: o.logger });
  let runtimeName: Promise<string> | undefined;
  const version = async (signal?: AbortSignal) => {
    const response = await o.runtimeService.version({ version: KUBE_RUNTIME_API_VERSION }, { signal });
    return {
      runtimeName: response.runtimeName,
      runtimeVersion: response.runtimeVersion,
      runtimeApiVersion: response.runtimeApiVersion,
    };
  };
  const ctx: RuntimeContext = {
    runtime: o.runtimeService,
    images: o.imageService,
    clock: o.clock,
    logger: o.logger,
    podLogsDir: o.podLogsDir,
    rootDir: o.rootDir,
    nodeIps: o.nodeIps,
    dns: o.dns,
    cpuCfsQuota: o.cpuCfsQuota,
    runtimeRequestTimeoutMs: o.runtimeRequestTimeoutMs,
    crashLoop: createBackoff({ ...o.crashLoopBackoff, clock: o.clock }),
    imagePull: createBackoff({ ...o.imagePullBackoff, clock: o.clock }),
    fetch: o.fetch,
    lifecycleUserAgent: o.lifecycleUserAgent,
    volumes: o.volumes,
    runtimeName() {
      runtimeName ??= version().then(
        (v) => v.runtimeName,
        (err: unknown) => {
          runtimeName = undefined;
          throw err;
        },
      );
      return runtimeName;
    },
    emit(type, reason, pod, message, container) {
      hub.emit("event", {
        type,
        reason,
        message,
        pod,
        ...(container !== undefined ? { container } : {}),
        atMs: o.clock.now(),
        host: o.nodeName,
      });
    },
  };
  const hooks = createHookRunner(ctx);
  const killer = createKiller(ctx, hooks, async (pod) => (await getPodStatus(ctx, pod)).ips);
  const images = createImageManager(ctx, { serializeImagePulls: o.serializeImagePulls });
  const startContainer = createContainerStarter(ctx, images, hooks, killer);
  const syncPod = createPodSyncer(ctx, killer, startContainer);
  const garbageCollect = createGarbageCollector(ctx, killer);

  return {
    on: (event, listener) => hub.on(event, listener),
    once: (event, listener) => hub.once(event, listener),
    syncPod,
    async killPod(pod, runningPod, killOptions = {}) {
      const overrideMs = killOptions.gracePeriodOverrideMs;
      const results = await killer.killPod(
        pod,
        runningPod,
        overrideMs === undefined ? undefined : Math.ceil(overrideMs / 1000),
        killOptions.signal,
      );
      const failures = results.filter((r) => r.error !== undefined);
      if (failures.length > 0) {
        throw new KubeletKitError(
          "Unknown",
          failures.map((r) => `${r.action} ${r.target}: ${r.error?.message}`).join("; "),
          {
            details: { failures },
          },
        );
      }
    },
    getPodStatus: (uid, name, namespace, callOptions) =>
      getPodStatus(ctx, { uid, name, namespace }, callOptions?.signal),
    listPods: (listOptions) => listPods(ctx, listOptions?.all === true, listOptions?.signal),
    garbageCollect,
    async execSync(containerId, cmd, timeoutMs, callOptions) {
      const timeoutSeconds = timeoutMs > 0 ? Math.ceil(timeoutMs / 1000) : 0;
      const response = await o.runtimeService.execSync(
        { containerId, cmd: [...cmd], timeout: BigInt(timeoutSeconds) },
        {
          timeoutMs: timeoutMs > 0 ? o.runtimeRequestTimeoutMs + timeoutMs : Number.POSITIVE_INFINITY,
          signal: callOptions?.signal,
        },
      );
      return { stdout: response.stdout, stderr: response.stderr, exitCode: response.exitCode };
    },
    async *readContainerLogs(containerId, logOptions = {}): AsyncGenerator<ContainerLogEntry> {
      const { status } = await o.runtimeService.containerStatus(
        { containerId },
        { signal: logOptions.signal },
      );
      if (status === undefined || status.logPath === "") {
        throw new KubeletKitError("NotFound", `unable to retrieve container logs for ${containerId}`);
      }
      yield* readCriLog(status.logPath, {
        ...(logOptions.tailLines !== undefined ? { tailLines: logOptions.tailLines } : {}),
        ...(logOptions.limitBytes !== undefined ? { limitBytes: logOptions.limitBytes } : {}),
        ...(logOptions.sinceTimeMs !== undefined ? { sinceTimeMs: logOptions.sinceTimeMs } : {}),
        ...(logOptions.follow !== undefined ? { follow: logOptions.follow } : {}),
        ...(logOptions.signal !== undefined ? { signal: logOptions.signal } : {}),
        pollIntervalMs: o.logFollowPollIntervalMs,
        clock: o.clock,
        isRunning: async () => {
          try {
            const current = await o.runtimeService.containerStatus({ containerId });
            return current.status?.state === ContainerState.CONTAINER_RUNNING;
          } catch {
            return false;
          }
        },
      });
    },
    async status(callOptions) {
      const response = await o.runtimeService.status({}, { signal: callOptions?.signal });
      const conditions = (response.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.reason !== "" ? { reason: c.reason } : {}),
        ...(c.message !== "" ? { message: c.message } : {}),
      }));
      const condition = (type: string) => conditions.find((c) => c.type === type)?.status === true;
      return { runtimeReady: condition("RuntimeReady"), networkReady: condition("NetworkReady"), conditions };
    },
    version: (callOptions) => version(callOptions?.signal),
    async *watchContainerEvents(signal): AsyncGenerator<RuntimeContainerEvent> {
      const stream = o.runtimeService.getContainerEvents;
      if (stream === undefined)
        throw new KubeletKitError("Unimplemented", "the runtime has no container event stream");
      for await (const event of stream({}, { signal })) {
        const metadata = event.podSandboxStatus?.metadata;
        const type = EVENT_TYPES[event.containerEventType];
        if (type === undefined) continue;
        yield {
          containerId: event.containerId,
          podUid: metadata?.uid ?? "",
          podName: metadata?.name ?? "",
          podNamespace: metadata?.namespace ?? "",
          type,
          atMs: Number(event.createdAt / 1_000_000n),
        };
      }
    },
  };
}
