// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// @kubelet-kit/runtime-manager: turns a V1Pod into CRI calls (the kubelet's kuberuntime manager).

// Embedder API
export type { RuntimeManager } from "./runtime-manager.js";
export { createRuntimeManager } from "./runtime-manager.js";
export type {
  BackoffSettings,
  ResolvedRuntimeManagerOptions,
  RuntimeManagerOptions,
} from "./options.js";
export { resolveRuntimeManagerOptions } from "./options.js";
export type { RuntimeEvent, RuntimeEventReason, RuntimeManagerEvents } from "./events.js";
export type { RuntimeManagerImageService, RuntimeManagerRuntimeService } from "./context.js";
export type { DnsOptions, DnsSettings } from "./dns.js";

// The kubelet's decisions and configs, as pure functions
export type { ComputePodActionsOptions } from "./compute-pod-actions.js";
export { computePodActions, podSandboxChanged } from "./compute-pod-actions.js";
export type { ContainerToKill, KillReason, PodActions } from "./pod-actions.js";
export type { SandboxConfigContext } from "./sandbox-config.js";
export {
  containerLogsDirectory,
  generatePodSandboxConfig,
  podHostname,
  podLogsDirectory,
} from "./sandbox-config.js";
export type { ContainerConfigContext } from "./container-config.js";
export { containerLogPath, generateContainerConfig } from "./container-config.js";
export type { EnvContext, EnvVar } from "./env.js";
export { makeEnvironmentVariables } from "./env.js";
export type { ExpansionMapping } from "./expand.js";
export { expand, expandCommandAndArgs, mappingFor } from "./expand.js";
export { hashContainer, stableContainerKey } from "./hash.js";
export type { AnnotatedContainerInfo, LabeledContainerInfo } from "./labels.js";
export {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  CONTAINER_PORTS_ANNOTATION,
  CONTAINER_PRESTOP_HANDLER_ANNOTATION,
  CONTAINER_RESTART_COUNT_ANNOTATION,
  CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION,
  CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION,
  containerInfoFromAnnotations,
  containerInfoFromLabels,
  POD_DELETION_GRACE_PERIOD_ANNOTATION,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_TERMINATION_GRACE_PERIOD_ANNOTATION,
  POD_UID_LABEL,
} from "./labels.js";
export type { LinuxResources } from "./resources.js";
export {
  linuxResourcesFor,
  milliCpuToQuota,
  milliCpuToShares,
  quantityMilliValue,
  quantityValue,
} from "./resources.js";
export { applyDefaultImageTag } from "./image-manager.js";
export { restartCountFromLogDir } from "./restart-count.js";
export {
  MAX_TERMINATION_MESSAGE_BYTES,
  MAX_TERMINATION_MESSAGE_LOG_BYTES,
  MAX_TERMINATION_MESSAGE_LOG_LINES,
} from "./termination-message.js";
export { parseCriLogLine } from "./cri-logs.js";
export { formatGoDuration } from "./go-format.js";
