import { describe, expect, it } from "vitest";
import { createFnv128a, fnv128aHex } from "./fnv128a.js";

/** Straightforward FNV-1a 128 over BigInt, to check the limb arithmetic against. */
function referenceFnv128a(bytes: Uint8Array): string {
  const mask = (1n << 128n) - 1n;
  const prime = (1n << 88n) + 0x13bn;
  let hash = 0x6c62272e07bb014262b821756295c58dn;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * prime) & mask;
  return hash.toString(16).padStart(32, "0");
}

describe("FNV-128a", () => {
  // Digests printed by Go's hash/fnv.New128a() for the same inputs.
  it.each([
    ["", "6c62272e07bb014262b821756295c58d"],
    ["a", "d228cb696f1a8caf78912b704e4a8964"],
    ["ab", "08809544bbab1be95aa0733055b69a62"],
    ["abc", "a68d622cec8b5822836dbc7977af7f3b"],
    ["foobar", "343e1662793c64bf6f0d3597ba446f18"],
    ["host:node-1file:/etc/kubernetes/manifests/web.yaml", "c4b642ef35ee7d12765b782139ac5160"],
  ])("hashes %j like Go's hash/fnv", (input, expected) => {
    expect(fnv128aHex(input)).toBe(expected);
  });

  it("agrees with a BigInt implementation on pseudo-random inputs of many lengths", () => {
    let seed = 42;
    const nextByte = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed & 0xff;
    };
    for (let length = 0; length < 300; length += 7) {
      const bytes = Uint8Array.from({ length }, nextByte);
      expect(fnv128aHex(bytes)).toBe(referenceFnv128a(bytes));
    }
  });

  it("agrees with a BigInt implementation on a long input, fed whole and in uneven pieces", () => {
    let seed = 7;
    const bytes = Uint8Array.from({ length: 20_000 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return (seed >> 8) & 0xff;
    });
    const expected = referenceFnv128a(bytes);
    expect(fnv128aHex(bytes)).toBe(expected);
    const hasher = createFnv128a();
    for (let offset = 0, size = 1; offset < bytes.length; offset += size, size = size * 3 + 1) {
      hasher.update(bytes.subarray(offset, offset + size));
    }
    expect(hasher.digestHex()).toBe(expected);
  });

  it("hashes strings as UTF-8", () => {
    const text = "pöd-ñame-😀";
    expect(fnv128aHex(text)).toBe(referenceFnv128a(new TextEncoder().encode(text)));
  });

  it("gives the same digest fed in pieces as fed at once", () => {
    const whole = fnv128aHex("host:node-1file:/etc/kubernetes/manifests/web.yaml");
    const pieces = createFnv128a()
      .update("host:node-1")
      .update("file:")
      .update("/etc/kubernetes/manifests/web.yaml");
    expect(pieces.digestHex()).toBe(whole);
  });
});
