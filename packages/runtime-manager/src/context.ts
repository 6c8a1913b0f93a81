import type { Backoff, Clock, Logger, PodRef, VolumeManager } from "@kubelet-kit/core";
import type { ImageServiceClient, RuntimeServiceClient } from "@kubelet-kit/cri-client";
import type { DnsOptions } from "./dns.js";
import type { RuntimeEvent, RuntimeEventReason } from "./events.js";

/** The RuntimeService calls the runtime manager makes. A full `RuntimeServiceClient` fits. */
export type RuntimeManagerRuntimeService = Pick<
  RuntimeServiceClient,
  | "version"
  | "status"
  | "runPodSandbox"
  | "stopPodSandbox"
  | "removePodSandbox"
  | "podSandboxStatus"
  | "listPodSandbox"
  | "createContainer"
  | "startContainer"
  | "stopContainer"
  | "removeContainer"
  | "listContainers"
  | "containerStatus"
  | "execSync"
> &
  Partial<Pick<RuntimeServiceClient, "getContainerEvents">>;

/** The ImageService calls the runtime manager makes. A full `ImageServiceClient` fits. */
export type RuntimeManagerImageService = Pick<ImageServiceClient, "imageStatus" | "pullImage">;

/** Everything the runtime manager's parts share: collaborators and resolved settings. Internal. */
export interface RuntimeContext {
  readonly runtime: RuntimeManagerRuntimeService;
  readonly images: RuntimeManagerImageService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly podLogsDir: string;
  readonly rootDir: string;
  readonly nodeIps: readonly string[];
  readonly dns: DnsOptions;
  readonly cpuCfsQuota: boolean;
  readonly runtimeRequestTimeoutMs: number;
  readonly crashLoop: Backoff;
  readonly imagePull: Backoff;
  readonly fetch: typeof fetch;
  readonly lifecycleUserAgent: string;
  readonly volumes: Pick<VolumeManager, "getMountedVolumesForPod"> | undefined;
  /** The runtime's name from `Version` (cached). */
  runtimeName(): Promise<string>;
  /** Records an event (see {@link RuntimeEvent}). */
  emit(
    type: RuntimeEvent["type"],
    reason: RuntimeEventReason,
    pod: PodRef,
    message: string,
    container?: string,
  ): void;
}
