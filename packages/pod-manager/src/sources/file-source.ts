import { type BigIntStats, type FSWatcher, watch as fsWatch, readFile as readFileCallback } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  type Clock,
  createEventHub,
  createNoopLogger,
  createRealClock,
  KubeletKitError,
  type Logger,
  type PodSource,
  type PodSourceEvents,
  type TimerHandle,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { FILE_SOURCE, getPodFullName } from "../config/pod-annotations.js";
import type { StaticPodOrigin } from "../config/static-pod.js";
import { mapBounded } from "./bounded-map.js";
import {
  createManifestCache,
  type ManifestOutcome,
  manifestChangedAtMs,
  manifestStatKey,
} from "./manifest-cache.js";
import { DEFAULT_MAX_MANIFEST_BYTES, type DecodeResult, decodePodManifest } from "./manifest-decoder.js";
import { createManifestError, type ManifestError } from "./manifest-error.js";
import { createSerialRunner } from "./serial-runner.js";

/** Options of {@link createFileSource}. */
export interface FileSourceOptions {
  /**
   * A directory of manifests, or a single manifest file. Mirrors `staticPodPath` (`--pod-manifest-path`).
   * Trailing separators are dropped; the path is otherwise used as given (it is part of each pod's UID).
   */
  path: string;
  /** This node's name: suffix of every pod name and part of every UID. */
  nodeName: string;
  /**
   * Clock for the periodic re-read and the watch debounce. Its `now()` is also compared with the files'
   * change times: a file changed less than 2 s before a read is decoded again on the next read rather than
   * trusted to its unchanged `stat` (file times are too coarse to show two quick writes). Default: a real
   * clock.
   */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** Period of the full re-read. Default 20 000 ms (`fileCheckFrequency`). */
  fileCheckFrequencyMs?: number;
  /** Files larger than this are rejected with a `ManifestError`. Default 10 MiB (the kubelet's `maxConfigLength`). */
  maxFileBytes?: number;
  /** Watch the directory (`fs.watch`) and re-read soon after a change, between periodic re-reads. Default `true`. */
  watch?: boolean;
  /** Delay between the first filesystem event of a burst and the re-read it triggers. Default 100 ms. */
  watchDebounceMs?: number;
  /**
   * Turns a manifest file's text into its pod. The source calls it only for files whose `stat` changed since
   * the last read (see {@link createFileSource}), so it must give the same result for the same text and
   * origin. Wrap the default to count or time decodes, or to add checks. Default: {@link decodePodManifest}.
   */
  decodeManifest?: (text: string, origin: StaticPodOrigin) => DecodeResult<V1Pod>;
}

/** A {@link PodSource} over a static pod manifest directory or file; its updates are `set`s for source `file`. */
export interface FileSource extends PodSource<V1Pod> {
  readonly name: typeof FILE_SOURCE;
  /**
   * Reads the path now and emits the resulting `set` (after a read already in progress, if any). Resolves
   * once emitted. Useful after changing manifests when `watch` is off.
   */
  resync(): Promise<void>;
}

/** Default of `fileCheckFrequencyMs` (the kubelet's `fileCheckFrequency`). */
export const DEFAULT_FILE_CHECK_FREQUENCY_MS = 20_000;
const DEFAULT_WATCH_DEBOUNCE_MS = 100;
/** Files of a directory read at once (stat, read and decode). */
const READ_CONCURRENCY = 16;

type ResolvedFileSourceOptions = Required<FileSourceOptions>;

function resolveFileSourceOptions(options: FileSourceOptions): ResolvedFileSourceOptions {
  if (options.path === "")
    throw new KubeletKitError("InvalidConfig", "file source: `path` must not be empty");
  if (options.nodeName === "")
    throw new KubeletKitError("InvalidConfig", "file source: `nodeName` must not be empty");
  const trimmed = options.path.replace(/\/+$/, "");
  return {
    path: trimmed === "" ? "/" : trimmed,
    nodeName: options.nodeName,
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createNoopLogger(),
    fileCheckFrequencyMs: options.fileCheckFrequencyMs ?? DEFAULT_FILE_CHECK_FREQUENCY_MS,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
    watch: options.watch ?? true,
    watchDebounceMs: options.watchDebounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS,
    decodeManifest: options.decodeManifest ?? decodePodManifest,
  };
}

