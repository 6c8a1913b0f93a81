// @kubelet-kit/prober: liveness, readiness and startup probes (the kubelet's pkg/kubelet/prober and
// pkg/probe). Work in progress: the handlers land first.

export type { ProbeAttempt, ProbeOutcome } from "./handlers/types.js";
