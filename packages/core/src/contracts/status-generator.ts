import type { PodApiStatusOf, PodLike } from "./pod-like.js";
import type { PodStatusSnapshot } from "./runtime-pod.js";
import type { SyncResult } from "./sync-result.js";

/** Probe state the status generator reads (the prober's results; all containers ready/started without one). */
export interface ProbeStateReader {
  /** Readiness of a container instance; `undefined` when the container has no readiness probe. */
  isReady(containerId: string): boolean | undefined;
  /** Whether a container instance passed its startup probe; `undefined` when it has none. */
  isStarted(containerId: string): boolean | undefined;
}

/** Everything the API status of a pod is computed from (the kubelet's `generateAPIPodStatus` inputs). */
export interface PodStatusInput<P extends PodLike = PodLike> {
  readonly pod: P;
  /** The runtime's view of the pod (from `PodRuntime.getPodStatus`). */
  readonly runtimeStatus: PodStatusSnapshot;
  /** The most recent `syncPod` result: its per-container failures become waiting reasons (CrashLoopBackOff, …). */
  readonly lastSyncResult?: SyncResult;
  /** The status previously generated for this pod (sticky fields: startTime, terminal phase, transition times). */
  readonly previousStatus?: PodApiStatusOf<P>;
  /** Probe results; omitted means "no probes". */
  readonly probes?: ProbeStateReader;
  /** True once the pod worker has decided the pod is terminal (it will not run again). */
  readonly podIsTerminal?: boolean;
  /** The node's IPs (for `hostIP`/`hostIPs`, and `podIPs` of host-network pods). */
  readonly nodeIps?: readonly string[];
  /** Current time in ms since the epoch, from the injected clock. */
  readonly nowMs: number;
}

/** Computes a pod's API status. Pure; `@kubelet-kit/status-manager` provides the kubelet's algorithm. */
export type PodStatusGenerator<P extends PodLike = PodLike> = (input: PodStatusInput<P>) => PodApiStatusOf<P>;
