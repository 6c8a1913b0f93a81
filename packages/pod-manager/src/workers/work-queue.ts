import type { Clock } from "@kubelet-kit/core";

/** Pod UIDs with the time they are due for their next sync (the kubelet's `queue.WorkQueue`). Internal. */
export interface WorkQueue {
  /** (Re)schedules `uid` `delayMs` from now; a newer call replaces an older one. */
  enqueue(uid: string, delayMs: number): void;
  /** Removes and returns the UIDs that are due. */
  takeDue(): string[];
  dueAtMs(uid: string): number | undefined;
  remove(uid: string): void;
  clear(): void;
}

export function createWorkQueue(clock: Clock): WorkQueue {
  const dueAt = new Map<string, number>();
  return {
    enqueue(uid, delayMs) {
      dueAt.set(uid, clock.now() + delayMs);
    },
    takeDue() {
      const now = clock.now();
      const due: string[] = [];
      for (const [uid, at] of dueAt) {
        if (at <= now) due.push(uid);
      }
      for (const uid of due) dueAt.delete(uid);
      return due;
    },
    dueAtMs: (uid) => dueAt.get(uid),
    remove(uid) {
      dueAt.delete(uid);
    },
    clear() {
      dueAt.clear();
    },
  };
}
