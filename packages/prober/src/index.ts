// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// @kubelet-kit/prober: liveness, readiness and startup probes (the kubelet's pkg/kubelet/prober and
// pkg/probe): handlers, the results cache, workers on shared timers, and the manager the pod workers and
// the sync loop take (see examples/minimal-kubelet for the wiring).

// The manager (implements core's ProbeManager and ProbeStateReader)
export { createProbeManager } from "./probe-manager.js";
export type { ProbeManagerOptions, Prober } from "./probe-manager.js";
export { DEFAULT_MAX_CONCURRENT_PROBES, limitProbeConcurrency } from "./handler-slots.js";
export type { ProbeEvent, ProbeEventReason, ProberEvents } from "./events.js";
export type { ProbeStatusSource } from "./worker.js";

// Handlers: one probe attempt each
export { runExecProbe } from "./handlers/exec.js";
export type { ExecProbeInput } from "./handlers/exec.js";
export { runHttpGetProbe } from "./handlers/http.js";
export type { HttpGetProbeInput } from "./handlers/http.js";
export { runTcpProbe } from "./handlers/tcp.js";
export type { TcpProbeInput } from "./handlers/tcp.js";
export { runGrpcProbe } from "./handlers/grpc.js";
export type { GrpcProbeInput } from "./handlers/grpc.js";
export type { ProbeAttempt, ProbeOutcome } from "./handlers/types.js";
export { createProbeHandlers } from "./handlers-factory.js";
export type { ProbeHandlersOptions } from "./handlers-factory.js";
export { resolveProbePort } from "./handlers/target.js";

// Running a probe: retries on errors, results and events
export { MAX_PROBE_ATTEMPTS, runProbe } from "./run-probe.js";
export type { ProbeHandlers, ProbeRequest, ProbeRun, ProbeRunEvent, RunProbeInput } from "./run-probe.js";
export { createProbeResultsCache } from "./results.js";
export type {
  ProbeResultOwner,
  ProbeResultsCache,
  ProbeResultsCacheOptions,
  ProbeResultsEvents,
} from "./results.js";

// Metrics
export {
  createMemoryProberMetrics,
  createNoopProberMetrics,
  PROBE_DURATION_BUCKETS_SECONDS,
} from "./metrics.js";
export type {
  MemoryHistogram,
  MemoryProberMetrics,
  ProbeDurationLabels,
  ProbeResultLabel,
  ProbeSeries,
  ProbeTotalLabels,
  ProbeTypeLabel,
  ProberMetricsSink,
} from "./metrics.js";

// Probe specs and constants
export { containerShouldRestart, PROBE_DEFAULTS, probeTerminationGracePeriodSeconds } from "./probe-spec.js";
export { DEFAULT_KUBE_PROBE_VERSION, kubeProbeUserAgent, MAX_PROBE_OUTPUT_BYTES } from "./constants.js";

// Building block: one clock timer per distinct period
export { createTickScheduler } from "./tick-scheduler.js";
export type { Ticker, TickScheduler } from "./tick-scheduler.js";
