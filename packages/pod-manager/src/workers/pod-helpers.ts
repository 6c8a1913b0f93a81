import type { RuntimePod } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";

/** The pod's UID, or `""` when it has none. */
export function podUid(pod: V1Pod): string {
  return pod.metadata?.uid ?? "";
}

/** True when a phase is `Succeeded` or `Failed`: the pod will never run again. */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** True when the pod's API object is being deleted gracefully. */
export function isPodDeleting(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/** A minimal API pod standing in for a runtime pod that has no configuration (`RunningPod.ToAPIPod`). */
export function podFromRuntimePod(runningPod: RuntimePod): V1Pod {
  return { metadata: { uid: runningPod.uid, name: runningPod.name, namespace: runningPod.namespace } };
}
