import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { KubeletKitError, type KubeletKitErrorCode } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import {
  codeToGrpcStatus,
  grpcErrorToKubeletKitError,
  grpcStatusToCode,
  kubeletKitErrorToGrpcStatus,
} from "./status.js";

const GRPC_CODES: readonly [number, KubeletKitErrorCode][] = [
  [status.CANCELLED, "Canceled"],
  [status.UNKNOWN, "Unknown"],
  [status.INVALID_ARGUMENT, "InvalidArgument"],
  [status.DEADLINE_EXCEEDED, "DeadlineExceeded"],
  [status.NOT_FOUND, "NotFound"],
  [status.ALREADY_EXISTS, "AlreadyExists"],
  [status.PERMISSION_DENIED, "PermissionDenied"],
  [status.RESOURCE_EXHAUSTED, "ResourceExhausted"],
  [status.FAILED_PRECONDITION, "FailedPrecondition"],
  [status.ABORTED, "Aborted"],
  [status.OUT_OF_RANGE, "OutOfRange"],
  [status.UNIMPLEMENTED, "Unimplemented"],
  [status.INTERNAL, "Internal"],
  [status.UNAVAILABLE, "Unavailable"],
  [status.DATA_LOSS, "DataLoss"],
  [status.UNAUTHENTICATED, "Unauthenticated"],
];

function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe("gRPC status mapping", () => {
  it.each(GRPC_CODES)("maps gRPC status %i to %s and back", (grpcCode, code) => {
    expect(grpcStatusToCode(grpcCode)).toBe(code);
    expect(codeToGrpcStatus(code)).toBe(grpcCode);
  });

  it("maps OK and unknown numbers to Unknown", () => {
    expect(grpcStatusToCode(status.OK)).toBe("Unknown");
    expect(grpcStatusToCode(42)).toBe("Unknown");
    expect(grpcStatusToCode(-1)).toBe("Unknown");
  });

  it("sends the kubelet-level codes as INVALID_ARGUMENT", () => {
    expect(codeToGrpcStatus("InvalidConfig")).toBe(status.INVALID_ARGUMENT);
    expect(codeToGrpcStatus("InvalidManifest")).toBe(status.INVALID_ARGUMENT);
  });

  it("keeps the runtime's message, the gRPC code and the original error", () => {
    const original = serviceError(status.NOT_FOUND, 'container "abc" not found');
    const err = grpcErrorToKubeletKitError(original);
    expect(err.code).toBe("NotFound");
    expect(err.rawMessage).toBe('container "abc" not found');
    expect(err.message).toBe('[NotFound] container "abc" not found');
    expect(err.details).toEqual({ grpcCode: status.NOT_FOUND });
    expect(err.cause).toBe(original);
  });

  it("answers a KubeletKitError with its code and raw message", () => {
    const err = new KubeletKitError("AlreadyExists", "sandbox exists");
    expect(kubeletKitErrorToGrpcStatus(err)).toEqual({
      code: status.ALREADY_EXISTS,
      details: "sandbox exists",
    });
  });

  it("answers a grpc-js error with its own status", () => {
    expect(kubeletKitErrorToGrpcStatus(serviceError(status.ABORTED, "retry"))).toEqual({
      code: status.ABORTED,
      details: "retry",
    });
  });

  it("answers any other error as INTERNAL with its message", () => {
    expect(kubeletKitErrorToGrpcStatus(new TypeError("boom"))).toEqual({
      code: status.INTERNAL,
      details: "boom",
    });
    expect(kubeletKitErrorToGrpcStatus("plain")).toEqual({ code: status.INTERNAL, details: "plain" });
  });
});
