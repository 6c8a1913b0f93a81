import type { PodRef } from "@kubelet-kit/core";

/** Reasons of the events the runtime manager records, as the kubelet names them (`pkg/kubelet/events`). */
export type RuntimeEventReason =
  | "Pulling"
  | "Pulled"
  | "Failed"
  | "BackOff"
  | "InspectFailed"
  | "ErrImageNeverPull"
  | "Created"
  | "Started"
  | "Killing"
  | "FailedPostStartHook"
  | "FailedPreStopHook"
  | "SandboxChanged"
  | "FailedCreatePodSandBox"
  | "LifecycleHTTPFallback";

/**
 * A Kubernetes-style event about a pod or one of its containers, with the kubelet's reason and message text
 * (for example `Normal Pulling Pulling image "busybox:1.36"`, `Warning BackOff Back-off restarting failed
 * container app in pod web_default(<uid>)`). Hand them to an event recorder to create API `Event`s.
 */
export interface RuntimeEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: RuntimeEventReason;
  readonly message: string;
  /** The pod the event is about (the involved object, or the owner of the container). */
  readonly pod: PodRef;
  /** Name of the container the event is about (`spec.containers{<name>}`); absent for pod events. */
  readonly container?: string;
  /** When it happened, ms since the epoch, on the manager's clock. */
  readonly atMs: number;
  /** The node that reported it (the event source host); "" when `nodeName` is not configured. */
  readonly host: string;
}

/** Events of a runtime manager. */
export interface RuntimeManagerEvents {
  /** Something happened to a pod or container: image pulls, starts, kills, back-offs, hook failures. */
  event: (event: RuntimeEvent) => void;
}
