/**
 * Kind of a container lifecycle event from the runtime (CRI `ContainerEventType` without the
 * `CONTAINER_` prefix and `_EVENT` suffix).
 */
export type RuntimeContainerEventType = "created" | "started" | "stopped" | "deleted";

/**
 * One container lifecycle event pushed by the runtime (CRI `GetContainerEvents`, the stream behind the
 * kubelet's Evented PLEG). The pod fields come from the event's sandbox metadata; for a sandbox's own
 * events `containerId` is the sandbox ID.
 */
export interface RuntimeContainerEvent {
  /** The container (or sandbox) the event is about, without prefix. */
  readonly containerId: string;
  readonly podUid: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly type: RuntimeContainerEventType;
  /** When the runtime produced the event, in ms since the epoch (CRI `created_at`). */
  readonly atMs: number;
}

/**
 * Optional role of a runtime that can push container events instead of being relisted every second.
 * containerd 1.7+ and CRI-O implement CRI `GetContainerEvents`; containerd 1.6 answers `Unimplemented`.
 */
export interface ContainerEventWatcher {
  /**
   * Streams container events as the runtime emits them, from now on. The iterable ends or throws when the
   * stream breaks (the consumer retries), throws `Unimplemented` when the runtime has no event stream, and
   * throws `Canceled` once `signal` aborts.
   */
  watchContainerEvents(signal: AbortSignal): AsyncIterable<RuntimeContainerEvent>;
}
