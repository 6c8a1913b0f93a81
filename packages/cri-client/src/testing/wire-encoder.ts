import { create, type DescMessage, type Message, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type FieldPlan, Kind, type MessagePlan, planOf, tagBytes } from "./wire-plan.js";
import {
  bigVarintLength,
  type Cursor,
  SHORT_STRING,
  utf8Length,
  varintLength,
  writeBigVarint,
  writeTag,
  writeVarint,
} from "./wire-varint.js";

// The served fake's response encoder. `toBinary` walks a message through protobuf-es's reflection layer and
// a writer that forks a buffer per nested message and map entry and encodes every string with
// `TextEncoder`; on a busy two-core machine that is 20–90 µs for one PodSandbox or Container list item, and
// most of a full relist's cost. This encoder measures the message first, then writes it into one buffer:
// the same bytes `toBinary(schema, create(schema, value))` gives (the tests compare the two over every CRI
// message), several times faster, and straight from the init objects the handlers answer with (no
// `create`). It covers what the CRI schema uses (proto3 scalars, enums, messages, repeated fields,
// string-keyed maps of scalars, unknown fields); for any other schema, or any value protobuf-es would treat
// specially (a wrong type, an out-of-range number, NaN, bytes given as an array), it hands the whole value
// to `create` and `toBinary`, errors included.

/** Thrown (and caught) when a message needs `toBinary` after all. */
const FALL_BACK = Symbol("fall back to toBinary");

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const TWO_TO_64 = 2n ** 64n;

/**
 * `toBinary(schema, create(schema, value))` as a Buffer, computed faster for the schemas the CRI uses.
 * `value` is a message of `schema` or an init object for one (nested values likewise).
 */
export function encodeMessage<Desc extends DescMessage>(schema: Desc, value: MessageInitShape<Desc>): Buffer {
  const plan = planOf(schema);
  if (plan !== null && typeof value === "object" && value !== null) {
    const sizes: number[] = [];
    try {
      const length = measure(plan, value as Fields, sizes);
      const out = Buffer.allocUnsafe(length);
      const cursor = { offset: 0, size: 0 };
      write(plan, value as Fields, out, cursor, sizes);
      return out;
    } catch (err) {
      if (err !== FALL_BACK) throw err;
    }
  }
  const bytes = toBinary(schema, create(schema, value));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A message or an init object, as the encoder reads it. */
type Fields = Record<string, unknown> & Partial<Pick<Message, "$typeName" | "$unknown">>;

/**
 * Whether `value` is an init object (true) or a message of `plan`'s type (false); anything else (a message
 * of another type, which `create` would copy field by field, or a non-object) falls back.
 */
function isInit(plan: MessagePlan, value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw FALL_BACK;
  const typeName = (value as Fields).$typeName;
  if (typeName === undefined) return true;
  if (typeName !== plan.typeName) throw FALL_BACK;
  return false;
}

/** The encoding of one value, filled in the first time the value (or another sharing the slot) is encoded. */
export interface EncodingSlot {
  bytes: Buffer | undefined;
}

const reusable = new WeakMap<object, EncodingSlot>();

/**
 * Lets the encoder reuse `slot`'s bytes wherever `item` is a repeated message field's item (a list
 * response's entry), and fill them the first time. The caller promises that every item handed the same slot
 * encodes to the same bytes: a list item built from a record's immutable parts, with a new slot whenever a
 * part it shows changes (the list handlers key theirs by the record's state).
 */
export function reuseEncoding(item: object, slot: EncodingSlot): void {
  reusable.set(item, slot);
}

/**
 * Per-record encodings of list items that change only with the record's state: `reuse(record, state, item)`
 * hands `item` the record's slot for `state`, starting a new slot when the state changed.
 */
export function createStateKeyedEncodings<R extends object, S>(): (
  record: R,
  state: S,
  item: object,
) => void {
  const slots = new WeakMap<R, { state: S; slot: EncodingSlot }>();
  return (record, state, item) => {
    let cached = slots.get(record);
    if (cached === undefined || cached.state !== state) {
      cached = { state, slot: { bytes: undefined } };
      slots.set(record, cached);
    }
    reuseEncoding(item, cached.slot);
  };
}

/** The bytes to reuse for a list item, encoding and keeping them on first use; undefined: not reusable. */
function reusedBytes(field: FieldPlan, item: unknown): Buffer | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const slot = reusable.get(item);
  if (slot === undefined || field.message === undefined) return undefined;
  if (slot.bytes === undefined) {
    try {
      slot.bytes = encodeMessage(field.message, item as never);
    } catch {
      // Whatever toBinary makes of it, it makes of the whole message.
      throw FALL_BACK;
    }
  }
  return slot.bytes;
}

