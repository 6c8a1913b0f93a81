// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// Pod workers: one serialized worker per pod UID (the kubelet's pod_workers.go).

export { createPodWorkers } from "./pod-workers.js";
export type {
  PodKillOptions,
  PodUpdateKind,
  PodWorkerState,
  PodWorkerSync,
  PodWorkers,
  PodWorkersEvents,
  PodWorkersOptions,
  UpdatePodOptions,
  WorkerStateChange,
  WorkerSyncError,
  WorkerSyncResult,
} from "./types.js";

// The roles the workers need from the runtime and the status manager
export type { WorkerRuntime, WorkerStatusManager } from "./types.js";

// Constants
export { DEFAULT_TERMINATION_GRACE_PERIOD_MS, MIN_WORKER_GRACE_PERIOD_MS } from "./grace-period.js";
export { DEFAULT_MAX_CONCURRENT_SYNCS, DEFAULT_MAX_STEPS_PER_TURN } from "./options.js";
export { NETWORK_NOT_READY_MESSAGE } from "./requeue.js";
