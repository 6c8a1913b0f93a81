import type { Subscribable } from "../events.js";
import type { PodLike } from "./pod-like.js";

/**
 * Kind of a {@link PodUpdate} (the kubelet's `kubetypes.PodOperation`):
 * - `set`: the complete set of the source's pods; anything not listed is gone from that source;
 * - `add`: pods new to the source;
 * - `update`: pods whose spec, labels or annotations changed;
 * - `delete`: pods being deleted gracefully (they carry a `deletionTimestamp`);
 * - `remove`: pods removed from the source at once (kill them);
 * - `reconcile`: pods whose status alone changed.
 * File, HTTP and API sources send `set`; the pod store turns those into the incremental kinds.
 */
export type PodUpdateType = "set" | "add" | "update" | "delete" | "remove" | "reconcile";

/**
 * Well-known source names (`kubetypes.FileSource`, `HTTPSource`, `ApiserverSource`); the pod store also
 * records them in the `kubernetes.io/config.source` annotation. Open-ended for custom sources.
 */
export type PodSourceName = "file" | "http" | "api" | (string & {});

/** One update from a pod source, discriminated on `type`. */
export type PodUpdate<P extends PodLike = PodLike> = {
  [T in PodUpdateType]: {
    readonly type: T;
    /** The source that produced it. */
    readonly source: PodSourceName;
    /** The pods concerned (for `set`: all of the source's pods). */
    readonly pods: readonly P[];
  };
}[PodUpdateType];

/** Events of a {@link PodSource}. */
export interface PodSourceEvents<P extends PodLike = PodLike> {
  /**
   * A new update; sources emit one `set` as soon as they have read their pods once, even if empty. A source
   * that cannot read its pods at all (an HTTP URL that answers with an error, a single manifest file that is
   * broken) emits errors and no `set` until it can, so consumers do not take it as ready, as the kubelet does.
   */
  update: (update: PodUpdate<P>) => void;
  /**
   * A read failed (unreadable manifest, HTTP error, watch dropped). The source keeps going. Manifest problems
   * are `KubeletKitError`s with code `InvalidManifest` whose `details.file` names the file or URL.
   */
  error: (error: unknown) => void;
}

/** Where desired pods come from: a manifest directory, an HTTP URL, the API server, or the embedder. */
export interface PodSource<P extends PodLike = PodLike> extends Subscribable<PodSourceEvents<P>> {
  /** The name stamped on every update, e.g. `"file"`. */
  readonly name: PodSourceName;
  /** Starts reading (the first `set` follows). */
  start(): Promise<void>;
  /** Stops reading and releases watches and timers. No update is emitted after it resolves. */
  stop(): Promise<void>;
}
