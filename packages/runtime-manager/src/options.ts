import type { Clock, Logger, VolumeManager } from "@kubelet-kit/core";
import {
  CRASH_LOOP_BACKOFF_INITIAL_MS,
  CRASH_LOOP_BACKOFF_MAX_MS,
  CRASH_LOOP_BACKOFF_RESET_MS,
  createNoopLogger,
  createRealClock,
  DEFAULT_CRI_TIMEOUT_MS,
  IMAGE_PULL_BACKOFF_INITIAL_MS,
  IMAGE_PULL_BACKOFF_MAX_MS,
  KubeletKitError,
} from "@kubelet-kit/core";
import type { RuntimeManagerImageService, RuntimeManagerRuntimeService } from "./context.js";
import type { DnsOptions } from "./dns.js";

/** Back-off settings; see core's `createBackoff`. */
export interface BackoffSettings {
  /** First delay, in ms. */
  readonly initialMs?: number;
  /** Cap on the delay, in ms. */
  readonly maxMs?: number;
  /** An entry not stepped for longer than this starts over, in ms. */
  readonly resetAfterMs?: number;
}

/** Options of {@link createRuntimeManager}. Only the two CRI services are required. */
export interface RuntimeManagerOptions {
  /** CRI RuntimeService (`createRuntimeService(...)` of `@kubelet-kit/cri-client`, or any object with these calls). */
  runtimeService: RuntimeManagerRuntimeService;
  /** CRI ImageService (`createImageService(...)`). */
  imageService: RuntimeManagerImageService;
  /** Time for back-offs, grace periods, hooks and timestamps. Default: the real clock. */
  clock?: Clock;
  /** Default: no-op. */
  logger?: Logger;
  /** Root of the pod log directories. Default `/var/log/pods` (KubeletConfiguration `podLogsDir`). */
  podLogsDir?: string;
  /**
   * Kubelet root directory; termination-log files live in `<rootDir>/pods/<uid>/containers/<name>/` and
   * `Localhost` seccomp profiles in `<rootDir>/seccomp`. Default `/var/lib/kubelet` (`--root-dir`).
   */
  rootDir?: string;
  /** The node's name, reported as the events' source host. Default "" (`--hostname-override`). */
  nodeName?: string;
  /** The node's IPs, primary first, for the `status.hostIP(s)` downward API. Default none (`--node-ip`). */
  nodeIps?: readonly string[];
  /**
   * CrashLoopBackOff. Default 10 s doubling to 300 s, reset after 600 s (`containerBackOffPeriod`,
   * `MaxContainerBackOff`; KubeletConfiguration `crashLoopBackOff.maxContainerRestartPeriod` caps `maxMs`).
   */
  crashLoopBackoff?: BackoffSettings;
  /** Image pull back-off per pod and image. Default 10 s doubling to 300 s, reset after 600 s. */
  imagePullBackoff?: BackoffSettings;
  /** Pull one image at a time. Default `true` (`serializeImagePulls`). */
  serializeImagePulls?: boolean;
  /** Enforce CPU limits with CFS quota (100 ms period). Default `true` (`cpuCFSQuota`). */
  cpuCfsQuota?: boolean;
  /** Cluster DNS and the host resolver config. Default: none (the runtime's default resolver). */
  dns?: DnsOptions;
  /** HTTP client for `httpGet` lifecycle hooks. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** `User-Agent` of `httpGet` hooks. Default `kube-lifecycle/1.34` (the kubelet's `kube-lifecycle/<major>.<minor>`). */
  lifecycleUserAgent?: string;
  /** Mounted volumes of a pod, to turn `volumeMounts` into CRI mounts. Default: none (a volume mount fails). */
  volumes?: Pick<VolumeManager, "getMountedVolumesForPod">;
  /**
   * Deadline of CRI calls the manager times itself; `StopContainer` gets this plus the grace period.
   * Default 120 000 ms (`--runtime-request-timeout`, `runtimeRequestTimeout`).
   */
  runtimeRequestTimeoutMs?: number;
  /** How often a followed log file is checked for new lines, in ms. Default 1000. */
  logFollowPollIntervalMs?: number;
}