// ---- measuring: the encoded length; every nested length (messages, map entries, packed runs, strings) is
// pushed to `sizes` in the order `write` needs it.

function measure(plan: MessagePlan, message: Fields, sizes: number[]): number {
  const init = isInit(plan, message);
  let total = 0;
  for (const field of plan.fields) {
    const value = message[field.localName];
    // `create` ignores undefined and null in an init object.
    if (init && value == null) continue;
    if (field.mapValue !== undefined) {
      total += measureMap(field, value, sizes);
    } else if (field.repeated) {
      total += measureList(field, value, sizes);
    } else if (field.kind === Kind.Message) {
      if (!init && !isMessageSet(message, field, value)) continue;
      const slot = sizes.push(0) - 1;
      const length = measure(nestedPlan(field), value as Fields, sizes);
      sizes[slot] = length;
      total += field.tag.length + varintLength(length) + length;
    } else {
      if (isZero(field, value)) continue;
      total += field.tag.length + measureScalar(field.kind, value, sizes);
    }
  }
  // `create` drops an init object's `$unknown`; a message's unknown fields are written.
  return init ? total : total + measureUnknown(message);
}

/** protobuf-es's presence test for a message's message field (explicit presence: an own, defined property). */
function isMessageSet(message: Fields, field: FieldPlan, value: unknown): boolean {
  return value !== undefined && Object.hasOwn(message, field.localName);
}

function nestedPlan(field: FieldPlan): MessagePlan {
  const plan = field.message === undefined ? null : planOf(field.message);
  if (plan === null) throw FALL_BACK;
  return plan;
}

function isZero(field: FieldPlan, value: unknown): boolean {
  switch (field.kind) {
    case Kind.String:
      return value === "";
    case Kind.Bool:
      return value === false;
    case Kind.Bytes:
      return value instanceof Uint8Array && value.byteLength === 0;
    case Kind.Double:
      return Object.is(value, 0);
    case Kind.Enum:
      return value === field.enumZero;
    default:
      // biome-ignore lint/suspicious/noDoubleEquals: protobuf-es's own test: 0, 0n and "0" are all zero.
      return value == 0;
  }
}

/** Bytes of one scalar value (without its tag); strings push their UTF-8 length. */
function measureScalar(kind: Kind, value: unknown, sizes: number[]): number {
  switch (kind) {
    case Kind.String: {
      if (typeof value !== "string") throw FALL_BACK;
      const length = utf8Length(value);
      sizes.push(length);
      return varintLength(length) + length;
    }
    case Kind.Bytes:
      if (!(value instanceof Uint8Array)) throw FALL_BACK;
      return varintLength(value.byteLength) + value.byteLength;
    case Kind.Bool:
      if (typeof value !== "boolean") throw FALL_BACK;
      return 1;
    case Kind.Int32:
    case Kind.Enum:
      if (typeof value !== "number" || !Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
        throw FALL_BACK;
      return value < 0 ? 10 : varintLength(value);
    case Kind.Uint32:
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff)
        throw FALL_BACK;
      return varintLength(value);
    case Kind.Int64:
      if (typeof value !== "bigint" || value < INT64_MIN || value > INT64_MAX) throw FALL_BACK;
      return value < 0n ? 10 : bigVarintLength(value);
    case Kind.Uint64:
      if (typeof value !== "bigint" || value < 0n || value > UINT64_MAX) throw FALL_BACK;
      return bigVarintLength(value);
    case Kind.Double:
      if (typeof value !== "number" || Number.isNaN(value)) throw FALL_BACK;
      return 8;
    default:
      throw FALL_BACK;
  }
}

