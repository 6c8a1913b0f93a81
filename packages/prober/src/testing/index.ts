// biome-ignore-all assist/source/organizeImports: grouped by server kind.
// @kubelet-kit/prober/testing: loopback probe targets and a hand-driven fake prober for tests, e2e scenarios
// and benchmarks.

export { serveHttpProbeTarget } from "./http-server.js";
export type {
  HttpProbeReply,
  HttpProbeReplySource,
  HttpProbeTarget,
  RecordedHttpRequest,
  ServeHttpProbeTargetOptions,
} from "./http-server.js";
export { serveTcpProbeTarget } from "./tcp-server.js";
export type { ServeTcpProbeTargetOptions, TcpProbeTarget, TcpProbeTargetMode } from "./tcp-server.js";
export { serveGrpcHealth } from "./grpc-health-server.js";
export type {
  GrpcHealthAnswer,
  GrpcHealthCheckCall,
  GrpcHealthServer,
  ServeGrpcHealthOptions,
} from "./grpc-health-server.js";
export { HEALTH_SERVING_STATUS } from "../handlers/grpc-health-codec.js";
export type { HealthServingStatusName } from "../handlers/grpc-health-codec.js";
export { createFakeProber } from "./fake-prober.js";
export type { FakeProber, FakeProberCall, FakeProberOptions, FakeProbeResultInput } from "./fake-prober.js";
