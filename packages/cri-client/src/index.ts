// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// @kubelet-kit/cri-client: typed CRI clients over a unix socket. The fake runtime lives in `./testing`.

// Embedder API: clients, their options and role interfaces
export type { ImageServiceClient, RuntimeServiceClient } from "./client.js";
export { createImageService, createRuntimeService } from "./client.js";
export type {
  ContainerEventSource,
  ContainerManager,
  ContainerStatsManager,
  ImageManager,
  PodSandboxManager,
  RuntimeStatusReader,
  RuntimeVersioner,
} from "./roles.js";
export type { CallOptions, CriClientOptions, ServiceClient } from "./types.js";

// Extension points: transports, interceptors, servers
export type {
  CallContext,
  CriTransport,
  HandlerContext,
  Interceptor,
  ServiceHandlers,
  UnaryNext,
  UnaryRequest,
} from "./types.js";
export { createServiceClient } from "./client.js";
export type { GrpcTransportOptions } from "./grpc/transport.js";
export { createGrpcTransport } from "./grpc/transport.js";
export type { CriEndpoint } from "./grpc/endpoint.js";
export { parseCriEndpoint } from "./grpc/endpoint.js";
export { toGrpcServiceDefinition } from "./grpc/service-definition.js";
export {
  decodeListContainersResponse,
  decodeListPodSandboxResponse,
  FAST_RESPONSE_DECODERS,
} from "./grpc/fast-decode.js";
export type { GrpcStatus } from "./grpc/status.js";
export {
  codeToGrpcStatus,
  grpcErrorToKubeletKitError,
  grpcStatusToCode,
  isGrpcServiceError,
  kubeletKitErrorToGrpcStatus,
} from "./grpc/status.js";
export type { CallMetricsSink, InterceptorOptions } from "./interceptors.js";
export { loggingInterceptor, metricsInterceptor } from "./interceptors.js";
