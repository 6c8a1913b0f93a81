// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// PLEG: the pod lifecycle event generator (the kubelet's pkg/kubelet/pleg).

export { createEventedPleg } from "./evented-pleg.js";
export { createGenericPleg } from "./generic-pleg.js";
export { createPodCache, type PodCache } from "./pod-status-cache.js";
export type {
  CachedPodStatus,
  EventedPlegOptions,
  GenericPleg,
  GenericPlegOptions,
  Pleg,
  PlegEvents,
  PlegHealth,
  PlegMode,
  PodLifecycleEvent,
  PodLifecycleEventType,
  RelistDurations,
} from "./types.js";

// The role the PLEG needs from the runtime
export type { PlegRuntime } from "./types.js";

// Constants
export {
  EVENTED_PLEG_CACHE_UPDATE_PERIOD_MS,
  EVENTED_PLEG_MAX_STREAM_RETRIES,
  EVENTED_PLEG_RELIST_PERIOD_MS,
  EVENTED_PLEG_RELIST_THRESHOLD_MS,
} from "./evented-pleg.js";
