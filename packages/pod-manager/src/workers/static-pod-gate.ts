/**
 * Keeps static pods with the same full name from running at once (the kubelet's
 * `startedStaticPodsByFullname` / `waitingToStartStaticPodsByFullname`): they start one at a time, in the
 * order their workers were created, each only after the previous one has terminated. Internal.
 */
export interface StaticPodGate {
  /** Queues a new static pod worker behind those with the same full name. */
  enqueue(fullName: string, uid: string): void;
  /** Lets `uid` start if it is next in line and no other pod with its name runs; records it as started. */
  tryStart(fullName: string, uid: string): boolean;
  /** Frees the name once `uid` (if it is the started one) is done. */
  release(fullName: string, uid: string): void;
  /** The UID started under `fullName`, if any. */
  startedUid(fullName: string): string | undefined;
}

/** `isGone(uid)`: the worker no longer wants to start (termination requested, terminated or forgotten). */
export function createStaticPodGate(isGone: (uid: string) => boolean): StaticPodGate {
  const started = new Map<string, string>();
  const waiting = new Map<string, string[]>();
  return {
    enqueue(fullName, uid) {
      waiting.set(fullName, [...(waiting.get(fullName) ?? []), uid]);
    },
    tryStart(fullName, uid) {
      const startedUid = started.get(fullName);
      if (startedUid !== undefined) return startedUid === uid;
      let queue = waiting.get(fullName) ?? [];
      for (let i = 0; i < queue.length; i++) {
        const next = queue[i] as string;
        if (isGone(next)) continue;
        if (next !== uid) {
          waiting.set(fullName, queue.slice(i));
          return false;
        }
        queue = queue.slice(i + 1);
        break;
      }
      if (queue.length > 0) waiting.set(fullName, queue);
      else waiting.delete(fullName);
      started.set(fullName, uid);
      return true;
    },
    release(fullName, uid) {
      if (started.get(fullName) === uid) started.delete(fullName);
    },
    startedUid: (fullName) => started.get(fullName),
  };
}
