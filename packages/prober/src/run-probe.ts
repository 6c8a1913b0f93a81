import type { ProbeKind } from "@kubelet-kit/core";
import type {
  V1Container,
  V1ExecAction,
  V1GRPCAction,
  V1HTTPGetAction,
  V1Pod,
  V1Probe,
  V1TCPSocketAction,
} from "@kubernetes/client-node";
import type { ProbeEventReason } from "./events.js";
import type { ProbeAttempt } from "./handlers/types.js";
import { formatPod, PROBE_TYPE_NAMES } from "./probe-spec.js";

/** Attempts per probe run; only attempts that throw are retried (`maxProbeRetries`). */
export const MAX_PROBE_ATTEMPTS = 3;

/** What a handler is asked to do: one attempt of one probe action against one container instance. */
export interface ProbeRequest<A> {
  /** The probe's action (`exec`, `httpGet`, `tcpSocket` or `grpc`). */
  readonly action: A;
  readonly kind: ProbeKind;
  readonly pod: V1Pod;
  /** The probed container's spec (named ports, literal `env` for `$(VAR)` expansion). */
  readonly container: V1Container;
  /** The CRI ID of the running instance (exec probes run in it). */
  readonly containerId: string;
  /** The pod's IP from its cached API status; `""` when it has none yet. */
  readonly podIp: string;
  /** `timeoutSeconds` in ms. */
  readonly timeoutMs: number;
  /** Aborts when the worker stops; a handler may give up early (it then throws). */
  readonly signal: AbortSignal;
}

/**
 * Runs one attempt of a probe action. Each handler resolves with the outcome and its message, and throws
 * only where the kubelet's probers return an error (the attempt could not be made: bad port name, request
 * not buildable, runtime exec failure other than a timeout), which the prober retries.
 */
export interface ProbeHandlers {
  exec(request: ProbeRequest<V1ExecAction>): Promise<ProbeAttempt>;
  httpGet(request: ProbeRequest<V1HTTPGetAction>): Promise<ProbeAttempt>;
  tcpSocket(request: ProbeRequest<V1TCPSocketAction>): Promise<ProbeAttempt>;
  grpc(request: ProbeRequest<V1GRPCAction>): Promise<ProbeAttempt>;
}

/** Input of {@link runProbe}. */
export interface RunProbeInput {
  readonly kind: ProbeKind;
  readonly probe: V1Probe;
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly containerId: string;
  readonly podIp: string;
  readonly timeoutMs: number;
  /** Handlers by action; a missing one counts as a probe without a handler. */
  readonly handlers: Partial<ProbeHandlers>;
  /** Default: never aborts. When it aborts between attempts, no further attempt is made. */
  readonly signal?: AbortSignal;
}

/** An event the run asks to record (see `ProbeEvent`). */
export interface ProbeRunEvent {
  readonly reason: ProbeEventReason;
  readonly message: string;
}

/** What {@link runProbe} found. */
export interface ProbeRun {
  /** The result to count: `warning` counts as `success`. Meaningless when `error` is set. */
  readonly result: "success" | "failure";
  /** The last attempt's output (or the error's message). */
  readonly output: string;
  /** Set when every attempt threw: the run is an error, and the worker discards it. */
  readonly error?: unknown;
  /** The `Unhealthy` or `ProbeWarning` event to record, if any. */
  readonly event?: ProbeRunEvent;
  /** How many attempts were made (1 to {@link MAX_PROBE_ATTEMPTS}). */
  readonly attempts: number;
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs a probe the way the kubelet's prober does (`prober.probe`): up to three attempts, retrying only
 * attempts that throw; `success` → success; `warning` → success with a `ProbeWarning` event
 * (`<Type> probe warning: <output>`); `failure` → failure with an `Unhealthy` event
 * (`<Type> probe failed: <output>`); three errors → an `Unhealthy` event
 * (`<Type> probe errored and resulted in unknown state: <error>`) and an error result. A probe with no
 * action (or no handler for its action) errors with `missing probe handler for <pod>:<container>`.
 */
export async function runProbe(input: RunProbeInput): Promise<ProbeRun> {
  const signal = input.signal ?? NEVER_ABORTED;
  const type = PROBE_TYPE_NAMES[input.kind];
  let error: unknown;
  let attempts = 0;
  while (attempts < MAX_PROBE_ATTEMPTS) {
    attempts++;
    try {
      const attempt = await attemptOnce(input, signal);
      switch (attempt.outcome) {
        case "success":
          return { result: "success", output: attempt.output, attempts };
        case "warning":
          return {
            result: "success",
            output: attempt.output,
            attempts,
            event: { reason: "ProbeWarning", message: `${type} probe warning: ${attempt.output}` },
          };
        case "failure":
          return {
            result: "failure",
            output: attempt.output,
            attempts,
            event: { reason: "Unhealthy", message: `${type} probe failed: ${attempt.output}` },
          };
      }
    } catch (err) {
      error = err;
      if (signal.aborted) break;
    }
  }
  const message = errorMessage(error);
  return {
    result: "failure",
    output: message,
    error,
    attempts,
    event: {
      reason: "Unhealthy",
      message: `${type} probe errored and resulted in unknown state: ${message}`,
    },
  };
}

function attemptOnce(input: RunProbeInput, signal: AbortSignal): Promise<ProbeAttempt> {
  const { probe, handlers } = input;
  const base = {
    kind: input.kind,
    pod: input.pod,
    container: input.container,
    containerId: input.containerId,
    podIp: input.podIp,
    timeoutMs: input.timeoutMs,
    signal,
  };
  // The action is chosen in the kubelet's order: exec, httpGet, tcpSocket, grpc.
  if (probe.exec !== undefined) {
    if (handlers.exec !== undefined) return handlers.exec({ ...base, action: probe.exec });
  } else if (probe.httpGet !== undefined) {
    if (handlers.httpGet !== undefined) return handlers.httpGet({ ...base, action: probe.httpGet });
  } else if (probe.tcpSocket !== undefined) {
    if (handlers.tcpSocket !== undefined) return handlers.tcpSocket({ ...base, action: probe.tcpSocket });
  } else if (probe.grpc !== undefined) {
    if (handlers.grpc !== undefined) return handlers.grpc({ ...base, action: probe.grpc });
  }
  return Promise.reject(
    new Error(`missing probe handler for ${formatPod(input.pod)}:${input.container.name}`),
  );
}

/** The text Go's `%s` would print for an error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
