/**
 * A counting semaphore for pod syncs: at most `limit` pods are inside `PodRuntime.syncPod` and its status
 * work at once; the others wait, first come first served. Internal.
 */
export interface SyncSlots {
  /** Resolves with the function that frees the slot, once one is free. */
  acquire(): Promise<() => void>;
  /** Pods holding a slot. */
  inUse(): number;
  /** Pods waiting for one. */
  waiting(): number;
}

/** Creates {@link SyncSlots} with `limit` slots (`Infinity`: never waits). */
export function createSyncSlots(limit: number): SyncSlots {
  const waiters: (() => void)[] = [];
  let used = 0;

  function grant(): () => void {
    used++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      used--;
      const next = waiters.shift();
      if (next !== undefined) next();
    };
  }

  return {
    acquire() {
      if (used < limit && waiters.length === 0) return Promise.resolve(grant());
      return new Promise((resolve) => waiters.push(() => resolve(grant())));
    },
    inUse: () => used,
    waiting: () => waiters.length,
  };
}
