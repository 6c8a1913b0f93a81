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

// The 128-bit state is held in eight 16-bit limbs, least significant first. Every intermediate value stays
// below 2^27, so the arithmetic is exact in 32-bit integer operations (BigInt would be ~50x slower on a
// 10 MiB manifest). The limbs live in locals while a chunk is hashed and in an Int32Array between chunks.
// Offset basis 0x6c62272e07bb014262b821756295c58d, prime 2^88 + 0x13b (both from the FNV specification).
const OFFSET_BASIS_LIMBS: readonly number[] = [
  0xc58d, 0x6295, 0x2175, 0x62b8, 0x0142, 0x07bb, 0x272e, 0x6c62,
];
const PRIME_LOW = 0x13b;
const encoder = new TextEncoder();

/** Creates a fresh FNV-128a hasher. */
export function createFnv128a(): Fnv128a {
  const state = Int32Array.from(OFFSET_BASIS_LIMBS);

  const feed = (bytes: Uint8Array): void => {
    let l0 = state[0] as number;
    let l1 = state[1] as number;
    let l2 = state[2] as number;
    let l3 = state[3] as number;
    let l4 = state[4] as number;
    let l5 = state[5] as number;
    let l6 = state[6] as number;
    let l7 = state[7] as number;
    for (let k = 0; k < bytes.length; k++) {
      l0 ^= bytes[k] as number;
      // state * (2^88 + 0x13b) mod 2^128: every limb times the low term, plus the 2^88 term, which moves
      // limb i up by 5 limbs and 8 bits (only limbs 0..2 land inside 128 bits); carries ripple upwards.
      const p0 = l0 * PRIME_LOW;
      const p1 = l1 * PRIME_LOW + (p0 >>> 16);
      const p2 = l2 * PRIME_LOW + (p1 >>> 16);
      const p3 = l3 * PRIME_LOW + (p2 >>> 16);
      const p4 = l4 * PRIME_LOW + (p3 >>> 16);
      const p5 = l5 * PRIME_LOW + (l0 << 8) + (p4 >>> 16);
      const p6 = l6 * PRIME_LOW + (l1 << 8) + (p5 >>> 16);
      const p7 = l7 * PRIME_LOW + (l2 << 8) + (p6 >>> 16);
      l0 = p0 & 0xffff;
      l1 = p1 & 0xffff;
      l2 = p2 & 0xffff;
      l3 = p3 & 0xffff;
      l4 = p4 & 0xffff;
      l5 = p5 & 0xffff;
      l6 = p6 & 0xffff;
      l7 = p7 & 0xffff;
    }
    state.set([l0, l1, l2, l3, l4, l5, l6, l7]);
  };

  const hasher: Fnv128a = {
    update(data) {
      feed(typeof data === "string" ? encoder.encode(data) : data);
      return hasher;
    },
    digestHex() {
      let hex = "";
      for (let i = 7; i >= 0; i--) hex += (state[i] as number).toString(16).padStart(4, "0");
      return hex;
    },
  };
  return hasher;
}

/** FNV-128a of `data` (a string is hashed as UTF-8), as 32 lower-case hex digits. */
export function fnv128aHex(data: Uint8Array | string): string {
  return createFnv128a().update(data).digestHex();
}
