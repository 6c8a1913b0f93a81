import type { Clock } from "./clock.js";
import { KubeletKitError } from "./errors.js";

/** Options of {@link createBackoff}. */
export interface BackoffOptions {
  /** Delay of an id's first step, in ms. Kubelet: 10 s for crash loops and image pulls. Required. */
  initialMs: number;
  /** Cap on the delay, in ms. Kubelet: 300 s (`MaxContainerBackOff`, `MaxImageBackOff`). Required. */
  maxMs: number;
  /** Multiplier applied to the delay at each step. Default: `2`. */
  factor?: number;
  /**
   * An entry whose last update is more than this many ms before the event being checked counts as
   * expired: `next` restarts it at `initialMs`, the `isInBackoff*` checks answer false, and `gc` drops it.
   * Default: `2 * maxMs` (client-go's rule). The kubelet's crash-loop back-off uses 600 s
   * (`CRASH_LOOP_BACKOFF_RESET_MS`).
   */
  resetAfterMs?: number;
  /**
   * Maximum jitter as a fraction of the previous delay: each step adds `random() * jitter * previous`
   * (the result is still capped at `maxMs`). Default: `0` (no jitter, as the kubelet).
   */
  jitter?: number;
  /** Source of randomness in [0, 1) for jitter. Default: `Math.random`. */
  random?: () => number;
  /** The clock that stamps updates and answers "now". Required (time is a dependency). */
  clock: Clock;
}

/**
 * Per-key exponential back-off, with the semantics of client-go's `flowcontrol.Backoff`
 * (`staging/src/k8s.io/client-go/util/flowcontrol/backoff.go`). An entry is a delay plus the time of its
 * last update; `next` moves it one step (`delay * factor`, capped at `maxMs`), the checks compare times
 * against the current delay, and nothing happens on its own: call `gc()` periodically.
 *
 * How the kubelet uses it:
 * - CrashLoopBackOff (`kuberuntime_manager.go` doBackOff): one back-off for all containers, 10 s → 300 s,
 *   reset after 600 s, keyed by pod name, namespace, uid, container name and container hash. Before
 *   restarting an exited container it asks `isInBackoffSince(key, finishedAtMs)` of the newest exited
 *   instance: if true, the start is skipped with reason `CrashLoopBackOff`; otherwise it calls
 *   `next(key, finishedAtMs)` and starts the container. Restarts thus wait 10, 20, 40, 80, 160, 300, 300 … s
 *   after each exit, and a container that ran for more than 600 s since the last step starts over at 10 s.
 * - Image pulls (`images/image_manager.go`): 10 s → 300 s, default reset (600 s), keyed `<podUid>_<image>`.
 *   Before pulling it asks `isInBackoffSinceUpdate(key, now)` (true → `ImagePullBackOff`); after a failed
 *   pull it calls `next(key)`.
 *
 * Differences from client-go: `next` returns the new delay; an initial delay plus jitter is capped at
 * `maxMs` too; the factor is configurable.
 */
export interface Backoff {
  /**
   * Moves `id` one step and returns its new delay in ms: `initialMs` for an unknown or expired entry
   * (expired: `atMs` is more than `resetAfterMs` after its last update), otherwise the previous delay
   * times `factor`, capped at `maxMs`. The entry's update time becomes `clock.now()` whatever `atMs` is,
   * as upstream. `atMs` defaults to `clock.now()`; the kubelet passes a container's `finishedAt`.
   */
  next(id: string, atMs?: number): number;
  /** The current delay of `id` in ms, or 0 when it has no entry. */
  get(id: string): number;
  /**
   * True if less than the current delay has passed between `eventTimeMs` and now (upstream
   * `IsInBackOffSince`); false for an unknown entry or one expired relative to `eventTimeMs`.
   */
  isInBackoffSince(id: string, eventTimeMs: number): boolean;
  /**
   * True if less than the current delay separates the last update from `eventTimeMs` (upstream
   * `IsInBackOffSinceUpdate`); false for an unknown entry or one expired relative to `eventTimeMs`.
   */
  isInBackoffSinceUpdate(id: string, eventTimeMs: number): boolean;
  /** Forgets `id`: its next step starts at `initialMs`. */
  reset(id: string): void;
  /** Drops entries whose last update is more than `resetAfterMs` before now; returns how many went. */
  gc(): number;
  /** Number of entries held. */
  size(): number;
}

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

