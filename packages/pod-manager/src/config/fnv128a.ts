/**
 * An incremental FNV-1a hash with a 128-bit state, as Go's `hash/fnv.New128a()` (which the kubelet uses for
 * static pod UIDs).
 */
export interface Fnv128a {
  /** Feeds bytes; a string is fed as its UTF-8 encoding. Returns the hasher, for chaining. */
  update(data: Uint8Array | string): Fnv128a;
  /** The current digest as 32 lower-case hex digits. Does not reset the state. */
  digestHex(): string;
}

// The 128-bit state is held in eight 16-bit limbs, least significant first, so every intermediate product
// stays far below 2^53 and plain numbers suffice (BigInt would be ~50x slower on a 10 MiB manifest).
// Offset basis 0x6c62272e07bb014262b821756295c58d, prime 2^88 + 0x13b (both from the FNV specification).
const OFFSET_BASIS_LIMBS: readonly number[] = [
  0xc58d, 0x6295, 0x2175, 0x62b8, 0x0142, 0x07bb, 0x272e, 0x6c62,
];
const PRIME_LOW = 0x13b;
const encoder = new TextEncoder();

/** Creates a fresh FNV-128a hasher. */
export function createFnv128a(): Fnv128a {
  const limbs = OFFSET_BASIS_LIMBS.slice();
  const product = new Array<number>(8).fill(0);

  const feedByte = (byte: number): void => {
    limbs[0] = (limbs[0] as number) ^ byte;
    // state * (2^88 + 0x13b) mod 2^128: the low term per limb, then the 2^88 term, which shifts limb i
    // by 5 limbs and 8 bits (only limbs 0..2 land inside 128 bits).
    for (let i = 0; i < 8; i++) product[i] = (limbs[i] as number) * PRIME_LOW;
    product[5] = (product[5] as number) + (limbs[0] as number) * 256;
    product[6] = (product[6] as number) + (limbs[1] as number) * 256;
    product[7] = (product[7] as number) + (limbs[2] as number) * 256;
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const value = (product[i] as number) + carry;
      limbs[i] = value & 0xffff;
      carry = Math.floor(value / 0x10000);
    }
  };

  const hasher: Fnv128a = {
    update(data) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      for (const byte of bytes) feedByte(byte);
      return hasher;
    },
    digestHex() {
      let hex = "";
      for (let i = 7; i >= 0; i--) hex += (limbs[i] as number).toString(16).padStart(4, "0");
      return hex;
    },
  };
  return hasher;
}

/** FNV-128a of `data` (a string is hashed as UTF-8), as 32 lower-case hex digits. */
export function fnv128aHex(data: Uint8Array | string): string {
  return createFnv128a().update(data).digestHex();
}
