import type { ImageServiceClient, RuntimeServiceClient } from "./client.js";

// Role interfaces, as k8s.io/cri-api's Go interfaces split the services (pkg/apis/services.go). Depend on
// the narrowest role you need: a prober needs `execSync`, not the whole runtime, and a fake of one role is
// a few lines.

/** Runtime name and versions. Go: `RuntimeVersioner`. */
export type RuntimeVersioner = Pick<RuntimeServiceClient, "version">;

/** Pod sandbox lifecycle. Go: `PodSandboxManager`. */
export type PodSandboxManager = Pick<
  RuntimeServiceClient,
  | "runPodSandbox"
  | "stopPodSandbox"
  | "removePodSandbox"
  | "podSandboxStatus"
  | "listPodSandbox"
  | "portForward"
  | "updatePodSandboxResources"
>;

/** Container lifecycle, exec and attach. Go: `ContainerManager` (events split out below). */
export type ContainerManager = Pick<
  RuntimeServiceClient,
  | "createContainer"
  | "startContainer"
  | "stopContainer"
  | "removeContainer"
  | "listContainers"
  | "containerStatus"
  | "updateContainerResources"
  | "reopenContainerLog"
  | "execSync"
  | "exec"
  | "attach"
  | "checkpointContainer"
>;

/** Container and sandbox statistics. Go: `ContainerStatsManager`. */
export type ContainerStatsManager = Pick<
  RuntimeServiceClient,
  | "containerStats"
  | "listContainerStats"
  | "podSandboxStats"
  | "listPodSandboxStats"
  | "listMetricDescriptors"
  | "listPodSandboxMetrics"
>;

/** Runtime conditions and configuration. Go: the `RuntimeService` methods outside the embedded roles. */
export type RuntimeStatusReader = Pick<
  RuntimeServiceClient,
  "status" | "updateRuntimeConfig" | "runtimeConfig"
>;

/**
 * The container event stream used by the evented PLEG. Runtimes without it (containerd 1.6) answer
 * `Unimplemented`: fall back to relisting. Go: `ContainerManager.GetContainerEvents`.
 */
export type ContainerEventSource = Pick<RuntimeServiceClient, "getContainerEvents">;

/** Image pulls, listing and removal, image filesystem usage. Go: `ImageManagerService`. */
export type ImageManager = Pick<
  ImageServiceClient,
  "listImages" | "imageStatus" | "pullImage" | "removeImage" | "imageFsInfo"
>;
