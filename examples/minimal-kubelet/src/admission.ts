// Pod admission by pod count (`maxPods`): the one admission check of the kubelet's (HandlePodAdditions →
// canAdmitPod) that a node agent without an API server can make. It sits between the pod config and the
// sync loop, so a rejected pod never reaches a pod worker.

import { createEventHub, type PodUpdate, type Subscribable, type Unsubscribe } from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";

/** Events of a {@link PodAdmission}: the updates the sync loop should see. */
export interface PodAdmissionEvents {
  update: (update: PodUpdate<V1Pod>) => void;
}

/** Options of {@link createPodAdmission}. */
export interface PodAdmissionOptions {
  /** The pod config's updates. Required. */
  config: Pick<Subscribable<{ update: (update: PodUpdate<V1Pod>) => void }>, "on">;
  /** Most pods that may be active at once (`maxPods`, `--max-pods`). Required. */
  maxPods: number;
  /** Whether an admitted pod still counts against `maxPods` (it is not terminal). Required. */
  isActive: (uid: string) => boolean;
  /** Called with the status of a rejected pod (phase Failed, reason `OutOfpods`). Required. */
  reject: (pod: V1Pod, status: V1PodStatus) => void;
}

/** Filters pod updates by admission. */
export interface PodAdmission extends Pick<Subscribable<PodAdmissionEvents>, "on"> {
  /** Stops listening to the pod config. */
  close(): void;
}

/**
 * Creates the admission filter. A pod first seen in an `add` is admitted while fewer than `maxPods`
 * admitted pods are active; otherwise it is rejected as the kubelet does: status phase `Failed`, reason
 * `OutOfpods`, message `Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: N,
 * capacity: M`. Later updates of a rejected pod are dropped; a `remove` forgets it.
 */
export function createPodAdmission(options: PodAdmissionOptions): PodAdmission {
  const hub = createEventHub<PodAdmissionEvents>();
  const admitted = new Set<string>();
  const rejected = new Set<string>();
  const uidOf = (pod: V1Pod): string => pod.metadata?.uid ?? "";

  function admit(pod: V1Pod): boolean {
    const uid = uidOf(pod);
    if (admitted.has(uid)) return true;
    if (rejected.has(uid)) return false;
    let used = 0;
    for (const other of admitted) if (options.isActive(other)) used++;
    if (used + 1 > options.maxPods) {
      rejected.add(uid);
      const message = `Node didn't have enough resource: pods, requested: 1, used: ${used}, capacity: ${options.maxPods}`;
      options.reject(pod, { phase: "Failed", reason: "OutOfpods", message: `Pod was rejected: ${message}` });
      return false;
    }
    admitted.add(uid);
    return true;
  }

  const off: Unsubscribe = options.config.on("update", (update) => {
    let pods: V1Pod[];
    if (update.type === "add") {
      pods = update.pods.filter(admit);
    } else if (update.type === "remove") {
      pods = update.pods.filter((pod) => !rejected.delete(uidOf(pod)));
      for (const pod of pods) admitted.delete(uidOf(pod));
    } else {
      pods = update.pods.filter((pod) => !rejected.has(uidOf(pod)));
    }
    // An empty `add` still goes through: it tells the loop a source has reported.
    if (pods.length > 0 || update.pods.length === 0)
      hub.emit("update", { ...update, pods } as PodUpdate<V1Pod>);
  });

  return { on: hub.on, close: off };
}