function measureList(field: FieldPlan, value: unknown, sizes: number[]): number {
  if (!Array.isArray(value)) throw FALL_BACK;
  if (value.length === 0) return 0;
  if (field.kind === Kind.Message) {
    const plan = nestedPlan(field);
    let total = 0;
    for (const item of value) {
      const reused = reusedBytes(field, item);
      if (reused !== undefined) {
        sizes.push(reused.length);
        total += field.tag.length + varintLength(reused.length) + reused.length;
        continue;
      }
      const slot = sizes.push(0) - 1;
      const length = measure(plan, item as Fields, sizes);
      sizes[slot] = length;
      total += field.tag.length + varintLength(length) + length;
    }
    return total;
  }
  if (field.packed) {
    const slot = sizes.push(0) - 1;
    let length = 0;
    for (const item of value) length += measureScalar(field.kind, item, sizes);
    sizes[slot] = length;
    return field.tag.length + varintLength(length) + length;
  }
  let total = 0;
  for (const item of value) total += field.tag.length + measureScalar(field.kind, item, sizes);
  return total;
}

const KEY_TAG = 0x0a; // field 1, length-delimited
const VALUE_TAG_DELIMITED = 0x12; // field 2, length-delimited
const VALUE_TAG_VARINT = 0x10; // field 2, varint
const VALUE_TAG_BIT64 = 0x11; // field 2, 64-bit

function measureMap(field: FieldPlan, value: unknown, sizes: number[]): number {
  if (typeof value !== "object" || value === null) throw FALL_BACK;
  const valueKind = field.mapValue ?? Kind.String;
  let total = 0;
  const map = value as Record<string, unknown>;
  // Object.keys: the order of Object.entries, which protobuf-es's map reflection iterates in (integer-like
  // keys first).
  for (const key of Object.keys(map)) {
    const item = map[key];
    const slot = sizes.push(0) - 1;
    // Both key and value are written, zero or not, as protobuf-es writes map entries.
    const length = 1 + measureScalar(Kind.String, key, sizes) + 1 + measureScalar(valueKind, item, sizes);
    sizes[slot] = length;
    total += field.tag.length + varintLength(length) + length;
  }
  return total;
}

function measureUnknown(message: Fields): number {
  const unknown = message.$unknown;
  if (unknown === undefined) return 0;
  let total = 0;
  for (const { no, wireType, data } of unknown) total += tagBytes(no, wireType).length + data.byteLength;
  return total;
}

// ---- writing, in the order measuring went

function write(
  plan: MessagePlan,
  message: Fields,
  out: Buffer,
  cursor: Cursor,
  sizes: readonly number[],
): void {
  const init = message.$typeName === undefined;
  for (const field of plan.fields) {
    const value = message[field.localName];
    if (init && value == null) continue;
    if (field.mapValue !== undefined) {
      writeMap(field, value as Record<string, unknown>, out, cursor, sizes);
    } else if (field.repeated) {
      writeList(field, value as unknown[], out, cursor, sizes);
    } else if (field.kind === Kind.Message) {
      if (!init && !isMessageSet(message, field, value)) continue;
      writeTag(field.tag, out, cursor);
      writeVarint(sizes[cursor.size++] ?? 0, out, cursor);
      write(nestedPlan(field), value as Fields, out, cursor, sizes);
    } else {
      if (isZero(field, value)) continue;
      writeTag(field.tag, out, cursor);
      writeScalar(field.kind, value, out, cursor, sizes);
    }
  }
  const unknown = message.$unknown;
  if (init || unknown === undefined) return;
  for (const { no, wireType, data } of unknown) {
    writeTag(tagBytes(no, wireType), out, cursor);
    out.set(data, cursor.offset);
    cursor.offset += data.byteLength;
  }
}

