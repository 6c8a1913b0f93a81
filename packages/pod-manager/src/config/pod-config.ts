import {
  type Clock,
  createEventHub,
  createNoopLogger,
  createRealClock,
  KubeletKitError,
  type Logger,
  type PodSource,
  type PodSourceName,
  type PodUpdate,
  type Subscribable,
  type Unsubscribe,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import {
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  formatSeenTimestamp,
  getPodFullName,
} from "./pod-annotations.js";
import { checkAndUpdatePod } from "./pod-merge.js";

/** An error a source reported, or one the merge found in a source's pods, tagged with the source's name. */
export interface PodConfigError {
  readonly source: PodSourceName;
  /** A source's own error (often a `ManifestError`), or a `KubeletKitError` from the merge. */
  readonly error: unknown;
}

/** Events of a {@link PodConfig}. */
export interface PodConfigEvents {
  /**
   * Incremental changes, per merged source update, in the kubelet's order: `remove`, `add`, `update`,
   * `delete`, `reconcile`; each only when it has pods, except that a source's first `set` that adds, updates
   * and deletes nothing is announced by an empty `add` (the kubelet's "source is ready" signal). Pods are
   * copies; never `set`.
   */
  update: (update: PodUpdate<V1Pod>) => void;
  /** A source's `error` event, or a pod the merge rejected (a duplicate full name, a missing UID). */
  error: (event: PodConfigError) => void;
}

/** Options of {@link createPodConfig}. */
export interface PodConfigOptions {
  /** Clock for the `kubernetes.io/config.seen` first-seen time. Default: a real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** Sources to merge; more can be added with `addSource`. Each counts for `sourcesReady()`. Default: none. */
  sources?: readonly PodSource<V1Pod>[];
}

/**
 * The kubelet's pod config: merges the updates of several sources (file, http, api, …) into one stream of
 * incremental updates, keeping each source's pods by UID (`pkg/kubelet/config/config.go`, incremental mode).
 */
export interface PodConfig extends Subscribable<PodConfigEvents> {
  /** Registers a source: its updates are merged from now on and it counts for `sourcesReady()`. */
  addSource(source: PodSource<V1Pod>): void;
  /** Merges one update as though a source had emitted it (registered or not). */
  merge(update: PodUpdate<V1Pod>): void;
  /** Starts every registered source (and those added later, as they are added). Resolves once all started. */
  start(): Promise<void>;
  /** Stops every registered source and stops merging. */
  stop(): Promise<void>;
  /** True once every registered source has sent at least one `set` (`SeenAllSources`). */
  sourcesReady(): boolean;
  /** Names of the sources that have sent at least one `set`. */
  seenSources(): PodSourceName[];
  /** Copies of every pod of every source, as merged (with the source and first-seen annotations). */
  pods(): V1Pod[];
}

interface Registered {
  readonly source: PodSource<V1Pod>;
  readonly unsubscribe: readonly Unsubscribe[];
}

/** Creates a {@link PodConfig}. */
export function createPodConfig(options: PodConfigOptions = {}): PodConfig {
  const clock = options.clock ?? createRealClock();
  const logger = (options.logger ?? createNoopLogger()).child({ component: "pod-config" });
  const hub = createEventHub<PodConfigEvents>({ logger });
  const registered = new Map<PodSourceName, Registered>();
  const storage = new Map<PodSourceName, Map<string, V1Pod>>();
  const seen = new Set<PodSourceName>();
  let state: "new" | "running" | "stopped" = "new";

  const reportError = (source: PodSourceName, error: unknown): void => hub.emit("error", { source, error });

  /** Drops pods the merge cannot keep: no UID, or a full name already used earlier in the same update. */
  function filterInvalidPods(pods: readonly V1Pod[], source: PodSourceName): V1Pod[] {
    const byFullName = new Map<string, string>();
    const kept: V1Pod[] = [];
    for (const pod of pods) {
      const uid = pod.metadata?.uid;
      const fullName = getPodFullName(pod);
      if (typeof uid !== "string" || uid === "") {
        logger.warn({ source, pod: fullName }, "pod has no UID, ignoring");
        reportError(
          source,
          new KubeletKitError(
            "InvalidArgument",
            `pod ${fullName} from source ${source} has no UID; ignoring it`,
            {
              details: { reason: "FailedValidation", source, podFullName: fullName },
            },
          ),
        );
        continue;
      }
      const firstUid = byFullName.get(fullName);
      if (firstUid !== undefined) {
        logger.warn(
          { source, pod: fullName, uid, firstUid },
          "pod failed validation due to duplicate pod name, ignoring",
        );
        reportError(
          source,
          new KubeletKitError(
            "AlreadyExists",
            `pod ${fullName} (UID ${uid}) from source ${source} has the same name and namespace as pod ${fullName} (UID ${firstUid}); ignoring it`,
            {
              details: {
                reason: "FailedValidation",
                source,
                podFullName: fullName,
                uid,
                conflictingUid: firstUid,
              },
            },
          ),
        );
        continue;
      }
      byFullName.set(fullName, uid);
      kept.push(pod);
    }
    return kept;
  }

  function mergeUpdate(update: PodUpdate<V1Pod>): void {
    const { source } = update;
    const seenBefore = seen.has(source);
    let pods = storage.get(source) ?? new Map<string, V1Pod>();
    const adds: V1Pod[] = [];
    const updates: V1Pod[] = [];
    const deletes: V1Pod[] = [];
    const removes: V1Pod[] = [];
    const reconciles: V1Pod[] = [];

    const updatePods = (
      incoming: readonly V1Pod[],
      oldPods: Map<string, V1Pod>,
      newPods: Map<string, V1Pod>,
    ): void => {
      for (const original of filterInvalidPods(incoming, source)) {
        const ref = structuredClone(original);
        const metadata = { ...ref.metadata };
        metadata.annotations = { ...metadata.annotations, [CONFIG_SOURCE_ANNOTATION]: source };
        ref.metadata = metadata;
        const uid = metadata.uid as string;
        const existing = oldPods.get(uid);
        if (existing !== undefined) {
          newPods.set(uid, existing);
          const change = checkAndUpdatePod(existing, ref);
          if (change === "update") updates.push(existing);
          else if (change === "reconcile") reconciles.push(existing);
          else if (change === "delete") deletes.push(existing);
          continue;
        }
        metadata.annotations[CONFIG_SEEN_ANNOTATION] = formatSeenTimestamp(clock.now());
        newPods.set(uid, ref);
        adds.push(ref);
      }
    };

    switch (update.type) {
      case "add":
      case "update":
      case "delete":
        updatePods(update.pods, pods, pods);
        break;
      case "remove":
        for (const pod of update.pods) {
          const uid = pod.metadata?.uid ?? "";
          const existing = pods.get(uid);
          if (existing === undefined) continue;
          pods.delete(uid);
          removes.push(existing);
        }
        break;
      case "set": {
        seen.add(source);
        const oldPods = pods;
        pods = new Map();
        updatePods(update.pods, oldPods, pods);
        for (const [uid, existing] of oldPods) if (!pods.has(uid)) removes.push(existing);
        break;
      }
      default:
        logger.warn({ source, type: update.type }, "received invalid update type, ignoring");
        return;
    }
    storage.set(source, pods);

    const firstSet = !seenBefore && seen.has(source);
    const send = (type: PodUpdate["type"], list: readonly V1Pod[]): void => {
      hub.emit("update", { type, source, pods: list.map((pod) => structuredClone(pod)) } as PodUpdate<V1Pod>);
    };
    if (removes.length > 0) send("remove", removes);
    if (adds.length > 0) send("add", adds);
    if (updates.length > 0) send("update", updates);
    if (deletes.length > 0) send("delete", deletes);
    if (firstSet && adds.length === 0 && updates.length === 0 && deletes.length === 0) send("add", []);
    if (reconciles.length > 0) send("reconcile", reconciles);
  }

  const config: PodConfig = {
    on: hub.on,
    once: hub.once,
    addSource(source) {
      if (registered.has(source.name)) {
        throw new KubeletKitError(
          "InvalidConfig",
          `pod config: a source named ${JSON.stringify(source.name)} is already registered`,
        );
      }
      const name = source.name;
      const unsubscribe = [
        source.on("update", (update) => {
          if (state === "stopped") return;
          if (update.source !== name) {
            logger.warn({ source: name, claimed: update.source }, "source sent an update under another name");
          }
          mergeUpdate({ ...update, source: name } as PodUpdate<V1Pod>);
        }),
        source.on("error", (error) => {
          if (state !== "stopped") reportError(name, error);
        }),
      ];
      registered.set(name, { source, unsubscribe });
      if (state === "running") {
        source.start().catch((err: unknown) => reportError(name, err));
      }
    },
    merge(update) {
      mergeUpdate(update);
    },
    async start() {
      if (state === "stopped")
        throw new KubeletKitError("FailedPrecondition", "pod config: start() after stop()");
      if (state === "running") return;
      state = "running";
      await Promise.all([...registered.values()].map(({ source }) => source.start()));
    },
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      const all = [...registered.values()];
      await Promise.all(all.map(({ source }) => source.stop()));
      for (const { unsubscribe } of all) for (const off of unsubscribe) off();
    },
    sourcesReady() {
      for (const name of registered.keys()) if (!seen.has(name)) return false;
      return true;
    },
    seenSources: () => [...seen],
    pods() {
      const all: V1Pod[] = [];
      for (const pods of storage.values()) for (const pod of pods.values()) all.push(structuredClone(pod));
      return all;
    },
  };
  for (const source of options.sources ?? []) config.addSource(source);
  return config;
}