/** Options with every default filled in. */
export interface ResolvedRuntimeManagerOptions {
  readonly runtimeService: RuntimeManagerRuntimeService;
  readonly imageService: RuntimeManagerImageService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly podLogsDir: string;
  readonly rootDir: string;
  readonly nodeName: string;
  readonly nodeIps: readonly string[];
  readonly crashLoopBackoff: Required<BackoffSettings>;
  readonly imagePullBackoff: Required<BackoffSettings>;
  readonly serializeImagePulls: boolean;
  readonly cpuCfsQuota: boolean;
  readonly dns: DnsOptions;
  readonly fetch: typeof fetch;
  readonly lifecycleUserAgent: string;
  readonly volumes: Pick<VolumeManager, "getMountedVolumesForPod"> | undefined;
  readonly runtimeRequestTimeoutMs: number;
  readonly logFollowPollIntervalMs: number;
}

/** Fills the defaults of {@link RuntimeManagerOptions}. */
export function resolveRuntimeManagerOptions(options: RuntimeManagerOptions): ResolvedRuntimeManagerOptions {
  if (options.runtimeService === undefined || options.imageService === undefined) {
    throw new KubeletKitError(
      "InvalidConfig",
      "runtime manager: runtimeService and imageService are required",
    );
  }
  const resolved: ResolvedRuntimeManagerOptions = {
    runtimeService: options.runtimeService,
    imageService: options.imageService,
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createNoopLogger(),
    podLogsDir: options.podLogsDir ?? "/var/log/pods",
    rootDir: options.rootDir ?? "/var/lib/kubelet",
    nodeName: options.nodeName ?? "",
    nodeIps: options.nodeIps ?? [],
    crashLoopBackoff: {
      initialMs: options.crashLoopBackoff?.initialMs ?? CRASH_LOOP_BACKOFF_INITIAL_MS,
      maxMs: options.crashLoopBackoff?.maxMs ?? CRASH_LOOP_BACKOFF_MAX_MS,
      resetAfterMs: options.crashLoopBackoff?.resetAfterMs ?? CRASH_LOOP_BACKOFF_RESET_MS,
    },
    imagePullBackoff: {
      initialMs: options.imagePullBackoff?.initialMs ?? IMAGE_PULL_BACKOFF_INITIAL_MS,
      maxMs: options.imagePullBackoff?.maxMs ?? IMAGE_PULL_BACKOFF_MAX_MS,
      resetAfterMs:
        options.imagePullBackoff?.resetAfterMs ??
        2 * (options.imagePullBackoff?.maxMs ?? IMAGE_PULL_BACKOFF_MAX_MS),
    },
    serializeImagePulls: options.serializeImagePulls ?? true,
    cpuCfsQuota: options.cpuCfsQuota ?? true,
    dns: options.dns ?? {},
    fetch: options.fetch ?? globalThis.fetch,
    lifecycleUserAgent: options.lifecycleUserAgent ?? "kube-lifecycle/1.34",
    volumes: options.volumes,
    runtimeRequestTimeoutMs: options.runtimeRequestTimeoutMs ?? DEFAULT_CRI_TIMEOUT_MS,
    logFollowPollIntervalMs: options.logFollowPollIntervalMs ?? 1000,
  };
  for (const [name, value] of [
    ["runtimeRequestTimeoutMs", resolved.runtimeRequestTimeoutMs],
    ["logFollowPollIntervalMs", resolved.logFollowPollIntervalMs],
  ] as const) {
    if (!(value > 0)) throw new KubeletKitError("InvalidConfig", `runtime manager: ${name} must be > 0`);
  }
  return resolved;
}
