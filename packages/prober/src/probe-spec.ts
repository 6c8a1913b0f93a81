import type { ProbeKind, ProbeResult } from "@kubelet-kit/core";
import type { V1Container, V1Pod, V1PodSpec, V1Probe } from "@kubernetes/client-node";

/** How the kubelet names each probe type in events, logs and metric labels (`probeType.String()`). */
export const PROBE_TYPE_NAMES: Readonly<Record<ProbeKind, "Liveness" | "Readiness" | "Startup">> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
};

/**
 * The result a worker stores for a container instance it has just found, before any probe ran: not ready,
 * alive, and not known to have started.
 */
export const INITIAL_PROBE_RESULTS: Readonly<Record<ProbeKind, ProbeResult>> = {
  readiness: "failure",
  liveness: "success",
  startup: "unknown",
};

/** The order `AddPod` creates a container's workers in. */
export const PROBE_KINDS_IN_ADD_ORDER: readonly ProbeKind[] = ["startup", "readiness", "liveness"];

/** API defaults of a probe's fields (`SetDefaults_Probe`), applied to fields left unset or at 0. */
export const PROBE_DEFAULTS = {
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** A probe's timing and thresholds, with the API defaults filled in. */
export interface ProbeSettings {
  /** `periodSeconds` in ms. */
  readonly periodMs: number;
  /** `timeoutSeconds` in ms. */
  readonly timeoutMs: number;
  /** `initialDelaySeconds` (0 when unset). */
  readonly initialDelaySeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** The probe-level `terminationGracePeriodSeconds` (liveness and startup only); absent when unset. */
  readonly terminationGracePeriodSeconds?: number;
}

/** The container's probe of `kind`, if it defines one. */
export function probeOf(container: V1Container, kind: ProbeKind): V1Probe | undefined {
  switch (kind) {
    case "liveness":
      return container.livenessProbe;
    case "readiness":
      return container.readinessProbe;
    case "startup":
      return container.startupProbe;
  }
}

const positiveOr = (value: number | undefined, fallback: number): number =>
  value !== undefined && value > 0 ? value : fallback;

/**
 * Reads a probe's timing, treating unset or non-positive `timeoutSeconds`, `periodSeconds` and thresholds as
 * the API defaults (pods from the API server are defaulted already; raw objects may not be).
 */
export function probeSettings(probe: V1Probe, kind: ProbeKind): ProbeSettings {
  const grace = probe.terminationGracePeriodSeconds;
  return {
    periodMs: positiveOr(probe.periodSeconds, PROBE_DEFAULTS.periodSeconds) * 1000,
    timeoutMs: positiveOr(probe.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds) * 1000,
    initialDelaySeconds: Math.max(0, probe.initialDelaySeconds ?? 0),
    successThreshold: positiveOr(probe.successThreshold, PROBE_DEFAULTS.successThreshold),
    failureThreshold: positiveOr(probe.failureThreshold, PROBE_DEFAULTS.failureThreshold),
    ...(grace === undefined || kind === "readiness" ? {} : { terminationGracePeriodSeconds: grace }),
  };
}

/**
 * The probe-level `terminationGracePeriodSeconds` that replaces the pod's when a failed liveness or startup
 * probe gets the container killed (`setTerminationGracePeriod`); `undefined` for readiness or when unset.
 */
export function probeTerminationGracePeriodSeconds(
  container: V1Container,
  kind: ProbeKind,
): number | undefined {
  if (kind === "readiness") return undefined;
  return probeOf(container, kind)?.terminationGracePeriodSeconds;
}

/** Whether an init container is a sidecar (`restartPolicy: Always`), the only init containers probed. */
export function isRestartableInitContainer(container: V1Container): boolean {
  return container.restartPolicy === "Always";
}

/** The containers the manager probes: every regular container, then the restartable init containers. */
export function probedContainers(pod: V1Pod): V1Container[] {
  const spec = pod.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? []).filter(isRestartableInitContainer)];
}

/** Whether `container` is one of the pod's init containers. */
export function isInitContainer(pod: V1Pod, containerName: string): boolean {
  return (pod.spec?.initContainers ?? []).some((c) => c.name === containerName);
}

/**
 * Whether a container that exited with `exitCode` will be started again (`ContainerShouldRestart`, feature
 * gate `ContainerRestartRules`, on by default since 1.35): the first container restart rule matching the
 * exit code with action `Restart` wins; then the container's own `restartPolicy`; then the pod's, where an
 * unset policy means `Always`.
 */
export function containerShouldRestart(
  container: V1Container,
  podSpec: V1PodSpec | undefined,
  exitCode: number,
): boolean {
  if (container.restartPolicy !== undefined) {
    const rule = (container.restartPolicyRules ?? []).find((r) => {
      const codes = r.exitCodes;
      if (codes === undefined) return false;
      const listed = (codes.values ?? []).includes(exitCode);
      if (codes.operator === "In") return listed;
      if (codes.operator === "NotIn") return !listed;
      return false;
    });
    if (rule?.action === "Restart") return true;
    switch (container.restartPolicy) {
      case "Always":
        return true;
      case "OnFailure":
        return exitCode !== 0;
      case "Never":
        return false;
    }
  }
  switch (podSpec?.restartPolicy) {
    case "OnFailure":
      return exitCode !== 0;
    case "Never":
      return false;
    default:
      return true;
  }
}

/** The pod as the kubelet names it in messages (`format.Pod`): `<name>_<namespace>(<uid>)`. */
export function formatPod(pod: V1Pod): string {
  return `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}(${pod.metadata?.uid ?? ""})`;
}

/** A CRI container ID from an API `containerID` (`<runtime>://<id>`); the input when it has no scheme. */
export function bareContainerId(apiContainerId: string): string {
  const at = apiContainerId.indexOf("://");
  return at === -1 ? apiContainerId : apiContainerId.slice(at + 3);
}
