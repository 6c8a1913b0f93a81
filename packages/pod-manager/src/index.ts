// @kubelet-kit/pod-manager: desired pods and the loop that drives them.
// Embedder API first (sources, config, workers, PLEG, sync loop), then building blocks.
// biome-ignore-all assist/source/organizeImports: grouped by role, embedder API first.

// Pod sources
export type { FileSource, FileSourceOptions, HttpSource, HttpSourceOptions } from "./sources/index.js";
export type {
  ProgrammaticDeleteOptions,
  ProgrammaticSource,
  ProgrammaticSourceOptions,
} from "./sources/index.js";
export {
  createFileSource,
  createHttpSource,
  createProgrammaticSource,
  DEFAULT_FILE_CHECK_FREQUENCY_MS,
  DEFAULT_HTTP_CHECK_FREQUENCY_MS,
} from "./sources/index.js";
export type { ManifestError, ManifestErrorInit } from "./sources/index.js";
export { createManifestError, isManifestError } from "./sources/index.js";

// Merge and the pod store
export type { PodConfig, PodConfigError, PodConfigEvents, PodConfigOptions } from "./config/index.js";
export type { PodStore, UidTranslations } from "./config/index.js";
export { createPodConfig, createPodStore } from "./config/index.js";

// Pod workers
export type {
  PodKillOptions,
  PodUpdateKind,
  PodWorkerState,
  PodWorkerSync,
  PodWorkers,
  PodWorkersEvents,
  PodWorkersOptions,
  UpdatePodOptions,
  WorkerRuntime,
  WorkerStateChange,
  WorkerStatusManager,
  WorkerSyncError,
  WorkerSyncResult,
} from "./workers/index.js";
export {
  createPodWorkers,
  DEFAULT_MAX_CONCURRENT_SYNCS,
  DEFAULT_MAX_STEPS_PER_TURN,
  DEFAULT_TERMINATION_GRACE_PERIOD_MS,
  MIN_WORKER_GRACE_PERIOD_MS,
  NETWORK_NOT_READY_MESSAGE,
} from "./workers/index.js";

// PLEG
export type {
  CachedPodStatus,
  EventedPlegOptions,
  GenericPleg,
  GenericPlegOptions,
  Pleg,
  PlegEvents,
  PlegHealth,
  PlegMode,
  PlegRuntime,
  PodCache,
  PodLifecycleEvent,
  PodLifecycleEventType,
  RelistDurations,
} from "./pleg/index.js";
export {
  createEventedPleg,
  createGenericPleg,
  createPodCache,
  EVENTED_PLEG_CACHE_UPDATE_PERIOD_MS,
  EVENTED_PLEG_MAX_STREAM_RETRIES,
  EVENTED_PLEG_RELIST_PERIOD_MS,
  EVENTED_PLEG_RELIST_THRESHOLD_MS,
} from "./pleg/index.js";

// Sync loop
export type {
  PodConfigUpdates,
  SyncLoop,
  SyncLoopConfigEvents,
  SyncLoopOptions,
  SyncLoopProbeManager,
  SyncLoopStatusManager,
} from "./loop/index.js";
export { createSyncLoop, DEFAULT_CONTAINER_GC_POLICY, ORPHAN_KILL_GRACE_PERIOD_MS } from "./loop/index.js";

// Building blocks: static pods, validation, annotations, manifest decoding
export type { DecodeResult } from "./sources/index.js";
export { decodePodManifest, decodePodManifests, DEFAULT_MAX_MANIFEST_BYTES } from "./sources/index.js";
export type { FieldError, FieldErrorType, StaticPodOrigin } from "./config/index.js";
export {
  ALL_SOURCES,
  API_SOURCE,
  applyPodApiDefaults,
  applyStaticPodDefaults,
  buildPodFullName,
  computeStaticPodUid,
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  defaultImagePullPolicy,
  FILE_SOURCE,
  formatSeenTimestamp,
  getPodFullName,
  getPodSource,
  HTTP_SOURCE,
  isMirrorPod,
  isStaticPod,
  LOCAL_ANNOTATIONS,
  STATIC_POD_DEFAULT_NAMESPACE,
  staticPodName,
  validateStaticPod,
} from "./config/index.js";
