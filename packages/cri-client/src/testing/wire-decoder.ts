import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  type MessageShape,
  ScalarType,
} from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";

// The served fake's request decoder. `fromBinary` reads through protobuf-es's reflection layer (a
// reflection object per nested message, a list or map wrapper per repeated field occurrence); for the
// configs RunPodSandbox and CreateContainer carry that is tens of µs per request. This decoder walks the
// same bytes straight into `create(schema)` messages, with protobuf-es's own `BinaryReader` for the values
// (ASCII strings are sliced out directly; other text goes through the reader's `TextDecoder`): the same
// message `fromBinary` gives (the tests compare the two over every CRI message), in about half the time.
// Anything unusual (an unknown field, a repeated occurrence of a singular message field, which protobuf-es
// merges, a wire type that does not fit the field, malformed input) hands the whole request to
// `fromBinary`, errors included.

/** Thrown (and caught) when a request needs `fromBinary` after all. */
const FALL_BACK = Symbol("fall back to fromBinary");

const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_DELIMITED = 2;
/** protobuf-es's default recursion limit. */
const RECURSION_LIMIT = 100;

/** protobuf-es's reader, with its bytes at hand (as a Buffer) for reading varints and ASCII directly. */
class Reader extends BinaryReader {
  readonly input: Buffer;

  constructor(bytes: Uint8Array) {
    super(bytes);
    this.input = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

/**
 * An unsigned varint of at most 5 bytes (a tag, a length, a uint32), as protobuf-es reads it; anything
 * longer or running past the end falls back.
 */
function readVarint32(reader: Reader): number {
  const buf = reader.input;
  const pos = reader.pos;
  const end = Math.min(pos + 5, reader.len);
  let result = 0;
  for (let i = pos, shift = 0; i < end; i++, shift += 7) {
    const byte = buf[i] as number;
    // The fifth byte adds bits 28–31 (and protobuf-es drops what lies beyond).
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      reader.pos = i + 1;
      return result >>> 0;
    }
  }
  throw FALL_BACK;
}

type ScalarReader = (reader: Reader, field: FieldPlan) => unknown;

interface FieldPlan {
  readonly localName: string;
  readonly kind: "scalar" | "message" | "list" | "map";
  /** The wire type the field's values are written with (a packed run of scalars is also accepted). */
  readonly wireType: number;
  /** Reads one scalar (or enum) value: the field's, a list item, or a map value. */
  readonly read: ScalarReader | undefined;
  /** Repeated scalars that may come packed (not strings, not bytes). */
  readonly packable: boolean;
  /** Map values: their wire type. */
  readonly mapValueWireType: number;
  /** Map values: the value of an entry that has none (the zero value, as protobuf-es fills it in). */
  readonly mapValueZero: (() => unknown) | undefined;
  readonly utf8Validation: boolean;
  readonly message: DescMessage | undefined;
}

interface MessagePlan {
  readonly desc: DescMessage;
  /** By field number. */
  readonly fields: ReadonlyMap<number, FieldPlan>;
}

const plans = new WeakMap<DescMessage, MessagePlan | null>();

/** `fromBinary(schema, bytes)`, computed faster for the schemas the CRI uses. */
export function decodeMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  const plan = planOf(schema);
  if (plan !== null) {
    try {
      return readMessage(plan, new Reader(bytes), bytes.byteLength, 1) as MessageShape<Desc>;
    } catch {
      // Whatever went wrong, fromBinary decides: the same message, or its own error.
    }
  }
  return fromBinary(schema, bytes);
}

function planOf(schema: DescMessage): MessagePlan | null {
  const cached = plans.get(schema);
  if (cached !== undefined) return cached;
  const plan = compile(schema);
  plans.set(schema, plan);
  return plan;
}

function compile(schema: DescMessage): MessagePlan | null {
  if (schema.typeName.startsWith("google.protobuf.") || schema.oneofs.length > 0) return null;
  const fields = new Map<number, FieldPlan>();
  for (const field of schema.fields) {
    const plan = compileField(field);
    if (plan === null) return null;
    fields.set(field.number, plan);
  }
  return { desc: schema, fields };
}

