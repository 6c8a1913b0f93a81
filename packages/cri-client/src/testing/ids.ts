import { createHash, randomBytes } from "node:crypto";

/** Random bytes are drawn this many at a time: one call into the CSPRNG serves 128 ids. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** A random 64-hex-digit id, the shape containerd gives sandboxes, containers and exec sessions. */
export function randomId(): string {
  if (randomOffset + 32 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const id = randomPool.toString("hex", randomOffset, randomOffset + 32);
  randomOffset += 32;
  return id;
}

/** `sha256:<64 hex>` of `text`: stable ids for images derived from their reference. */
export function sha256Digest(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** Outcome of looking an id up the way containerd's truncated index does. */
export type IdLookup<T> =
  | { readonly found: T }
  | { readonly missing: "not-found" | "empty-prefix" | "ambiguous"; readonly detail: string };

/**
 * Resolves `idOrPrefix` against `records` as containerd's CRI stores do (`truncindex`): an exact id wins,
 * otherwise a unique prefix; an empty prefix and an ambiguous one are errors of their own (containerd
 * reports them with code Unknown, only a miss is NotFound).
 */
export function lookupById<T extends { readonly id: string }>(
  records: Iterable<T>,
  idOrPrefix: string,
): IdLookup<T> {
  if (idOrPrefix === "") return { missing: "empty-prefix", detail: "Prefix can't be empty" };
  let match: T | undefined;
  let count = 0;
  for (const record of records) {
    if (record.id === idOrPrefix) return { found: record };
    if (record.id.startsWith(idOrPrefix)) {
      match = record;
      count++;
    }
  }
  if (count === 1 && match !== undefined) return { found: match };
  if (count > 1)
    return { missing: "ambiguous", detail: `Multiple IDs found with provided prefix: ${idOrPrefix}` };
  return { missing: "not-found", detail: "not found" };
}
