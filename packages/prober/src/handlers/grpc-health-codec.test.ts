import { describe, expect, it } from "vitest";
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_SERVING_STATUS,
  healthStatusName,
} from "./grpc-health-codec.js";

describe("grpc.health.v1 messages", () => {
  it("encodes a request's service as field 1, and the empty service as the empty message", () => {
    expect([...encodeHealthCheckRequest("svc")]).toEqual([0x0a, 0x03, 0x73, 0x76, 0x63]);
    expect(encodeHealthCheckRequest("")).toHaveLength(0);
  });

  it("round-trips services, multi-byte text and lengths past one varint byte", () => {
    for (const service of ["", "grpc.health.v1.Health", "dïenst-日本", "s".repeat(300)]) {
      expect(decodeHealthCheckRequest(encodeHealthCheckRequest(service))).toEqual({ service });
    }
    expect([...encodeHealthCheckRequest("s".repeat(300)).subarray(0, 3)]).toEqual([0x0a, 0xac, 0x02]);
  });

  it("encodes response statuses as a varint field 1, UNKNOWN as the empty message", () => {
    expect([...encodeHealthCheckResponse(HEALTH_SERVING_STATUS.SERVING)]).toEqual([0x08, 0x01]);
    expect([...encodeHealthCheckResponse(HEALTH_SERVING_STATUS.NOT_SERVING)]).toEqual([0x08, 0x02]);
    expect(encodeHealthCheckResponse(HEALTH_SERVING_STATUS.UNKNOWN)).toHaveLength(0);
    expect(decodeHealthCheckResponse(new Uint8Array(0))).toEqual({ status: 0 });
  });

  it("reads negative and large enum values as int32, as protobuf does", () => {
    const minusOne = encodeHealthCheckResponse(-1);
    expect(minusOne).toHaveLength(11);
    expect(decodeHealthCheckResponse(minusOne)).toEqual({ status: -1 });
    expect(decodeHealthCheckResponse(encodeHealthCheckResponse(300))).toEqual({ status: 300 });
    expect(decodeHealthCheckResponse(encodeHealthCheckResponse(2 ** 31 - 1))).toEqual({
      status: 2 ** 31 - 1,
    });
  });

  it("skips fields it does not know and keeps the last status", () => {
    const bytes = Uint8Array.from([
      0x12,
      0x01,
      0x41, // field 2, bytes "A"
      0x08,
      0x01, // status SERVING
      0x1d,
      1,
      2,
      3,
      4, // field 3, fixed32
      0x21,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 4, fixed64
      0x28,
      0x96,
      0x01, // field 5, varint 150
      0x08,
      0x02, // status NOT_SERVING: the last one wins
    ]);
    expect(decodeHealthCheckResponse(bytes)).toEqual({ status: 2 });
  });

  it("rejects truncated and malformed messages", () => {
    expect(() => decodeHealthCheckResponse(Uint8Array.from([0x08]))).toThrow(RangeError);
    expect(() => decodeHealthCheckResponse(Uint8Array.from([0x08, 0x80]))).toThrow(RangeError);
    expect(() => decodeHealthCheckRequest(Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(RangeError);
    expect(() => decodeHealthCheckResponse(Uint8Array.from([0x1d, 1, 2]))).toThrow(RangeError);
    expect(() => decodeHealthCheckResponse(Uint8Array.from([0x0b]))).toThrow(RangeError);
    expect(() => decodeHealthCheckResponse(Uint8Array.from([0x00, 0x01]))).toThrow(RangeError);
  });

  it("names statuses as Go's generated String() does", () => {
    expect(healthStatusName(0)).toBe("UNKNOWN");
    expect(healthStatusName(1)).toBe("SERVING");
    expect(healthStatusName(2)).toBe("NOT_SERVING");
    expect(healthStatusName(3)).toBe("SERVICE_UNKNOWN");
    expect(healthStatusName(7)).toBe("7");
    expect(healthStatusName(-1)).toBe("-1");
  });
});
