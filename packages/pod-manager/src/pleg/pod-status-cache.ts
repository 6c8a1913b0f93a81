import { KubeletKitError } from "@kubelet-kit/core";
import type { CachedPodStatus } from "./types.js";

/**
 * The runtime status of every pod as last observed (the kubelet's `kubecontainer.Cache`). The PLEG writes
 * it: a pod's entry when the pod had events, and after each relist the time up to which the whole cache
 * is known current. A pod without an entry had no container or sandbox when the cache was last current.
 * The pod workers read it instead of asking the runtime, and wait on it when what they saw is too old.
 *
 * Times are in ms since the epoch from the PLEG's clock; "newer than" means at or after, as a millisecond
 * clock cannot order two observations taken within the same millisecond.
 */
export interface PodCache {
  /** The pod's entry, or `undefined` when it has none. */
  get(podUid: string): CachedPodStatus | undefined;
  /** Stores `entry` unless a newer one is cached; true when stored. Wakes waiters it satisfies. */
  set(podUid: string, entry: CachedPodStatus): boolean;
  delete(podUid: string): void;
  /**
   * Marks the whole cache current as of `timestampMs` (the kubelet's `UpdateTime`, called after each
   * relist with the time the relist started). Never moves backwards. Wakes waiters it satisfies.
   */
  updateTime(timestampMs: number): void;
  /** The time passed to the newest {@link PodCache.updateTime}, or `undefined` before the first. */
  currentAsOfMs(): number | undefined;
  /**
   * Resolves with the pod's entry once it is observed at or after `minTimeMs`: the pod's own entry when
   * that is new enough, or else, once the whole cache is current as of `minTimeMs`, the entry as it is (an
   * entry with neither `status` nor `error` when the pod has none: no containers). Rejects with
   * `Canceled` when `signal` aborts. The kubelet's `GetNewerThan`.
   */
  getNewerThan(podUid: string, minTimeMs: number, signal?: AbortSignal): Promise<CachedPodStatus>;
}

interface Waiter {
  readonly podUid: string;
  readonly minTimeMs: number;
  settle(entry: CachedPodStatus): void;
}

/** Creates an empty {@link PodCache}. Share one between the PLEG and the pod workers. */
export function createPodCache(): PodCache {
  const entries = new Map<string, CachedPodStatus>();
  const waiters = new Set<Waiter>();
  let currentAsOf: number | undefined;

  function lookup(podUid: string, minTimeMs: number): CachedPodStatus | undefined {
    const entry = entries.get(podUid);
    if (entry !== undefined && entry.timestampMs >= minTimeMs) return entry;
    if (currentAsOf === undefined || currentAsOf < minTimeMs) return undefined;
    return entry ?? { timestampMs: currentAsOf };
  }

  function wake(onlyPod?: string): void {
    for (const waiter of [...waiters]) {
      if (onlyPod !== undefined && waiter.podUid !== onlyPod) continue;
      const found = lookup(waiter.podUid, waiter.minTimeMs);
      if (found !== undefined) waiter.settle(found);
    }
  }

  return {
    get: (podUid) => entries.get(podUid),
    set(podUid, entry) {
      const current = entries.get(podUid);
      if (current !== undefined && current.timestampMs > entry.timestampMs) return false;
      entries.set(podUid, entry);
      if (waiters.size > 0) wake(podUid);
      return true;
    },
    delete(podUid) {
      entries.delete(podUid);
    },
    updateTime(timestampMs) {
      if (currentAsOf !== undefined && currentAsOf >= timestampMs) return;
      currentAsOf = timestampMs;
      if (waiters.size > 0) wake();
    },
    currentAsOfMs: () => currentAsOf,
    getNewerThan(podUid, minTimeMs, signal) {
      const found = lookup(podUid, minTimeMs);
      if (found !== undefined) return Promise.resolve(found);
      if (signal?.aborted) return Promise.reject(canceled(signal));
      return new Promise((resolve, reject) => {
        const onAbort = (): void => {
          waiters.delete(waiter);
          reject(canceled(signal));
        };
        const waiter: Waiter = {
          podUid,
          minTimeMs,
          settle(entry) {
            waiters.delete(waiter);
            signal?.removeEventListener("abort", onAbort);
            resolve(entry);
          },
        };
        waiters.add(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}

function canceled(signal: AbortSignal | undefined): KubeletKitError {
  return new KubeletKitError("Canceled", "stopped waiting for a newer pod status", {
    cause: signal?.reason,
  });
}