/**
 * Reads static pods from a manifest directory (or one file), as the kubelet's file source does:
 * - a directory is listed in sorted order; names starting with `.` are ignored, sub-directories are not
 *   recursed into and other non-regular entries are skipped (both logged);
 * - each file holds exactly one `v1` Pod in YAML or JSON, is defaulted as a static pod and validated; a file
 *   that cannot be used produces an `error` event (a `ManifestError` naming the file) and is left out, while
 *   every other file's pod still comes through;
 * - every read emits one full `set`, also when the path does not exist (an empty set, logged);
 * - the path is re-read every `fileCheckFrequencyMs` and, with `watch`, shortly after a change in it.
 *
 * A read lists the directory, then stats, reads and decodes up to 16 files at a time; the pods and errors
 * come out in sorted file order as before. Each file's outcome (its pod, or its error) is remembered under
 * its `stat` (device, inode, size, modification and change times), so a re-read decodes only the files that
 * changed, and a broken file that did not change reports its error again without being parsed again. Files
 * changed within 2 s of a read are decoded again next time whatever their `stat` says.
 *
 * A single-file `path` that becomes unusable emits the error and no `set`, so its last good pod stays (the
 * kubelet keeps its store unchanged in that case); in a directory, the broken file's pod is left out of the
 * next `set` and so removed.
 */