type ResolvedBackoffOptions = Required<BackoffOptions>;

function resolveBackoffOptions(options: BackoffOptions): ResolvedBackoffOptions {
  const resolved: ResolvedBackoffOptions = {
    initialMs: options.initialMs,
    maxMs: options.maxMs,
    factor: options.factor ?? 2,
    resetAfterMs: options.resetAfterMs ?? 2 * options.maxMs,
    jitter: options.jitter ?? 0,
    random: options.random ?? Math.random,
    clock: options.clock,
  };
  const fail = (message: string): never => {
    const { initialMs, maxMs, factor, resetAfterMs, jitter } = resolved;
    throw new KubeletKitError("InvalidArgument", `backoff: ${message}`, {
      details: { initialMs, maxMs, factor, resetAfterMs, jitter },
    });
  };
  if (!(resolved.initialMs > 0 && Number.isFinite(resolved.initialMs)))
    fail("initialMs must be a positive number");
  if (!(resolved.maxMs >= resolved.initialMs && Number.isFinite(resolved.maxMs)))
    fail("maxMs must be >= initialMs");
  if (!(resolved.factor >= 1 && Number.isFinite(resolved.factor))) fail("factor must be >= 1");
  if (!(resolved.resetAfterMs >= 0)) fail("resetAfterMs must be >= 0");
  if (!(resolved.jitter >= 0 && Number.isFinite(resolved.jitter))) fail("jitter must be >= 0");
  return resolved;
}

/**
 * Creates a {@link Backoff}.
 *
 * @example
 * ```ts
 * const crashLoop = createBackoff({
 *   initialMs: CRASH_LOOP_BACKOFF_INITIAL_MS,
 *   maxMs: CRASH_LOOP_BACKOFF_MAX_MS,
 *   resetAfterMs: CRASH_LOOP_BACKOFF_RESET_MS,
 *   clock,
 * });
 * if (!crashLoop.isInBackoffSince(key, finishedAtMs)) {
 *   crashLoop.next(key, finishedAtMs);
 *   await startContainer();
 * }
 * ```
 */
export function createBackoff(options: BackoffOptions): Backoff {
  const { initialMs, maxMs, factor, resetAfterMs, jitter, random, clock } = resolveBackoffOptions(options);
  const entries = new Map<string, Entry>();

  const expired = (entry: Entry, eventTimeMs: number): boolean =>
    eventTimeMs - entry.lastUpdateMs > resetAfterMs;
  const jitterFor = (delayMs: number): number => (jitter > 0 ? random() * jitter * delayMs : 0);

  return {
    next(id, atMs) {
      const eventTimeMs = atMs ?? clock.now();
      const entry = entries.get(id);
      const delayMs =
        entry === undefined || expired(entry, eventTimeMs)
          ? initialMs + jitterFor(initialMs)
          : entry.delayMs * factor + jitterFor(entry.delayMs);
      const capped = Math.min(delayMs, maxMs);
      entries.set(id, { delayMs: capped, lastUpdateMs: clock.now() });
      return capped;
    },
    get: (id) => entries.get(id)?.delayMs ?? 0,
    isInBackoffSince(id, eventTimeMs) {
      const entry = entries.get(id);
      if (entry === undefined || expired(entry, eventTimeMs)) return false;
      return clock.now() - eventTimeMs < entry.delayMs;
    },
    isInBackoffSinceUpdate(id, eventTimeMs) {
      const entry = entries.get(id);
      if (entry === undefined || expired(entry, eventTimeMs)) return false;
      return eventTimeMs - entry.lastUpdateMs < entry.delayMs;
    },
    reset(id) {
      entries.delete(id);
    },
    gc() {
      const nowMs = clock.now();
      let dropped = 0;
      for (const [id, entry] of entries) {
        if (expired(entry, nowMs)) {
          entries.delete(id);
          dropped++;
        }
      }
      return dropped;
    },
    size: () => entries.size,
  };
}
