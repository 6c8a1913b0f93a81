// The composition root: a node agent wired only from kubelet-kit packages. Pod sources → pod config →
// admission → sync loop → pod workers → PodRuntime (runtime-manager over CRI) → status generator → status
// manager, with PLEG relisting the runtime; the prober runs liveness, readiness and startup probes.

import {
  type Clock,
  createEventHub,
  createNoopLogger,
  createRealClock,
  KubeletKitError,
  type Logger,
  type PodRuntime,
  type PodSource,
  type Subscribable,
} from "@kubelet-kit/core";
import {
  createFileSource,
  createGenericPleg,
  createHttpSource,
  createPodCache,
  createPodConfig,
  createPodWorkers,
  createSyncLoop,
  isManifestError,
  type WorkerSyncError,
} from "@kubelet-kit/pod-manager";
import {
  createMemoryProberMetrics,
  createProbeHandlers,
  createProbeManager,
  type MemoryProberMetrics,
  type ProbeEvent,
} from "@kubelet-kit/prober";
import {
  createRuntimeManager,
  type DnsOptions,
  type RuntimeEvent,
  type RuntimeManagerImageService,
  type RuntimeManagerRuntimeService,
} from "@kubelet-kit/runtime-manager";
import { createStatusManager, generatePodStatus } from "@kubelet-kit/status-manager";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { createPodAdmission } from "./admission.js";

/** The two CRI services, as `@kubelet-kit/cri-client` creates them (`createRuntimeService`, `createImageService`). */
export interface CriServices {
  readonly runtimeService: RuntimeManagerRuntimeService;
  readonly imageService: RuntimeManagerImageService;
}

/** Options of {@link createMinimalKubelet}. Give exactly one of `cri` and `runtime`. */
export interface MinimalKubeletOptions {
  /** This node's name (`--hostname-override`): suffix of static pod names, part of their UIDs. Required. */
  nodeName: string;
  /** Run pods on a CRI runtime through `@kubelet-kit/runtime-manager`. */
  cri?: CriServices;
  /** Or run pods on any `PodRuntime` (your own, e.g. not CRI at all). */
  runtime?: PodRuntime<V1Pod>;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: no-op. */
  logger?: Logger;
  /** Static pod manifests, a directory or a file (`staticPodPath`). Default: none. */
  staticPodPath?: string;
  /** Re-read period of `staticPodPath` (`fileCheckFrequency`). Default: 20 000 ms. */
  fileCheckFrequencyMs?: number;
  /** Also re-read `staticPodPath` soon after a change (fs.watch). Default: `true`. */
  watchManifests?: boolean;
  /** URL of static pod manifests (`staticPodURL`). Default: none. */
  staticPodURL?: string;
  /** Headers for `staticPodURL` (`staticPodURLHeader`). Default: none. */
  staticPodURLHeader?: Readonly<Record<string, readonly string[]>>;
  /** Poll period of `staticPodURL` (`httpCheckFrequency`). Default: 20 000 ms. */
  httpCheckFrequencyMs?: number;
  /** More pod sources (e.g. `createProgrammaticSource`); each must have its own name. Default: none. */
  sources?: readonly PodSource<V1Pod>[];
  /** Longest time between two syncs of a pod (`syncFrequency`). Default: 60 000 ms. */
  syncFrequencyMs?: number;
  /**
   * How often the runtime's container garbage collection runs: exited containers beyond the policy and the
   * sandboxes of pods that are gone are removed. The first run is at `start()`. The kubelet's
   * `ContainerGCPeriod` constant (1 min), which it exposes as neither a flag nor a `KubeletConfiguration`
   * field; tests shorten it. Must be > 0. Default: 60 000 ms.
   */
  containerGcPeriodMs?: number;
  /** Most active pods; further pods are rejected with `OutOfpods` (`maxPods`). Default: 110. */
  maxPods?: number;
  /** Root of the pods' CRI log files (`podLogsDir`). Only with `cri`. Default: `/var/log/pods`. */
  podLogsDir?: string;
  /** Kubelet state directory (`--root-dir`). Only with `cri`. Default: `/var/lib/kubelet`. */
  rootDir?: string;
  /** Deadline of CRI calls (`runtimeRequestTimeout`). Only with `cri`. Default: 120 000 ms. */
  runtimeRequestTimeoutMs?: number;
  /** Pull one image at a time (`serializeImagePulls`). Only with `cri`. Default: `true`. */
  serializeImagePulls?: boolean;
  /** Enforce CPU limits with CFS quota (`cpuCFSQuota`). Only with `cri`. Default: `true`. */
  cpuCfsQuota?: boolean;
  /** Cluster DNS and the host resolver (`clusterDNS`, `clusterDomain`, `resolvConf`). Only with `cri`. Default: none. */
  dns?: DnsOptions;
  /** The node's IPs, for `hostIP(s)`. Default: none. */
  nodeIps?: readonly string[];
  /** Randomness in [0, 1) for resync jitter. Default: `Math.random` (tests pass `() => 0`). */
  random?: () => number;
}

