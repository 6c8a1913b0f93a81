import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";

// How the served fake's encoder (wire-encoder.ts) sees a message schema: its fields in field-number order
// (the order protobuf-es writes them in), each with its tag bytes and what kind of value it holds. Schemas
// with features the CRI does not use (oneofs, explicit presence, groups, wrappers, non-string map keys,
// message map values, other scalar types) get no plan, and protobuf-es encodes them.

export enum Kind {
  String,
  Bytes,
  Bool,
  Int32,
  Uint32,
  Int64,
  Uint64,
  Double,
  Enum,
  Message,
}

export interface FieldPlan {
  readonly localName: string;
  readonly kind: Kind;
  /** The tag's varint bytes (field number and wire type). */
  readonly tag: readonly number[];
  readonly repeated: boolean;
  /** Repeated scalars written as one length-delimited run. */
  readonly packed: boolean;
  /** Map fields: the value's kind (the key is a string). */
  readonly mapValue: Kind | undefined;
  /** Enums: the zero (first) value, which is not written. */
  readonly enumZero: number;
  /** Message fields (and repeated messages): the nested plan, resolved on first use. */
  readonly message: DescMessage | undefined;
}

export interface MessagePlan {
  readonly typeName: string;
  readonly fields: readonly FieldPlan[];
}

const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_DELIMITED = 2;
const IMPLICIT_PRESENCE = 2;

const plans = new WeakMap<DescMessage, MessagePlan | null>();

/** True when the encoder writes `schema` itself (its fields and every nested message's), without `toBinary`. */
export function encoderCovers(schema: DescMessage): boolean {
  const visiting = new Set<DescMessage>();
  const covers = (message: DescMessage): boolean => {
    if (visiting.has(message)) return true;
    visiting.add(message);
    const plan = planOf(message);
    if (plan === null) return false;
    return plan.fields.every((field) => field.message === undefined || covers(field.message));
  };
  return covers(schema);
}

/** The plan of `schema`, compiled once; null when the encoder leaves the schema to protobuf-es. */
export function planOf(schema: DescMessage): MessagePlan | null {
  const cached = plans.get(schema);
  if (cached !== undefined) return cached;
  const plan = compile(schema);
  plans.set(schema, plan);
  return plan;
}

/** The plan of a schema this encoder covers, or null (then `toBinary` encodes it). */
function compile(schema: DescMessage): MessagePlan | null {
  if (schema.typeName.startsWith("google.protobuf.") || schema.oneofs.length > 0) return null;
  const fields: FieldPlan[] = [];
  for (const field of [...schema.fields].sort((a, b) => a.number - b.number)) {
    const plan = compileField(field);
    if (plan === null) return null;
    fields.push(plan);
  }
  return { typeName: schema.typeName, fields };
}

function compileField(field: DescField): FieldPlan | null {
  if (field.oneof !== undefined) return null;
  const base = {
    localName: field.localName,
    repeated: false,
    packed: false,
    mapValue: undefined,
    enumZero: 0,
    message: undefined,
  };
  switch (field.fieldKind) {
    case "scalar": {
      const kind = scalarKind(field.scalar);
      if (kind === undefined || field.presence !== IMPLICIT_PRESENCE) return null;
      return { ...base, kind, tag: tagBytes(field.number, wireTypeOf(kind)) };
    }
    case "enum": {
      if (field.presence !== IMPLICIT_PRESENCE) return null;
      const zero = field.enum.values[0]?.number ?? 0;
      return { ...base, kind: Kind.Enum, enumZero: zero, tag: tagBytes(field.number, WIRE_VARINT) };
    }
    case "message":
      if (field.delimitedEncoding) return null;
      return {
        ...base,
        kind: Kind.Message,
        message: field.message,
        tag: tagBytes(field.number, WIRE_DELIMITED),
      };
    case "list": {
      if (field.listKind === "message") {
        if (field.delimitedEncoding) return null;
        return {
          ...base,
          kind: Kind.Message,
          repeated: true,
          message: field.message,
          tag: tagBytes(field.number, WIRE_DELIMITED),
        };
      }
      if (field.listKind === "enum") {
        return {
          ...base,
          kind: Kind.Enum,
          repeated: true,
          packed: field.packed,
          tag: tagBytes(field.number, field.packed ? WIRE_DELIMITED : WIRE_VARINT),
        };
      }
      const kind = scalarKind(field.scalar);
      if (kind === undefined) return null;
      const packed = field.packed;
      return {
        ...base,
        kind,
        repeated: true,
        packed,
        tag: tagBytes(field.number, packed ? WIRE_DELIMITED : wireTypeOf(kind)),
      };
    }
    case "map": {
      if (field.mapKey !== ScalarType.STRING) return null;
      const value =
        field.mapKind === "enum"
          ? Kind.Enum
          : field.mapKind === "scalar"
            ? scalarKind(field.scalar)
            : undefined;
      if (value === undefined) return null;
      return { ...base, kind: Kind.String, mapValue: value, tag: tagBytes(field.number, WIRE_DELIMITED) };
    }
  }
  return null;
}

function scalarKind(type: ScalarType): Kind | undefined {
  switch (type) {
    case ScalarType.STRING:
      return Kind.String;
    case ScalarType.BYTES:
      return Kind.Bytes;
    case ScalarType.BOOL:
      return Kind.Bool;
    case ScalarType.INT32:
      return Kind.Int32;
    case ScalarType.UINT32:
      return Kind.Uint32;
    case ScalarType.INT64:
      return Kind.Int64;
    case ScalarType.UINT64:
      return Kind.Uint64;
    case ScalarType.DOUBLE:
      return Kind.Double;
    default:
      return undefined;
  }
}

function wireTypeOf(kind: Kind): number {
  if (kind === Kind.String || kind === Kind.Bytes || kind === Kind.Message) return WIRE_DELIMITED;
  if (kind === Kind.Double) return WIRE_BIT64;
  return WIRE_VARINT;
}

/** The varint bytes of a tag (field number and wire type). */
export function tagBytes(fieldNumber: number, wireType: number): number[] {
  const bytes: number[] = [];
  let value = ((fieldNumber << 3) | wireType) >>> 0;
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}
