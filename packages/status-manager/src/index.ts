// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// @kubelet-kit/status-manager: the kubelet's pod status generation and its status cache.

// Embedder API: generate a pod's API status, cache it
export { generatePodStatus } from "./generate-pod-status.js";
export type { CachedPodStatus, PodStatusSink, StatusManagerOptions } from "./status-manager.js";
export { createStatusManager } from "./status-manager.js";

// Building blocks of the generator
export type { PodPhaseOptions } from "./phase.js";
export { getPodPhase, hasAnyActiveRegularContainerStarted } from "./phase.js";
export type { ContainerListKind, ContainerStatusesInput } from "./container-statuses.js";
export { generateContainerStatuses } from "./container-statuses.js";
export type { ProbeStatesInput } from "./probe-states.js";
export { applyProbeStates } from "./probe-states.js";
export type { PodConditionsInput } from "./conditions.js";
export {
  generateContainersReadyCondition,
  generatePodConditions,
  generatePodInitializedCondition,
  generatePodReadyCondition,
  generatePodReadyToStartContainersCondition,
  hasAnyRegularContainerStarted,
  KUBELET_OWNED_CONDITIONS,
  KUBELET_SHARED_CONDITIONS,
  maintainTransitionTimes,
} from "./conditions.js";
export type { PodQosClass } from "./qos.js";
export { computePodQosClass, getPodQosClass } from "./qos.js";
export { pickIpsByFamily } from "./generate-pod-status.js";

// Status manager rules, for other status caches
export { isPodStatusEquivalent, normalizePodStatus, semanticEqual, truncateUtf8 } from "./normalize.js";
export { hasPodInitialized, illegalTransition, terminatedPodStatus } from "./status-rules.js";

// Helpers and constants
export type { PodPhase } from "./pod-helpers.js";
export {
  bareContainerId,
  formatContainerId,
  isRestartableInitContainer,
  isStaticPod,
} from "./pod-helpers.js";

export { isZeroQuantity, quantitiesEqual } from "./quantity.js";
export {
  API_SERVER_SOURCE,
  CONFIG_SOURCE_ANNOTATION,
  MAX_POD_TERMINATION_MESSAGE_BYTES,
  MESSAGE_CONTAINER_LOST_AT_DELETION,
  MESSAGE_CONTAINER_LOST_AT_TERMINATION,
  MESSAGE_INIT_CONTAINER_ASSUMED_COMPLETED,
  POD_SANDBOX_NOT_READY_MESSAGES,
  REASON_CONTAINER_CREATING,
  REASON_CONTAINER_STATUS_UNKNOWN,
  REASON_CONTAINERS_NOT_INITIALIZED,
  REASON_CONTAINERS_NOT_READY,
  REASON_POD_COMPLETED,
  REASON_POD_FAILED,
  REASON_POD_INITIALIZING,
  REASON_POD_SANDBOX_NOT_READY,
  REASON_READINESS_GATES_NOT_READY,
  REASON_UNKNOWN_CONTAINER_STATUSES,
  STATUS_SYNC_PERIOD_MS,
  UNKNOWN_CONTAINER_EXIT_CODE,
} from "./constants.js";