function compileField(field: DescField): FieldPlan | null {
  if (field.oneof !== undefined) return null;
  const base = {
    localName: field.localName,
    read: undefined,
    packable: false,
    mapValueWireType: 0,
    mapValueZero: undefined,
    utf8Validation: false,
    message: undefined,
  };
  switch (field.fieldKind) {
    case "scalar": {
      const scalar = scalarReader(field.scalar);
      if (scalar === undefined) return null;
      return {
        ...base,
        kind: "scalar",
        wireType: scalar.wireType,
        read: scalar.read,
        utf8Validation: field.utf8Validation,
      };
    }
    case "enum":
      if (!field.enum.open) return null;
      return { ...base, kind: "scalar", wireType: WIRE_VARINT, read: readInt32 };
    case "message":
      if (field.delimitedEncoding) return null;
      return { ...base, kind: "message", wireType: WIRE_DELIMITED, message: field.message };
    case "list": {
      if (field.listKind === "message") {
        if (field.delimitedEncoding) return null;
        return { ...base, kind: "list", wireType: WIRE_DELIMITED, message: field.message };
      }
      if (field.listKind === "enum") {
        // protobuf-es reads list items of any enum as int32, open or closed.
        return { ...base, kind: "list", wireType: WIRE_VARINT, read: readInt32, packable: true };
      }
      const scalar = scalarReader(field.scalar);
      if (scalar === undefined) return null;
      return {
        ...base,
        kind: "list",
        wireType: scalar.wireType,
        read: scalar.read,
        packable: field.scalar !== ScalarType.STRING && field.scalar !== ScalarType.BYTES,
        utf8Validation: field.utf8Validation,
      };
    }
    case "map": {
      if (field.mapKey !== ScalarType.STRING || field.mapKind === "message") return null;
      const value =
        field.mapKind === "enum" ? { wireType: WIRE_VARINT, read: readInt32 } : scalarReader(field.scalar);
      const zero =
        field.mapKind === "enum" ? enumZero(field.enum.values[0]?.number ?? 0) : scalarZero(field.scalar);
      if (value === undefined || zero === undefined) return null;
      return {
        ...base,
        kind: "map",
        wireType: WIRE_DELIMITED,
        read: value.read,
        mapValueWireType: value.wireType,
        mapValueZero: zero,
        utf8Validation: field.utf8Validation,
      };
    }
  }
  return null;
}

function scalarReader(type: ScalarType): { wireType: number; read: ScalarReader } | undefined {
  switch (type) {
    case ScalarType.STRING:
      return { wireType: WIRE_DELIMITED, read: readString };
    case ScalarType.BYTES:
      return { wireType: WIRE_DELIMITED, read: (reader) => reader.bytes() };
    case ScalarType.BOOL:
      return { wireType: WIRE_VARINT, read: (reader) => reader.bool() };
    case ScalarType.INT32:
      return { wireType: WIRE_VARINT, read: readInt32 };
    case ScalarType.UINT32:
      return { wireType: WIRE_VARINT, read: (reader) => reader.uint32() };
    case ScalarType.INT64:
      return { wireType: WIRE_VARINT, read: (reader) => reader.int64() };
    case ScalarType.UINT64:
      return { wireType: WIRE_VARINT, read: (reader) => reader.uint64() };
    case ScalarType.DOUBLE:
      return { wireType: WIRE_BIT64, read: (reader) => reader.double() };
    default:
      return undefined;
  }
}

function enumZero(value: number): () => unknown {
  return () => value;
}

/** protobuf-es's zero values (`scalarZeroValue`), for map entries without a value. */
function scalarZero(type: ScalarType): (() => unknown) | undefined {
  switch (type) {
    case ScalarType.STRING:
      return () => "";
    case ScalarType.BYTES:
      return () => new Uint8Array(0);
    case ScalarType.BOOL:
      return () => false;
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.DOUBLE:
      return () => 0;
    case ScalarType.INT64:
    case ScalarType.UINT64:
      return () => 0n;
    default:
      return undefined;
  }
}

function readInt32(reader: Reader): number {
  return reader.int32();
}