/** A pod and its latest status, as {@link MinimalKubelet.pods} lists them. */
export interface PodWithStatus {
  readonly pod: V1Pod;
  /** Undefined until the first status was generated. */
  readonly status: V1PodStatus | undefined;
}

/** A problem with a pod source: a broken manifest, an unreachable URL, a duplicate pod. */
export interface SourceErrorEvent {
  /** `file`, `http`, or a custom source's name. */
  readonly source: string;
  /** The manifest file or URL at fault, when known. */
  readonly file?: string;
  /** One line for people, naming the file. */
  readonly message: string;
  readonly error: unknown;
}

/** A pod a source delivered for the first time: the kubelet's `kubernetes.io/config.seen` moment. */
export interface PodSeenEvent {
  /** The pod as the pod config merged it (with its `config.source` and `config.seen` annotations). */
  readonly pod: V1Pod;
  readonly uid: string;
  /** The source that delivered it: `file`, `http`, or a custom source's name. */
  readonly source: string;
  /** When, on the agent's clock (ms since the epoch); the time `kubernetes.io/config.seen` records. */
  readonly seenAtMs: number;
}

/** Events of a {@link MinimalKubelet}. */
export interface MinimalKubeletEvents {
  /**
   * A source delivered a pod the agent did not have: once per UID (even if several sources deliver it),
   * before the pod is admitted or synced, so pods that admission rejects are seen too. A pod that was
   * removed and comes back is seen again: the kubelet stamps a new `kubernetes.io/config.seen` then too.
   */
  podSeen: (event: PodSeenEvent) => void;
  /** A pod's API status changed (new version in the status manager). */
  podStatus: (event: { readonly pod: V1Pod; readonly status: V1PodStatus; readonly version: number }) => void;
  /** A source could not read or accept a pod. The agent keeps going. */
  sourceError: (event: SourceErrorEvent) => void;
  /** A Kubernetes-style event from the runtime manager (Pulling, Started, BackOff, …). Only with `cri`. */
  runtimeEvent: (event: RuntimeEvent) => void;
  /** A pod worker step failed; it is retried. */
  syncError: (event: WorkerSyncError) => void;
  /**
   * A probe failed, errored or succeeded with a warning: `Warning Unhealthy Liveness probe failed: …` or
   * `Warning ProbeWarning …`, as the kubelet records them on the container.
   */
  probeEvent: (event: ProbeEvent) => void;
}

/** A running node agent. */
export interface MinimalKubelet extends Subscribable<MinimalKubeletEvents> {
  /** Starts the sources, PLEG and the sync loop. */
  start(): Promise<void>;
  /**
   * Stops every loop and source and waits for work in flight. Pods are left running, as the kubelet leaves
   * them: the next agent on the same runtime adopts them.
   */
  stop(): Promise<void>;
  /** Every pod the sources describe (rejected ones included), with its latest status. */
  pods(): PodWithStatus[];
  /** The runtime the agent drives (the runtime manager when `cri` was given). */
  readonly runtime: PodRuntime<V1Pod>;
  /** The prober's `prober_probe_total` and `prober_probe_duration_seconds`, in memory. */
  readonly probeMetrics: MemoryProberMetrics;
}

type ResolvedOptions = Required<
  Omit<MinimalKubeletOptions, "cri" | "runtime" | "staticPodPath" | "staticPodURL" | "dns">
> &
  Pick<MinimalKubeletOptions, "staticPodPath" | "staticPodURL" | "dns"> & { runtime: PodRuntime<V1Pod> };

