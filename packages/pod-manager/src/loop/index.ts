// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// The sync loop: config updates, PLEG events, resyncs, housekeeping and GC (the kubelet's syncLoop).

export { createSyncLoop } from "./sync-loop.js";
export type {
  SyncLoop,
  PodConfigUpdates,
  SyncLoopConfigEvents,
  SyncLoopOptions,
  SyncLoopProbeManager,
  SyncLoopStatusManager,
} from "./types.js";

// Constants
export { DEFAULT_CONTAINER_GC_POLICY } from "./sync-loop.js";
export { ORPHAN_KILL_GRACE_PERIOD_MS } from "./housekeeping.js";
