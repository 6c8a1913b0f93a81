import { createHash } from "node:crypto";
import * as errors from "./containerd-errors.js";
import { sha256Digest } from "./ids.js";
import { normalizeImageRef, parseImageRef } from "./image-ref.js";

/** An image the fake holds: one id, any number of tags and digests (like containerd's CRI image store). */
export interface ImageRecord {
  /** `sha256:<64 hex>`, derived from the canonical reference (so aliases share it). */
  readonly id: string;
  /** Sorted, as containerd sorts an image's references (so `repoTags[0]` is the smallest tag). */
  readonly repoTags: string[];
  /** `repo@sha256:…` entries, sorted; only pulled images have them (an imported image has tags only). */
  readonly repoDigests: string[];
  readonly sizeBytes: bigint;
}

/** Which references a pull may fetch: a list (normalised before comparing) or a predicate. */
export type PullablePolicy = readonly string[] | ((ref: string) => boolean);

export interface ImageStoreOptions {
  /** Pairs `[a, b]`: `b` names the same image as `a`. */
  readonly aliases: readonly (readonly [string, string])[];
  readonly pullable: PullablePolicy;
}

/** The fake's images. References are normalised (`busybox` → `docker.io/library/busybox:latest`). */
export class ImageStore {
  readonly #records = new Map<string, ImageRecord>();
  readonly #aliasOf = new Map<string, string>();
  readonly #pullable: (ref: string) => boolean;

  constructor(options: ImageStoreOptions) {
    for (const [target, alias] of options.aliases) {
      const a = normalizeImageRef(target);
      const b = normalizeImageRef(alias);
      if (a !== undefined && b !== undefined && a !== b) this.#aliasOf.set(b, a);
    }
    const policy = options.pullable;
    if (typeof policy === "function") {
      this.#pullable = (ref) => policy(ref);
    } else {
      const allowed = new Set(policy.map((ref) => normalizeImageRef(ref) ?? ref));
      this.#pullable = (ref) => allowed.has(ref);
    }
  }

  /** Adds `ref` as present (an imported image: a tag, no repo digest). Returns the image it joined. */
  add(ref: string, sizeBytes?: number | bigint): ImageRecord {
    const parsed = parseImageRef(ref);
    if ("error" in parsed) throw errors.invalidReference(ref, parsed.error);
    const record = this.#recordFor(parsed.ok.ref, sizeBytes);
    if (parsed.ok.digest === undefined) addOnce(record.repoTags, parsed.ok.ref);
    else addOnce(record.repoDigests, parsed.ok.ref);
    return record;
  }

  /**
   * A pull: allowed references join (or create) their image with a tag and a repo digest, as a registry
   * pull does; others fail as a registry answering 404 makes containerd fail (code NotFound).
   */
  pull(ref: string): ImageRecord {
    const parsed = parseImageRef(ref);
    if ("error" in parsed) throw errors.invalidReference(ref, parsed.error);
    const normalized = parsed.ok.ref;
    if (!this.#pullable(normalized)) throw errors.pullNotFound(normalized);
    const record = this.#recordFor(normalized, undefined);
    if (parsed.ok.digest === undefined) {
      addOnce(record.repoTags, normalized);
      addOnce(record.repoDigests, `${parsed.ok.repository}@${manifestDigest(this.#canonical(normalized))}`);
    } else {
      addOnce(record.repoDigests, normalized);
    }
    return record;
  }

  /**
   * Finds an image by reference (normalised) or by id (`sha256:<hex>`, or a unique prefix of the hex), the
   * order containerd's `localResolve` tries them in.
   */
  resolve(refOrId: string): ImageRecord | undefined {
    if (refOrId === "") return undefined;
    const normalized = /^sha256:[a-f0-9]{64}$/.test(refOrId) ? undefined : normalizeImageRef(refOrId);
    if (normalized !== undefined) {
      for (const record of this.#records.values()) {
        if (record.repoTags.includes(normalized) || record.repoDigests.includes(normalized)) return record;
      }
    }
    const exact = this.#records.get(refOrId);
    if (exact !== undefined) return exact;
    const hex = refOrId.startsWith("sha256:") ? refOrId.slice("sha256:".length) : refOrId;
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    const matches = [...this.#records.values()].filter((record) =>
      record.id.slice("sha256:".length).startsWith(hex),
    );
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Removes the image with all its tags and digests. */
  remove(record: ImageRecord): void {
    this.#records.delete(record.id);
  }

  list(): ImageRecord[] {
    return [...this.#records.values()];
  }

  /** Sum of image sizes: what ImageFsInfo reports as used. */
  usedBytes(): bigint {
    let total = 0n;
    for (const record of this.#records.values()) total += record.sizeBytes;
    return total;
  }

  #canonical(ref: string): string {
    let current = ref;
    const seen = new Set<string>();
    for (let next = this.#aliasOf.get(current); next !== undefined; next = this.#aliasOf.get(current)) {
      if (seen.has(next)) break;
      seen.add(next);
      current = next;
    }
    return current;
  }

  #recordFor(normalizedRef: string, sizeBytes: number | bigint | undefined): ImageRecord {
    const canonical = this.#canonical(normalizedRef);
    const id = sha256Digest(`image:${canonical}`);
    let record = this.#records.get(id);
    if (record === undefined) {
      record = { id, repoTags: [], repoDigests: [], sizeBytes: BigInt(sizeBytes ?? defaultSize(canonical)) };
      this.#records.set(id, record);
    }
    return record;
  }
}

/** Adds `value` once, keeping the list sorted: containerd keeps an image's references in string order. */
function addOnce(list: string[], value: string): void {
  if (list.includes(value)) return;
  list.push(value);
  list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function manifestDigest(canonicalRef: string): string {
  return sha256Digest(`manifest:${canonicalRef}`);
}

/** 1 MiB to 5 MiB, stable per reference (a busybox-static image is about 1 MiB). */
function defaultSize(canonicalRef: string): number {
  const hash = createHash("sha256").update(canonicalRef).digest();
  return 1024 * 1024 + (hash.readUInt32BE(0) % (4 * 1024 * 1024));
}