function writeList(
  field: FieldPlan,
  list: unknown[],
  out: Buffer,
  cursor: Cursor,
  sizes: readonly number[],
): void {
  if (list.length === 0) return;
  if (field.kind === Kind.Message) {
    const plan = nestedPlan(field);
    for (const item of list) {
      writeTag(field.tag, out, cursor);
      writeVarint(sizes[cursor.size++] ?? 0, out, cursor);
      const reused = reusable.get(item as object)?.bytes;
      if (reused !== undefined) {
        out.set(reused, cursor.offset);
        cursor.offset += reused.length;
        continue;
      }
      write(plan, item as Fields, out, cursor, sizes);
    }
    return;
  }
  if (field.packed) {
    writeTag(field.tag, out, cursor);
    writeVarint(sizes[cursor.size++] ?? 0, out, cursor);
    for (const item of list) writeScalar(field.kind, item, out, cursor, sizes);
    return;
  }
  for (const item of list) {
    writeTag(field.tag, out, cursor);
    writeScalar(field.kind, item, out, cursor, sizes);
  }
}

function writeMap(
  field: FieldPlan,
  map: Record<string, unknown>,
  out: Buffer,
  cursor: Cursor,
  sizes: readonly number[],
): void {
  const valueKind = field.mapValue ?? Kind.String;
  const valueTag =
    valueKind === Kind.String || valueKind === Kind.Bytes
      ? VALUE_TAG_DELIMITED
      : valueKind === Kind.Double
        ? VALUE_TAG_BIT64
        : VALUE_TAG_VARINT;
  for (const key of Object.keys(map)) {
    const item = map[key];
    writeTag(field.tag, out, cursor);
    writeVarint(sizes[cursor.size++] ?? 0, out, cursor);
    out[cursor.offset++] = KEY_TAG;
    writeScalar(Kind.String, key, out, cursor, sizes);
    out[cursor.offset++] = valueTag;
    writeScalar(valueKind, item, out, cursor, sizes);
  }
}

function writeScalar(
  kind: Kind,
  value: unknown,
  out: Buffer,
  cursor: Cursor,
  sizes: readonly number[],
): void {
  switch (kind) {
    case Kind.String: {
      const text = value as string;
      const length = sizes[cursor.size++] ?? 0;
      writeVarint(length, out, cursor);
      if (length === text.length && length <= SHORT_STRING) {
        // ASCII (one byte per UTF-16 unit): copying beats a call into Buffer#write for short strings.
        let offset = cursor.offset;
        for (let i = 0; i < length; i++) out[offset++] = text.charCodeAt(i);
        cursor.offset = offset;
      } else if (length > 0) {
        cursor.offset += out.write(text, cursor.offset, length, "utf8");
      }
      return;
    }
    case Kind.Bytes: {
      const bytes = value as Uint8Array;
      writeVarint(bytes.byteLength, out, cursor);
      out.set(bytes, cursor.offset);
      cursor.offset += bytes.byteLength;
      return;
    }
    case Kind.Bool:
      out[cursor.offset++] = value ? 1 : 0;
      return;
    case Kind.Int32:
    case Kind.Enum: {
      const n = value as number;
      if (n >= 0) writeVarint(n, out, cursor);
      else writeBigVarint(BigInt(n) + TWO_TO_64, out, cursor);
      return;
    }
    case Kind.Uint32:
      writeVarint(value as number, out, cursor);
      return;
    case Kind.Int64:
    case Kind.Uint64: {
      const n = value as bigint;
      writeBigVarint(n < 0n ? n + TWO_TO_64 : n, out, cursor);
      return;
    }
    case Kind.Double:
      out.writeDoubleLE(value as number, cursor.offset);
      cursor.offset += 8;
      return;
    default:
      throw FALL_BACK;
  }
}
