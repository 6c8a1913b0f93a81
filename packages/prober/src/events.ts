import type { PodRef, ProbeKind, ProbeManagerEvents } from "@kubelet-kit/core";

/** Reasons of the events the prober records, as the kubelet names them (`pkg/kubelet/events`). */
export type ProbeEventReason = "Unhealthy" | "ProbeWarning";

/**
 * A Kubernetes-style event about a probed container, with the kubelet's reason and message, e.g.
 * `Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500` or
 * `Warning ProbeWarning Readiness probe warning: Probe terminated redirects, Response body: …`.
 * Hand it to an event recorder to create an API `Event` whose involved object is the container
 * (`spec.containers{<name>}`).
 */
export interface ProbeEvent {
  /** Always `Warning`, as every prober event upstream. */
  readonly type: "Warning";
  readonly reason: ProbeEventReason;
  readonly message: string;
  /** The probe type that produced it. */
  readonly kind: ProbeKind;
  /** The pod of the container. */
  readonly pod: PodRef;
  /** Name of the probed container. */
  readonly container: string;
  /** The CRI container ID of the probed instance. */
  readonly containerId: string;
  /** When it happened, ms since the epoch, on the prober's clock. */
  readonly atMs: number;
}

/** Events of the prober: result changes (the core contract) plus the events to record. */
export interface ProberEvents extends ProbeManagerEvents {
  /** A probe failed, errored, or succeeded with a warning. */
  event: (event: ProbeEvent) => void;
}
