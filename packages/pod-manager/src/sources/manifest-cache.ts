import type { BigIntStats } from "node:fs";
import type { V1Pod } from "@kubernetes/client-node";
import type { ManifestError } from "./manifest-error.js";

/** What decoding one manifest file gave: its pod, or the error that keeps it out. */
export type ManifestOutcome =
  | { readonly ok: true; readonly pod: V1Pod }
  | { readonly ok: false; readonly error: ManifestError };

/**
 * A file that changed less than this long before a read started is decoded again on the next read even if
 * its `stat` looks the same. File times have a granularity (a kernel tick of up to 10 ms on Linux, a second
 * or two on some filesystems), so a second write of the same size within one tick of the first leaves
 * `stat` unchanged; a file that has been quiet for longer than any granularity cannot hide a change that
 * way.
 */
export const RACY_WINDOW_MS = 2_000;

/**
 * The file source's memory of decoded manifests, keyed by path and by what `stat` says of the file: device
 * and inode (a file replaced by a rename is a new file), size, and modification and change times in
 * nanoseconds. A read decodes a file again only when that key changed.
 */
export interface ManifestCache {
  /** The outcome stored for `file` under `key`, if the file has not changed since. */
  get(file: string, key: string): ManifestOutcome | undefined;
  /**
   * Stores `outcome` for `file` under `key`, unless the file changed within {@link RACY_WINDOW_MS} before
   * `readStartMs` (then any stored outcome is dropped and the file is decoded again next time). Returns
   * whether it stored it.
   */
  set(file: string, key: string, changedAtMs: number, readStartMs: number, outcome: ManifestOutcome): boolean;
  /** Forgets every file not in `files` (files that are gone). */
  retain(files: ReadonlySet<string>): void;
  clear(): void;
}

/** The cache key of a file: what must stay the same for its decoded outcome to stay valid. */
export function manifestStatKey(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/** When the file last changed (its `ctime`; unlike `mtime`, no one can set it back), in epoch milliseconds. */
export function manifestChangedAtMs(info: BigIntStats): number {
  return Number(info.ctimeNs / 1_000_000n);
}

/** Creates an empty {@link ManifestCache}. */
export function createManifestCache(): ManifestCache {
  const entries = new Map<string, { readonly key: string; readonly outcome: ManifestOutcome }>();
  return {
    get(file, key) {
      const entry = entries.get(file);
      return entry !== undefined && entry.key === key ? entry.outcome : undefined;
    },
    set(file, key, changedAtMs, readStartMs, outcome) {
      if (readStartMs - changedAtMs < RACY_WINDOW_MS) {
        entries.delete(file);
        return false;
      }
      entries.set(file, { key, outcome });
      return true;
    },
    retain(files) {
      for (const file of entries.keys()) if (!files.has(file)) entries.delete(file);
    },
    clear() {
      entries.clear();
    },
  };
}
