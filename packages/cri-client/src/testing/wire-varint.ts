// Varints, lengths and ASCII strings for the served fake's encoder (wire-encoder.ts), written as
// protobuf-es's BinaryWriter writes them.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const LOW_32 = 0xffffffffn;

/** Where the encoder writes next. */
export interface Cursor {
  offset: number;
  /** Next entry of `sizes`. */
  size: number;
}

/** Strings up to this many UTF-16 units are measured and, when ASCII, copied in JavaScript. */
export const SHORT_STRING = 64;

/** UTF-8 length of `text`, as `TextEncoder` encodes it (a lone surrogate becomes 3 bytes of U+FFFD). */
export function utf8Length(text: string): number {
  if (text.length <= SHORT_STRING) {
    let i = 0;
    while (i < text.length && text.charCodeAt(i) < 0x80) i++;
    if (i === text.length) return i;
  }
  return Buffer.byteLength(text, "utf8");
}

export function writeTag(tag: readonly number[], out: Buffer, cursor: Cursor): void {
  for (const byte of tag) out[cursor.offset++] = byte;
}

/** A non-negative integer below 2^53 as a varint. */
export function writeVarint(value: number, out: Buffer, cursor: Cursor): void {
  let n = value;
  while (n > 0x7f) {
    // The low 7 bits survive `&` for any safe integer; the shift needs 32 bits.
    out[cursor.offset++] = (n & 0x7f) | 0x80;
    n = n > 0xffffffff ? Math.floor(n / 0x80) : n >>> 7;
  }
  out[cursor.offset++] = n;
}

/** A value in [0, 2^64) as a varint: split into 32-bit halves, then written as protobuf-es writes them. */
export function writeBigVarint(value: bigint, out: Buffer, cursor: Cursor): void {
  if (value <= MAX_SAFE) {
    writeVarint(Number(value), out, cursor);
    return;
  }
  let lo = Number(value & LOW_32) >>> 0;
  let hi = Number(value >> 32n) >>> 0;
  // The low 28 bits, 7 at a time, then the 4 bits that straddle the halves, then the high bits.
  for (let i = 0; i < 4; i++) {
    out[cursor.offset++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  const middle = (lo & 0x0f) | ((hi & 0x07) << 4);
  hi >>>= 3;
  if (hi === 0) {
    out[cursor.offset++] = middle;
    return;
  }
  out[cursor.offset++] = middle | 0x80;
  while (hi > 0x7f) {
    out[cursor.offset++] = (hi & 0x7f) | 0x80;
    hi >>>= 7;
  }
  out[cursor.offset++] = hi;
}

export function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let length = 4;
  let n = Math.floor(value / 0x10000000);
  while (n > 0) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

export function bigVarintLength(value: bigint): number {
  if (value <= MAX_SAFE) return varintLength(Number(value));
  // Above 2^53: 8 bytes carry 56 bits; the high half's bits beyond them need one or two more.
  const hi = Number(value >> 32n) >>> 0;
  return hi >>> 24 === 0 ? 8 : hi >>> 31 === 0 ? 9 : 10;
}
