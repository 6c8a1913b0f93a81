import type { Backoff, PodStatusSnapshot } from "@kubelet-kit/core";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { formatGoDuration } from "./go-format.js";
import { stableContainerKey } from "./hash.js";
import { podDesc, podRefOf } from "./pod-spec.js";

/** Outcome of the CrashLoopBackOff check before (re)starting a container. */
export type CrashLoopCheck =
  | { readonly inBackoff: false }
  | {
      readonly inBackoff: true;
      /** `back-off 20s restarting failed container=<c> pod=<name>_<ns>(<uid>)`: the waiting message. */
      readonly message: string;
      /** `Back-off restarting failed container <c> in pod <name>_<ns>(<uid>)`: the `BackOff` event. */
      readonly eventMessage: string;
      /** When the back-off ends: the exit time plus the current delay, ms since the epoch. */
      readonly retryAtMs: number;
    };

/**
 * `doBackOff`: looks at the newest exited instance of the container; if less than the current back-off delay
 * has passed since it finished, the start is skipped (`CrashLoopBackOff`), otherwise the back-off is stepped
 * (10 s, 20 s, 40 s … 300 s; reset when it was last stepped more than 600 s before the exit) and the
 * container may start. The key is the pod plus the container's name and spec hash.
 */
export function checkCrashLoopBackoff(
  pod: V1Pod,
  container: V1Container,
  podStatus: PodStatusSnapshot,
  backoff: Backoff,
): CrashLoopCheck {
  const exited = podStatus.containers.find((c) => c.name === container.name && c.state === "exited");
  if (exited === undefined) return { inBackoff: false };
  const finishedAtMs = exited.finishedAtMs ?? 0;
  const key = stableContainerKey(podRefOf(pod), container);
  if (backoff.isInBackoffSince(key, finishedAtMs)) {
    const delayMs = backoff.get(key);
    return {
      inBackoff: true,
      message: `back-off ${formatGoDuration(delayMs)} restarting failed container=${container.name} pod=${podDesc(pod)}`,
      eventMessage: `Back-off restarting failed container ${container.name} in pod ${podDesc(pod)}`,
      retryAtMs: finishedAtMs + delayMs,
    };
  }
  backoff.next(key, finishedAtMs);
  return { inBackoff: false };
}
