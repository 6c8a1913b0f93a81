// The two messages of the standard gRPC health service (`grpc.health.v1`), encoded by hand: each has one
// field, so a protobuf runtime would cost more than it saves.
//   message HealthCheckRequest  { string service = 1; }
//   message HealthCheckResponse { ServingStatus status = 1; }  // enum: int32 on the wire

/** The full method name the health probe calls. */
export const HEALTH_CHECK_METHOD = "/grpc.health.v1.Health/Check";

/** `HealthCheckResponse.ServingStatus` values. */
export const HEALTH_SERVING_STATUS = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
} as const;

/** The name of a `ServingStatus` value. */
export type HealthServingStatusName = keyof typeof HEALTH_SERVING_STATUS;

const STATUS_NAMES: readonly HealthServingStatusName[] = [
  "UNKNOWN",
  "SERVING",
  "NOT_SERVING",
  "SERVICE_UNKNOWN",
];

/** A `ServingStatus` as Go's generated `String()` prints it: its name, or the number for unknown values. */
export function healthStatusName(status: number): string {
  return STATUS_NAMES[status] ?? String(status);
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const FIELD_ONE_VARINT = (1 << 3) | WIRE_VARINT;
const FIELD_ONE_BYTES = (1 << 3) | WIRE_LENGTH_DELIMITED;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes `HealthCheckRequest{service}`; the empty service (the whole server) is the empty message. */
export function encodeHealthCheckRequest(service: string): Uint8Array {
  if (service === "") return new Uint8Array(0);
  const text = utf8Encoder.encode(service);
  const out: number[] = [FIELD_ONE_BYTES];
  pushVarint(out, text.length);
  const bytes = new Uint8Array(out.length + text.length);
  bytes.set(out);
  bytes.set(text, out.length);
  return bytes;
}

/** Decodes a `HealthCheckRequest`, skipping unknown fields. Throws on malformed input. */
export function decodeHealthCheckRequest(bytes: Uint8Array): { service: string } {
  let service = "";
  readFields(bytes, (field, wireType, reader) => {
    if (field === 1 && wireType === WIRE_LENGTH_DELIMITED) {
      service = utf8Decoder.decode(reader.lengthDelimited());
      return true;
    }
    return false;
  });
  return { service };
}

/** Encodes `HealthCheckResponse{status}`; `UNKNOWN` (0) is the empty message. */
export function encodeHealthCheckResponse(status: number): Uint8Array {
  if (status === 0) return new Uint8Array(0);
  const out: number[] = [FIELD_ONE_VARINT];
  // An int32 enum: negative values are sign-extended to ten bytes, as protobuf writes them.
  if (status < 0) pushVarint64Negative(out, status);
  else pushVarint(out, status);
  return Uint8Array.from(out);
}

/** Decodes a `HealthCheckResponse` (the status as an int32, the last occurrence winning). Throws on malformed input. */
export function decodeHealthCheckResponse(bytes: Uint8Array): { status: number } {
  let status = 0;
  readFields(bytes, (field, wireType, reader) => {
    if (field === 1 && wireType === WIRE_VARINT) {
      status = reader.varintInt32();
      return true;
    }
    return false;
  });
  return { status };
}

function pushVarint(out: number[], value: number): void {
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

function pushVarint64Negative(out: number[], value: number): void {
  let rest = BigInt.asUintN(64, BigInt(value));
  while (rest > 0x7fn) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
}

interface FieldReader {
  /** The next varint's low 32 bits as a signed int32. */
  varintInt32(): number;
  lengthDelimited(): Uint8Array;
}

/** Walks the fields of a message; `onField` consumes the ones it knows and returns true for them. */
function readFields(
  bytes: Uint8Array,
  onField: (field: number, wireType: number, reader: FieldReader) => boolean,
): void {
  let pos = 0;
  const varint = (): { low: number; high: number } => {
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= bytes.length) throw new RangeError("truncated varint");
      const byte = bytes[pos++] as number;
      if (shift < 28) low |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        low |= (byte & 0x0f) << 28;
        high |= (byte & 0x7f) >> 4;
      } else high |= (byte & 0x7f) << (shift - 32);
      if ((byte & 0x80) === 0) return { low, high };
    }
    throw new RangeError("varint longer than ten bytes");
  };
  const reader: FieldReader = {
    varintInt32: () => varint().low | 0,
    lengthDelimited: () => {
      const { low, high } = varint();
      const length = low >>> 0;
      if (high !== 0 || pos + length > bytes.length) throw new RangeError("truncated length-delimited field");
      const slice = bytes.subarray(pos, pos + length);
      pos += length;
      return slice;
    },
  };
  while (pos < bytes.length) {
    const tag = varint().low >>> 0;
    const field = tag >>> 3;
    const wireType = tag & 0x7;
    if (field === 0) throw new RangeError("field number 0");
    if (onField(field, wireType, reader)) continue;
    switch (wireType) {
      case WIRE_VARINT:
        varint();
        break;
      case WIRE_FIXED64:
        pos += 8;
        break;
      case WIRE_LENGTH_DELIMITED:
        reader.lengthDelimited();
        break;
      case WIRE_FIXED32:
        pos += 4;
        break;
      default:
        throw new RangeError(`unsupported wire type ${wireType}`);
    }
    if (pos > bytes.length) throw new RangeError("truncated fixed-width field");
  }
}
