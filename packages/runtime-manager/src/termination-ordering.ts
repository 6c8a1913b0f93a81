import type { Clock } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { containersOf, initContainersOf, isRestartableInitContainer } from "./pod-spec.js";

interface Gate {
  readonly done: Promise<void>;
  open(): void;
}

function gate(open: boolean): Gate {
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  if (open) resolve();
  return { done, open: () => resolve() };
}

/**
 * Sidecar termination order (`kuberuntime_termination_order.go`): regular containers stop first; each
 * restartable init container waits for all regular containers and for the sidecars declared after it, so
 * sidecars stop in reverse order. Waiting is bounded by the container's remaining grace period.
 */
export interface TerminationOrdering {
  /** Waits until `name` may stop or `gracePeriodSec` runs out; returns the seconds waited (fractional). */
  waitForTurn(name: string, gracePeriodSec: number): Promise<number>;
  /** Marks `name` as stopped, releasing the containers that wait for it. */
  containerTerminated(name: string): void;
}

export function createTerminationOrdering(
  pod: V1Pod,
  runningNames: readonly string[],
  clock: Clock,
): TerminationOrdering {
  const running = new Set(runningNames);
  const terminated = new Map<string, Gate>();
  const prereqs = new Map<string, Gate[]>();
  const mains: Gate[] = [];
  for (const c of containersOf(pod)) {
    const g = gate(!running.has(c.name));
    terminated.set(c.name, g);
    mains.push(g);
  }
  let laterSidecar: string | undefined;
  for (const c of [...initContainersOf(pod)].reverse()) {
    const g = gate(!running.has(c.name));
    terminated.set(c.name, g);
    if (!isRestartableInitContainer(c)) continue;
    const waits = [...mains];
    const later = laterSidecar === undefined ? undefined : terminated.get(laterSidecar);
    if (later !== undefined) waits.push(later);
    prereqs.set(c.name, waits);
    laterSidecar = c.name;
  }
  return {
    async waitForTurn(name, gracePeriodSec) {
      if (gracePeriodSec <= 0) return 0;
      const start = clock.now();
      const stop = new AbortController();
      const expired = clock.sleep(gracePeriodSec * 1000, stop.signal).then(
        () => true,
        () => false,
      );
      for (const prereq of prereqs.get(name) ?? []) {
        if (await Promise.race([prereq.done.then(() => false), expired])) break;
      }
      stop.abort();
      return (clock.now() - start) / 1000;
    },
    containerTerminated(name) {
      terminated.get(name)?.open();
    },
  };
}