function resolveOptions(options: MinimalKubeletOptions): ResolvedOptions {
  if (options.nodeName === "")
    throw new KubeletKitError("InvalidConfig", "minimal-kubelet: nodeName is required");
  if ((options.cri === undefined) === (options.runtime === undefined)) {
    throw new KubeletKitError("InvalidConfig", "minimal-kubelet: give exactly one of `cri` and `runtime`");
  }
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? createNoopLogger();
  const runtime =
    options.runtime ??
    createRuntimeManager({
      runtimeService: (options.cri as CriServices).runtimeService,
      imageService: (options.cri as CriServices).imageService,
      clock,
      logger: logger.child({ component: "runtime-manager" }),
      nodeName: options.nodeName,
      nodeIps: options.nodeIps ?? [],
      podLogsDir: options.podLogsDir ?? "/var/log/pods",
      rootDir: options.rootDir ?? "/var/lib/kubelet",
      runtimeRequestTimeoutMs: options.runtimeRequestTimeoutMs ?? 120_000,
      serializeImagePulls: options.serializeImagePulls ?? true,
      cpuCfsQuota: options.cpuCfsQuota ?? true,
      ...(options.dns !== undefined ? { dns: options.dns } : {}),
    });
  return {
    nodeName: options.nodeName,
    runtime,
    clock,
    logger,
    staticPodPath: options.staticPodPath,
    fileCheckFrequencyMs: options.fileCheckFrequencyMs ?? 20_000,
    watchManifests: options.watchManifests ?? true,
    staticPodURL: options.staticPodURL,
    staticPodURLHeader: options.staticPodURLHeader ?? {},
    httpCheckFrequencyMs: options.httpCheckFrequencyMs ?? 20_000,
    sources: options.sources ?? [],
    syncFrequencyMs: options.syncFrequencyMs ?? 60_000,
    containerGcPeriodMs: options.containerGcPeriodMs ?? 60_000,
    maxPods: options.maxPods ?? 110,
    podLogsDir: options.podLogsDir ?? "/var/log/pods",
    rootDir: options.rootDir ?? "/var/lib/kubelet",
    runtimeRequestTimeoutMs: options.runtimeRequestTimeoutMs ?? 120_000,
    serializeImagePulls: options.serializeImagePulls ?? true,
    cpuCfsQuota: options.cpuCfsQuota ?? true,
    dns: options.dns,
    nodeIps: options.nodeIps ?? [],
    random: options.random ?? Math.random,
  };
}

/**
 * Creates a node agent from kubelet-kit packages: static pods from a manifest directory, a URL and any
 * other sources, run on a CRI runtime (or any `PodRuntime`), with statuses generated as the kubelet does.
 * It has no API server: statuses stay local and are reported through `podStatus` events.
 *
 * @example
 * ```ts
 * const agent = createMinimalKubelet({
 *   nodeName: "node-1",
 *   cri: { runtimeService: createRuntimeService({ endpoint }), imageService: createImageService({ endpoint }) },
 *   staticPodPath: "/etc/kubernetes/manifests",
 * });
 * agent.on("podStatus", ({ pod, status }) => console.log(pod.metadata?.name, status.phase));
 * await agent.start();
 * ```
 */