export function createFileSource(options: FileSourceOptions): FileSource {
  const opts = resolveFileSourceOptions(options);
  const { path, nodeName, clock } = opts;
  const logger = opts.logger.child({ component: "file-source", path });
  const hub = createEventHub<PodSourceEvents<V1Pod>>({ logger });

  let state: "new" | "running" | "stopped" = "new";
  let startPromise: Promise<void> | undefined;
  let ticker: TimerHandle | undefined;
  let debounce: TimerHandle | undefined;
  let watcher: { close(): void; dir: string; ino: number } | undefined;

  const emitError = (error: unknown): void => {
    if (state !== "stopped") hub.emit("error", error);
  };

  const cache = createManifestCache();

  /** One directory entry (or the single file) as read: to be logged and emitted in file order. */
  type FileOutcome =
    | { readonly kind: "decoded"; readonly outcome: ManifestOutcome }
    | { readonly kind: "gone" }
    | { readonly kind: "skipped"; readonly msg: string; readonly err?: unknown }
    | { readonly kind: "unreadable"; readonly err: unknown };

  async function readManifest(file: string, info: BigIntStats, readStartMs: number): Promise<FileOutcome> {
    const key = manifestStatKey(info);
    const known = cache.get(file, key);
    if (known !== undefined) return { kind: "decoded", outcome: copyOf(known) };
    let outcome: ManifestOutcome;
    try {
      const size = Number(info.size) > opts.maxFileBytes ? Number(info.size) : undefined;
      const data = size === undefined ? await readFile(file) : undefined;
      if (data === undefined || data.length > opts.maxFileBytes) {
        outcome = { ok: false, error: tooLarge(file, size ?? data?.length ?? 0, opts.maxFileBytes) };
      } else {
        const result = opts.decodeManifest(data.toString("utf8"), {
          nodeName,
          source: "file",
          location: file,
        });
        outcome = result.ok ? { ok: true, pod: result.value } : { ok: false, error: result.error };
      }
    } catch (err) {
      // Removed between the listing and the read: the next listing will not show it either.
      if (isErrno(err, "ENOENT")) return { kind: "gone" };
      return { kind: "unreadable", err };
    }
    const cached = cache.set(file, key, manifestChangedAtMs(info), readStartMs, outcome);
    return { kind: "decoded", outcome: cached ? copyOf(outcome) : outcome };
  }

  async function readEntry(file: string, readStartMs: number): Promise<FileOutcome> {
    let info: BigIntStats;
    try {
      info = await stat(file, { bigint: true });
    } catch (err) {
      if (isErrno(err, "ENOENT")) return { kind: "gone" };
      return { kind: "skipped", msg: "could not get metadata of manifest path", err };
    }
    if (info.isDirectory()) {
      return { kind: "skipped", msg: "manifest path is a directory, not recursing into it" };
    }
    if (!info.isFile()) return { kind: "skipped", msg: "manifest path is not a regular file, skipping it" };
    return readManifest(file, info, readStartMs);
  }

  /** Logs and emits what one file's read calls for; returns its pod, if any. */
  function report(file: string, read: FileOutcome): V1Pod | undefined {
    switch (read.kind) {
      case "decoded":
        if (read.outcome.ok) return read.outcome.pod;
        logger.warn({ err: read.outcome.error, file }, "could not process manifest file");
        emitError(read.outcome.error);
        return undefined;
      case "unreadable":
        logger.warn({ err: read.err, file }, "could not read manifest file");
        emitError(
          createManifestError({ file, problem: `cannot read: ${errorText(read.err)}`, cause: read.err }),
        );
        return undefined;
      case "skipped":
        logger.warn(read.err === undefined ? { file } : { err: read.err, file }, read.msg);
        return undefined;
      case "gone":
        return undefined;
    }
  }

  async function readDirectory(dir: string, readStartMs: number): Promise<V1Pod[]> {
    const files = (await readdir(dir))
      .filter((name) => !name.startsWith("."))
      .sort()
      .map((name) => join(dir, name));
    const outcomes = await mapBounded(files, READ_CONCURRENCY, (file) => readEntry(file, readStartMs));
    cache.retain(new Set(files));
    const pods: V1Pod[] = [];
    const fileByFullName = new Map<string, string>();
    for (const [i, file] of files.entries()) {
      const pod = report(file, outcomes[i] as FileOutcome);
      if (pod === undefined) continue;
      const fullName = getPodFullName(pod);
      const first = fileByFullName.get(fullName);
      if (first !== undefined) {
        emitError(
          createManifestError({
            file,
            problem: `pod "${pod.metadata?.name}" in namespace "${pod.metadata?.namespace}" is already defined by ${first}; ignoring this manifest`,
            field: "metadata.name",
          }),
        );
        continue;
      }
      fileByFullName.set(fullName, file);
      pods.push(pod);
    }
    return pods;
  }

  async function readOnce(): Promise<void> {
    const readStartMs = clock.now();
    let info: BigIntStats;
    try {
      info = await stat(path, { bigint: true });
    } catch (err) {
      if (isErrno(err, "ENOENT")) {
        logger.warn("manifest path does not exist, ignoring");
        cache.clear();
        emitSet([]);
        return;
      }
      emitError(
        new KubeletKitError("Unavailable", `file source: cannot read ${path}: ${errorText(err)}`, {
          cause: err,
        }),
      );
      return;
    }
    try {
      if (info.isDirectory()) {
        emitSet(await readDirectory(path, readStartMs));
        ensureWatch(path, Number(info.ino));
      } else if (info.isFile()) {
        ensureWatch(dirname(path), undefined);
        cache.retain(new Set([path]));
        const pod = report(path, await readManifest(path, info, readStartMs));
        if (pod !== undefined) emitSet([pod]);
      } else {
        cache.clear();
        emitError(
          new KubeletKitError("InvalidConfig", `file source: ${path} is not a directory or a regular file`),
        );
      }
    } catch (err) {
      emitError(
        new KubeletKitError("Unavailable", `file source: cannot read ${path}: ${errorText(err)}`, {
          cause: err,
        }),
      );
    }
  }

  const reads = createSerialRunner(readOnce, () => state === "running");

  function emitSet(pods: V1Pod[]): void {
    if (state === "stopped") return;
    hub.emit("update", { type: "set", source: FILE_SOURCE, pods });
  }

  function onFilesystemEvent(fileName: string | Buffer | null): void {
    const name = fileName === null ? undefined : fileName.toString();
    if (name?.startsWith(".")) return;
    if (watcher !== undefined && watcher.dir !== path && name !== undefined && name !== basename(path))
      return;
    if (debounce !== undefined || state !== "running") return;
    debounce = clock.setTimeout(() => {
      debounce = undefined;
      if (state === "running") void reads.request();
    }, opts.watchDebounceMs);
  }

  /** Watches `dir` (re-created if the directory was replaced), unless watching is off or already in place. */
  function ensureWatch(dir: string, ino: number | undefined): void {
    if (!opts.watch || state !== "running") return;
    if (watcher !== undefined && watcher.dir === dir && (ino === undefined || watcher.ino === ino)) return;
    closeWatcher();
    let handle: FSWatcher;
    try {
      handle = fsWatch(dir, { persistent: false }, (_event, fileName) => onFilesystemEvent(fileName));
    } catch (err) {
      logger.warn({ err, dir }, "cannot watch manifest path; relying on periodic re-reads");
      return;
    }
    const current = { close: () => handle.close(), dir, ino: ino ?? -1 };
    handle.on("error", (err) => {
      logger.warn({ err, dir }, "manifest path watch failed; relying on periodic re-reads");
      emitError(
        new KubeletKitError("Unavailable", `file source: watch on ${dir} failed: ${errorText(err)}`, {
          cause: err,
        }),
      );
      if (watcher === current) watcher = undefined;
      handle.close();
    });
    watcher = current;
  }

  function closeWatcher(): void {
    watcher?.close();
    watcher = undefined;
  }

  function tick(): void {
    ticker = clock.setTimeout(tick, opts.fileCheckFrequencyMs);
    void reads.request();
  }

  return {
    name: FILE_SOURCE,
    on: hub.on,
    once: hub.once,
    start() {
      if (state === "stopped") {
        return Promise.reject(new KubeletKitError("FailedPrecondition", "file source: start() after stop()"));
      }
      if (startPromise === undefined) {
        state = "running";
        logger.info({ nodeName }, "watching static pod path");
        ticker = clock.setTimeout(tick, opts.fileCheckFrequencyMs);
        startPromise = reads.request();
      }
      return startPromise;
    },
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      if (ticker !== undefined) clock.clearTimeout(ticker);
      if (debounce !== undefined) clock.clearTimeout(debounce);
      ticker = undefined;
      debounce = undefined;
      closeWatcher();
      await reads.idle();
      cache.clear();
    },
    resync() {
      if (state !== "running") {
        return Promise.reject(
          new KubeletKitError("FailedPrecondition", "file source: resync() needs a started source"),
        );
      }
      return reads.request();
    },
  };
}

/**
 * `fs.readFile` as a promise. For many small files it takes about two thirds of the time `fs/promises`'
 * `readFile` does (measured on 1,000 manifests), which steps through open, stat, read and close in
 * JavaScript.
 */
function readFile(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readFileCallback(file, (err, data) => (err === null ? resolve(data) : reject(err)));
  });
}

/** The cache keeps its own pods: listeners get copies, which they may keep or change. */
function copyOf(outcome: ManifestOutcome): ManifestOutcome {
  return outcome.ok ? { ok: true, pod: structuredClone(outcome.pod) } : outcome;
}

function tooLarge(file: string, size: number, maxBytes: number): ManifestError {
  return createManifestError({
    file,
    problem: `file is ${size} bytes, larger than the limit of ${maxBytes} bytes`,
  });
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
