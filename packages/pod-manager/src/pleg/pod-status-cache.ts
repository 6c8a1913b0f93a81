import type { CachedPodStatus } from "./types.js";

/** The PLEG's per-pod status cache (the kubelet's `kubecontainer.Cache`, without the waiting). Internal. */
export interface PodStatusCache {
  get(podUid: string): CachedPodStatus | undefined;
  /** Stores `entry` unless a newer one is cached; true when stored. */
  set(podUid: string, entry: CachedPodStatus): boolean;
  delete(podUid: string): void;
}

export function createPodStatusCache(): PodStatusCache {
  const entries = new Map<string, CachedPodStatus>();
  return {
    get: (podUid) => entries.get(podUid),
    set(podUid, entry) {
      const current = entries.get(podUid);
      if (current !== undefined && current.timestampMs > entry.timestampMs) return false;
      entries.set(podUid, entry);
      return true;
    },
    delete(podUid) {
      entries.delete(podUid);
    },
  };
}