/** A string: ASCII read directly; anything else through the reader (protobuf-es's `TextDecoder`). */
function readString(reader: Reader, field: FieldPlan): string {
  const lengthAt = reader.pos;
  const length = readVarint32(reader);
  const start = reader.pos;
  const end = start + length;
  if (end > reader.len) throw FALL_BACK;
  const buf = reader.input;
  for (let i = start; i < end; i++) {
    if ((buf[i] as number) >= 0x80) {
      reader.pos = lengthAt;
      return reader.string(field.utf8Validation);
    }
  }
  reader.pos = end;
  // ASCII: Latin-1 decoding gives the same string as UTF-8.
  return buf.toString("latin1", start, end);
}

/** Reads a message's fields up to `end` into `create(plan.desc)`, as `fromBinary` does. */
function readMessage(plan: MessagePlan, reader: Reader, end: number, depth: number): Record<string, unknown> {
  if (depth > RECURSION_LIMIT) throw FALL_BACK;
  const message = create(plan.desc) as unknown as Record<string, unknown>;
  while (reader.pos < end) {
    // A tag: at most 5 bytes (protobuf-es's check), a known field number, the field's wire type.
    const tag = readVarint32(reader);
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    const field = plan.fields.get(fieldNo);
    // Unknown fields (kept as `$unknown` by protobuf-es) and bad tags are fromBinary's business.
    if (field === undefined || fieldNo <= 0) throw FALL_BACK;
    const name = field.localName;
    switch (field.kind) {
      case "scalar":
        if (wireType !== field.wireType) throw FALL_BACK;
        message[name] = (field.read as ScalarReader)(reader, field);
        break;
      case "message": {
        // A second occurrence is merged into the first by protobuf-es.
        if (wireType !== WIRE_DELIMITED || message[name] !== undefined) throw FALL_BACK;
        message[name] = readNested(field, reader, depth);
        break;
      }
      case "list": {
        const list = message[name] as unknown[];
        if (field.message !== undefined) {
          if (wireType !== WIRE_DELIMITED) throw FALL_BACK;
          list.push(readNested(field, reader, depth));
        } else if (field.packable && wireType === WIRE_DELIMITED) {
          const runEnd = readVarint32(reader) + reader.pos;
          if (runEnd > reader.len) throw FALL_BACK;
          while (reader.pos < runEnd) list.push((field.read as ScalarReader)(reader, field));
          if (reader.pos !== runEnd) throw FALL_BACK;
        } else {
          if (wireType !== field.wireType) throw FALL_BACK;
          list.push((field.read as ScalarReader)(reader, field));
        }
        break;
      }
      case "map":
        if (wireType !== WIRE_DELIMITED) throw FALL_BACK;
        readMapEntry(field, reader, message[name] as Record<string, unknown>);
        break;
    }
  }
  if (reader.pos !== end) throw FALL_BACK;
  return message;
}

function readNested(field: FieldPlan, reader: Reader, depth: number): unknown {
  const plan = field.message === undefined ? null : planOf(field.message);
  if (plan === null) throw FALL_BACK;
  const length = readVarint32(reader);
  const end = reader.pos + length;
  if (end > reader.len) throw FALL_BACK;
  return readMessage(plan, reader, end, depth + 1);
}

/** One map entry (key 1, value 2, either may be missing), as protobuf-es reads it. */
function readMapEntry(field: FieldPlan, reader: Reader, map: Record<string, unknown>): void {
  const length = readVarint32(reader);
  const end = reader.pos + length;
  if (end > reader.len) throw FALL_BACK;
  let key: string | undefined;
  let value: unknown;
  while (reader.pos < end) {
    const tag = readVarint32(reader);
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo === 1 && wireType === WIRE_DELIMITED) key = readString(reader, field);
    else if (fieldNo === 2 && wireType === field.mapValueWireType)
      value = (field.read as ScalarReader)(reader, field);
    else throw FALL_BACK;
  }
  if (reader.pos !== end) throw FALL_BACK;
  // A missing key or value is the zero value, as protobuf-es fills it in.
  map[key ?? ""] = value === undefined ? (field.mapValueZero as () => unknown)() : value;
}
