import {
  createEventHub,
  createNoopLogger,
  type Logger,
  type ProbeKind,
  type ProbeResult,
  type ProbeResultEvent,
  type Subscribable,
} from "@kubelet-kit/core";

/** Whose result a cached value is, sent along with its change event. */
export interface ProbeResultOwner {
  readonly podUid: string;
  readonly containerName: string;
  /** Carried into the change event (see `ProbeResultEvent.terminationGracePeriodSeconds`). */
  readonly terminationGracePeriodSeconds?: number;
}

/** Events of a {@link ProbeResultsCache}. */
export interface ProbeResultsEvents {
  /** A container's value was stored for the first time or changed; never emitted for removals. */
  change: (event: ProbeResultEvent) => void;
}

/**
 * The latest result of one probe type per container instance (the kubelet's `results.Manager`): the
 * liveness, readiness and startup caches are three of these.
 */
export interface ProbeResultsCache extends Subscribable<ProbeResultsEvents> {
  /** Which probe type's results this cache holds. */
  readonly kind: ProbeKind;
  /** The cached result of a container instance, or `undefined` when none is stored. */
  get(containerId: string): ProbeResult | undefined;
  /** Stores a result; emits `change` when there was none or it differed. */
  set(containerId: string, result: ProbeResult, owner: ProbeResultOwner): void;
  /** Forgets a container instance's result (silently). */
  remove(containerId: string): void;
  /** Number of cached container instances. */
  readonly size: number;
}

/** Options of {@link createProbeResultsCache}. */
export interface ProbeResultsCacheOptions {
  /** The probe type the cache holds. Required. */
  kind: ProbeKind;
  /** Where errors thrown by listeners are logged. Default: a no-op logger. */
  logger?: Logger;
}

/**
 * Creates a results cache keyed by CRI container ID. Unlike the kubelet's buffered channel, change events
 * are delivered synchronously, in order, to every listener.
 *
 * @example
 * ```ts
 * const readiness = createProbeResultsCache({ kind: "readiness" });
 * readiness.on("change", (e) => statusManager.setContainerReadiness(e, e.result === "success"));
 * readiness.set("abc123", "success", { podUid, containerName: "web" }); // emits
 * readiness.set("abc123", "success", { podUid, containerName: "web" }); // same value: silent
 * ```
 */
export function createProbeResultsCache(options: ProbeResultsCacheOptions): ProbeResultsCache {
  const { kind } = options;
  const hub = createEventHub<ProbeResultsEvents>({ logger: options.logger ?? createNoopLogger() });
  const cache = new Map<string, ProbeResult>();
  return {
    kind,
    on: hub.on,
    once: hub.once,
    get: (containerId) => cache.get(containerId),
    set(containerId, result, owner) {
      if (cache.get(containerId) === result) return;
      cache.set(containerId, result);
      const { podUid, containerName, terminationGracePeriodSeconds } = owner;
      hub.emit("change", {
        kind,
        podUid,
        containerName,
        containerId,
        result,
        ...(terminationGracePeriodSeconds === undefined ? {} : { terminationGracePeriodSeconds }),
      });
    },
    remove(containerId) {
      cache.delete(containerId);
    },
    get size() {
      return cache.size;
    },
  };
}