export function createMinimalKubelet(options: MinimalKubeletOptions): MinimalKubelet {
  const o = resolveOptions(options);
  const { clock, logger, runtime } = o;
  const hub = createEventHub<MinimalKubeletEvents>({ logger });

  const statusManager = createStatusManager({ clock, logger: logger.child({ component: "status-manager" }) });
  const sources: PodSource<V1Pod>[] = [...o.sources];
  if (o.staticPodPath !== undefined && o.staticPodPath !== "") {
    sources.push(
      createFileSource({
        path: o.staticPodPath,
        nodeName: o.nodeName,
        clock,
        logger,
        fileCheckFrequencyMs: o.fileCheckFrequencyMs,
        watch: o.watchManifests,
      }),
    );
  }
  if (o.staticPodURL !== undefined && o.staticPodURL !== "") {
    sources.push(
      createHttpSource({
        url: o.staticPodURL,
        headers: o.staticPodURLHeader,
        nodeName: o.nodeName,
        clock,
        logger,
        httpCheckFrequencyMs: o.httpCheckFrequencyMs,
      }),
    );
  }
  const podConfig = createPodConfig({ clock, logger, sources });
  // Every pod the sources describe, by UID, for naming statuses and for `pods()`. A removed pod stays until
  // its worker finished, so its last statuses still have a pod to go with.
  const known = new Map<string, V1Pod>();
  const removed = new Set<string>();
  // Rejected pods never reach the sync loop, whose housekeeping drops statuses of pods it does not run.
  const rejectedStatuses = new Map<string, V1PodStatus>();
  // Pods announced by `podSeen` and not removed since (the pod config adds a UID once per source).
  const seen = new Set<string>();
  podConfig.on("update", (update) => {
    for (const pod of update.pods) {
      const uid = pod.metadata?.uid ?? "";
      if (update.type === "add" && !seen.has(uid)) {
        seen.add(uid);
        hub.emit("podSeen", { pod, uid, source: update.source, seenAtMs: clock.now() });
      }
      known.set(uid, pod);
      if (update.type === "remove") {
        seen.delete(uid);
        removed.add(uid);
        if (rejectedStatuses.delete(uid)) known.delete(uid);
      } else {
        removed.delete(uid);
      }
    }
  });
  // The PLEG writes runtime statuses here; the pod workers read them instead of asking the runtime.
  const podCache = createPodCache();
  // Probes read container IDs and the pod IP from the status manager's statuses, run exec probes through
  // the runtime's ExecSync, and keep their metrics in memory.
  const probeMetrics = createMemoryProberMetrics();
  const prober = createProbeManager({
    statusManager,
    handlers: createProbeHandlers({ runner: runtime, clock }),
    clock,
    logger: logger.child({ component: "prober" }),
    metrics: probeMetrics,
    random: o.random,
    agentStartedAtMs: clock.now(),
  });
  prober.on("event", (event) => hub.emit("probeEvent", event));
  const workers = createPodWorkers({
    runtime,
    statusManager,
    generateStatus: generatePodStatus,
    podCache,
    clock,
    logger,
    resyncIntervalMs: o.syncFrequencyMs,
    nodeIps: o.nodeIps,
    random: o.random,
    probeManager: prober,
    probes: prober,
    containerHealth: (containerId) => prober.containerHealth(containerId),
  });
  const admission = createPodAdmission({
    config: podConfig,
    maxPods: o.maxPods,
    isActive: (uid) => {
      const state = workers.workerState(uid);
      if (state === "terminated" || state === "finished") return false;
      const phase = statusManager.getPodStatus(uid)?.phase;
      return phase !== "Succeeded" && phase !== "Failed";
    },
    reject: (pod, status) => {
      rejectedStatuses.set(pod.metadata?.uid ?? "", status);
      statusManager.setPodStatus(pod, status);
    },
  });
  const pleg = createGenericPleg({ runtime, clock, logger, cache: podCache });
  const loop = createSyncLoop({
    config: admission,
    workers,
    pleg,
    runtime,
    statusManager,
    probeManager: prober,
    clock,
    logger,
    containerGcPeriodMs: o.containerGcPeriodMs,
    sourcesReady: () => podConfig.sourcesReady(),
  });

  workers.on("workerStateChanged", ({ uid, to }) => {
    if (to === "finished" && removed.delete(uid)) known.delete(uid);
  });
  statusManager.on("statusChanged", ({ podUid, status, version }) => {
    const pod = known.get(podUid);
    if (pod !== undefined) hub.emit("podStatus", { pod, status, version });
  });
  podConfig.on("error", ({ source, error }) => hub.emit("sourceError", sourceError(source, error)));
  workers.on("syncError", (event) => hub.emit("syncError", event));
  const runtimeEvents = runtime as Partial<Subscribable<{ event: (event: RuntimeEvent) => void }>>;
  if (options.cri !== undefined && typeof runtimeEvents.on === "function") {
    runtimeEvents.on("event", (event) => hub.emit("runtimeEvent", event));
  }

  let state: "new" | "running" | "stopped" = "new";
  return {
    on: hub.on,
    once: hub.once,
    runtime,
    probeMetrics,
    async start() {
      if (state !== "new") throw new KubeletKitError("FailedPrecondition", "minimal-kubelet: start() twice");
      state = "running";
      await statusManager.start();
      await prober.start();
      await loop.start();
      await podConfig.start();
    },
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      await podConfig.stop();
      admission.close();
      await loop.stop();
      await prober.stop();
      await statusManager.stop();
    },
    pods() {
      return [...known.values()].map((pod) => {
        const uid = pod.metadata?.uid ?? "";
        return { pod, status: statusManager.getPodStatus(uid) ?? rejectedStatuses.get(uid) };
      });
    },
  };
}

function sourceError(source: string, error: unknown): SourceErrorEvent {
  if (isManifestError(error)) return { source, file: error.file, message: error.rawMessage, error };
  const message =
    error instanceof KubeletKitError
      ? error.rawMessage
      : error instanceof Error
        ? error.message
        : String(error);
  return { source, message, error };
}
