import {
  type Clock,
  createEventHub,
  createNoopLogger,
  createRealClock,
  KubeletKitError,
  type Logger,
  type PodSource,
  type PodSourceEvents,
  type PodSourceName,
  type PodUpdate,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { API_SOURCE } from "../config/pod-annotations.js";

/** Options of {@link createProgrammaticSource}. */
export interface ProgrammaticSourceOptions {
  /**
   * The source name stamped on updates (and, by the pod config, on pods as `kubernetes.io/config.source`).
   * Default `"api"`: pods handed over by an embedder play the part of API-server pods (not static, no
   * mirror pods, graceful deletion). Pick another name when a real API source runs next to this one; any
   * name other than `"api"` makes the pods static pods for the rest of the kubelet.
   */
  name?: PodSourceName;
  /** Clock for `delete`'s deletion timestamp. Default: a real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
}

/** Options of {@link ProgrammaticSource.delete}. */
export interface ProgrammaticDeleteOptions {
  /**
   * Grace period. Default: the pod's `spec.terminationGracePeriodSeconds`, else 30 (the API default). As on
   * the API server, a second delete may shorten the deadline but never extend it.
   */
  gracePeriodSeconds?: number;
}

/**
 * A {@link PodSource} driven by code: an embedder's own control plane, or a test. Each method updates the
 * source's pods and, while the source is started, emits the matching update. Before `start()` the methods
 * only record; `start()` emits one `set` of everything recorded; after `stop()` nothing is emitted.
 * Pods must have `metadata.uid` and `metadata.name`; a missing namespace becomes `default`. Pods are copied,
 * so later changes by the caller do not leak in.
 */
export interface ProgrammaticSource extends PodSource<V1Pod> {
  /** Replaces all of the source's pods; emits a `set`. */
  set(pods: readonly V1Pod[]): void;
  /** Adds a pod; emits an `add`. */
  add(pod: V1Pod): void;
  /** Replaces a pod (matched by UID); emits an `update`. */
  update(pod: V1Pod): void;
  /** Removes a pod at once (kill, no grace); emits a `remove`. Unknown UIDs are ignored. */
  remove(podOrUid: V1Pod | string): void;
  /**
   * Deletes a pod gracefully, as the API server does: sets `metadata.deletionTimestamp` (now plus the grace
   * period) and `metadata.deletionGracePeriodSeconds`; emits a `delete`. Throws `NotFound` for an unknown UID.
   */
  delete(podOrUid: V1Pod | string, options?: ProgrammaticDeleteOptions): void;
  /** Copies of the source's current pods. */
  pods(): V1Pod[];
}

/** The API server's default `terminationGracePeriodSeconds`. */
const DEFAULT_GRACE_PERIOD_SECONDS = 30;

/** Creates a {@link ProgrammaticSource}. */
export function createProgrammaticSource(options: ProgrammaticSourceOptions = {}): ProgrammaticSource {
  const name = options.name ?? API_SOURCE;
  const clock = options.clock ?? createRealClock();
  const logger = (options.logger ?? createNoopLogger()).child({
    component: "programmatic-source",
    source: name,
  });
  const hub = createEventHub<PodSourceEvents<V1Pod>>({ logger });
  const pods = new Map<string, V1Pod>();
  let state: "new" | "running" | "stopped" = "new";

  const emit = (type: PodUpdate["type"], list: readonly V1Pod[]): void => {
    if (state !== "running") return;
    hub.emit("update", {
      type,
      source: name,
      pods: list.map((pod) => structuredClone(pod)),
    } as PodUpdate<V1Pod>);
  };

  const uidOf = (podOrUid: V1Pod | string): string =>
    typeof podOrUid === "string" ? podOrUid : (podOrUid.metadata?.uid ?? "");

  return {
    name,
    on: hub.on,
    once: hub.once,
    async start() {
      if (state === "stopped")
        throw new KubeletKitError("FailedPrecondition", `source ${name}: start() after stop()`);
      if (state === "running") return;
      state = "running";
      emit("set", [...pods.values()]);
    },
    async stop() {
      state = "stopped";
    },
    set(list) {
      const copies = list.map(checkedCopy);
      pods.clear();
      for (const pod of copies) pods.set(pod.metadata?.uid ?? "", pod);
      emit("set", copies);
    },
    add(pod) {
      const copy = checkedCopy(pod);
      pods.set(copy.metadata?.uid ?? "", copy);
      emit("add", [copy]);
    },
    update(pod) {
      const copy = checkedCopy(pod);
      pods.set(copy.metadata?.uid ?? "", copy);
      emit("update", [copy]);
    },
    remove(podOrUid) {
      const uid = uidOf(podOrUid);
      const existing = pods.get(uid);
      if (existing === undefined) return;
      pods.delete(uid);
      emit("remove", [existing]);
    },
    delete(podOrUid, deleteOptions = {}) {
      const uid = uidOf(podOrUid);
      const existing = pods.get(uid) ?? (typeof podOrUid === "string" ? undefined : checkedCopy(podOrUid));
      if (existing === undefined)
        throw new KubeletKitError("NotFound", `source ${name}: no pod with UID ${uid}`);
      const copy = structuredClone(existing);
      const grace =
        deleteOptions.gracePeriodSeconds ??
        copy.spec?.terminationGracePeriodSeconds ??
        DEFAULT_GRACE_PERIOD_SECONDS;
      const deadline = new Date(clock.now() + Math.max(0, grace) * 1_000);
      const previous = copy.metadata?.deletionTimestamp;
      const previousMs = previous === undefined ? Number.POSITIVE_INFINITY : new Date(previous).getTime();
      if (deadline.getTime() < previousMs) {
        copy.metadata = {
          ...copy.metadata,
          deletionTimestamp: deadline,
          deletionGracePeriodSeconds: Math.max(0, grace),
        };
      }
      pods.set(uid, copy);
      emit("delete", [copy]);
    },
    pods: () => [...pods.values()].map((pod) => structuredClone(pod)),
  };
}

function checkedCopy(pod: V1Pod): V1Pod {
  const uid = pod.metadata?.uid;
  const podName = pod.metadata?.name;
  if (typeof uid !== "string" || uid === "" || typeof podName !== "string" || podName === "") {
    throw new KubeletKitError("InvalidArgument", "a pod needs metadata.uid and metadata.name", {
      details: { uid, name: podName },
    });
  }
  const copy = structuredClone(pod);
  if (
    copy.metadata !== undefined &&
    (copy.metadata.namespace === undefined || copy.metadata.namespace === "")
  ) {
    copy.metadata.namespace = "default";
  }
  return copy;
}
