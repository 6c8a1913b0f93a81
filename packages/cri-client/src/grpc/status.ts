import { type ServiceError, status } from "@grpc/grpc-js";
import {
  isKubeletKitError,
  KUBELET_KIT_ERROR_CODES,
  KubeletKitError,
  type KubeletKitErrorCode,
} from "@kubelet-kit/core";

// Index = gRPC numeric status code. Core lists the gRPC codes first, in gRPC order 1..16;
// index 0 (OK) is never an error, so a stray OK maps to Unknown.
const GRPC_TO_CODE: readonly KubeletKitErrorCode[] = ["Unknown", ...KUBELET_KIT_ERROR_CODES.slice(0, 16)];

const CODE_TO_GRPC: Readonly<Record<KubeletKitErrorCode, status>> = {
  Canceled: status.CANCELLED,
  Unknown: status.UNKNOWN,
  InvalidArgument: status.INVALID_ARGUMENT,
  DeadlineExceeded: status.DEADLINE_EXCEEDED,
  NotFound: status.NOT_FOUND,
  AlreadyExists: status.ALREADY_EXISTS,
  PermissionDenied: status.PERMISSION_DENIED,
  ResourceExhausted: status.RESOURCE_EXHAUSTED,
  FailedPrecondition: status.FAILED_PRECONDITION,
  Aborted: status.ABORTED,
  OutOfRange: status.OUT_OF_RANGE,
  Unimplemented: status.UNIMPLEMENTED,
  Internal: status.INTERNAL,
  Unavailable: status.UNAVAILABLE,
  DataLoss: status.DATA_LOSS,
  Unauthenticated: status.UNAUTHENTICATED,
  // Kubelet-level codes have no gRPC twin; both describe input the receiver refuses.
  InvalidConfig: status.INVALID_ARGUMENT,
  InvalidManifest: status.INVALID_ARGUMENT,
};

/** The `KubeletKitErrorCode` for a gRPC status number. OK and numbers outside 1..16 give `Unknown`. */
export function grpcStatusToCode(grpcCode: number): KubeletKitErrorCode {
  return (grpcCode > 0 && GRPC_TO_CODE[grpcCode]) || "Unknown";
}

/** The gRPC status number for a `KubeletKitErrorCode`. `InvalidConfig` and `InvalidManifest` give INVALID_ARGUMENT. */
export function codeToGrpcStatus(code: KubeletKitErrorCode): status {
  return CODE_TO_GRPC[code];
}

/** True for errors grpc-js hands to call callbacks and stream `error` events (a numeric `code` and string `details`). */
export function isGrpcServiceError(value: unknown): value is ServiceError {
  if (!(value instanceof Error)) return false;
  const candidate = value as Partial<ServiceError>;
  return typeof candidate.code === "number" && typeof candidate.details === "string";
}

/**
 * Maps a grpc-js call error once, at the edge: the runtime's text (`details`) becomes `rawMessage`, the
 * numeric status is kept as `details.grpcCode`, and the grpc-js error is the `cause`.
 */
export function grpcErrorToKubeletKitError(err: ServiceError): KubeletKitError {
  return new KubeletKitError(grpcStatusToCode(err.code), err.details, {
    cause: err,
    details: { grpcCode: err.code },
  });
}

/** A gRPC status as a server sends it. */
export interface GrpcStatus {
  code: status;
  details: string;
}

/**
 * What a gRPC server should answer for an error thrown by a handler: a `KubeletKitError` keeps its code
 * and its raw message; a grpc-js-shaped error keeps its status; anything else is INTERNAL with its message.
 */
export function kubeletKitErrorToGrpcStatus(err: unknown): GrpcStatus {
  if (isKubeletKitError(err)) return { code: codeToGrpcStatus(err.code), details: err.rawMessage };
  if (isGrpcServiceError(err)) return { code: err.code, details: err.details };
  if (err instanceof Error) return { code: status.INTERNAL, details: err.message };
  return { code: status.INTERNAL, details: String(err) };
}
