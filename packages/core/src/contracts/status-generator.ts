import type { PodApiStatusOf, PodLike } from "./pod-like.js";
import type { ProbedContainer } from "./probe-manager.js";
import type { PodStatusSnapshot } from "./runtime-pod.js";
import type { SyncResult } from "./sync-result.js";

/**
 * One container instance whose `started`/`ready` the status generator asks about, with what the kubelet's
 * `UpdatePodStatus` reads besides the probe results. The optional fields serve the agent-restart rule
 * (feature gate `ChangeContainerStatusOnKubeletRestart` off, the default since Kubernetes 1.35): a container
 * already running before the agent started keeps the `started`/`ready` it had instead of flapping.
 */
export interface ProbeStateQuery extends ProbedContainer {
  /** When the instance started running (`state.running.startedAt`), in ms since the epoch. */
  readonly startedAtMs?: number;
  /** `started` of this same instance in the pod's API status (`pod.status`), when it has one. */
  readonly previouslyStarted?: boolean;
  /** Whether the pod's API status (`pod.status`) has the `Ready` condition `True`. */
  readonly podWasReady?: boolean;
}

/**
 * Probe state the status generator reads (the prober manager's `UpdatePodStatus`). Asked only about running
 * containers (`isReady` only once started). `undefined` means the container has no probe of that kind, and
 * the generator counts it as started / ready.
 */
export interface ProbeStateReader {
  /**
   * Whether the instance passed its readiness probe: `false` while a readiness probe exists without a
   * success for this instance (an implementation may then run that probe at once, as the kubelet does).
   */
  isReady(container: ProbeStateQuery): boolean | undefined;
  /** Whether the instance passed its startup probe: `false` while one exists without a success yet. */
  isStarted(container: ProbeStateQuery): boolean | undefined;
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
