import {
  createEventHub,
  createNoopLogger,
  createRealClock,
  isKubeletKitError,
  KubeletKitError,
  PLEG_RELIST_PERIOD_MS,
  PLEG_RELIST_THRESHOLD_MS,
  type RuntimeContainerEvent,
  type TimerHandle,
} from "@kubelet-kit/core";
import { createGenericPleg, keepPodIps } from "./generic-pleg.js";
import { createPodCache } from "./pod-status-cache.js";
import type {
  EventedPlegOptions,
  Pleg,
  PlegEvents,
  PlegMode,
  PodLifecycleEvent,
  PodLifecycleEventType,
  RelistDurations,
} from "./types.js";

/** Relist period while container events flow: 300 s (`eventedPlegRelistPeriod`). */
export const EVENTED_PLEG_RELIST_PERIOD_MS = 300_000;
/** Health threshold while container events flow: 10 min (`eventedPlegRelistThreshold`). */
export const EVENTED_PLEG_RELIST_THRESHOLD_MS = 600_000;
/** Broken event streams tolerated before falling back to relisting (`eventedPlegMaxStreamRetries`). */
export const EVENTED_PLEG_MAX_STREAM_RETRIES = 5;
/**
 * While events flow, the cache is marked current this often (`globalCacheUpdatePeriod`), so a pod worker
 * waiting for a newer status is not held until the 300 s relist: 5 s.
 */
export const EVENTED_PLEG_CACHE_UPDATE_PERIOD_MS = 5_000;

/**
 * Creates the evented PLEG (the kubelet's `pleg/evented.go`, gate `EventedPLEG`): container events from the
 * runtime's stream refresh the pod's cached status and become lifecycle events at once (`started` →
 * ContainerStarted, `stopped` → ContainerDied, `deleted` → ContainerDied + ContainerRemoved, `created` →
 * status only), while a generic PLEG keeps relisting every 300 s as a safety net (healthy within 10 min).
 * When the runtime has no stream (`watchContainerEvents` absent or `Unimplemented`, as containerd 1.6), or
 * the stream broke `maxStreamRetries` times (each break forces a relist), it falls back to relisting every
 * second for good.
 */
export function createEventedPleg(options: EventedPlegOptions): Pleg {
  const clock = options.clock ?? createRealClock();
  const logger = (options.logger ?? createNoopLogger()).child({ component: "evented-pleg" });
  const genericDurations: RelistDurations = {
    relistPeriodMs: options.relistPeriodMs ?? PLEG_RELIST_PERIOD_MS,
    relistThresholdMs: options.relistThresholdMs ?? PLEG_RELIST_THRESHOLD_MS,
  };
  const eventedDurations: RelistDurations = {
    relistPeriodMs: options.eventedRelistPeriodMs ?? EVENTED_PLEG_RELIST_PERIOD_MS,
    relistThresholdMs: options.eventedRelistThresholdMs ?? EVENTED_PLEG_RELIST_THRESHOLD_MS,
  };
  const maxStreamRetries = options.maxStreamRetries ?? EVENTED_PLEG_MAX_STREAM_RETRIES;
  const { runtime } = options;
  const watch = runtime.watchContainerEvents?.bind(runtime);
  const cache = options.cache ?? createPodCache();
  const generic = createGenericPleg({
    runtime,
    clock,
    logger,
    cache,
    ...(watch === undefined ? genericDurations : eventedDurations),
  });
  const hub = createEventHub<PlegEvents>({ logger });
  generic.on("event", (event) => hub.emit("event", event));

  let mode: PlegMode = watch === undefined ? "generic" : "evented";
  let running = false;
  let abort: AbortController | undefined;
  let watcher: Promise<void> | undefined;
  let cacheTicker: TimerHandle | undefined;

  function tickCache(): void {
    cacheTicker = clock.setTimeout(() => {
      cacheTicker = undefined;
      if (!running || mode !== "evented") return;
      cache.updateTime(clock.now());
      tickCache();
    }, EVENTED_PLEG_CACHE_UPDATE_PERIOD_MS);
  }

  async function fallBack(reason: unknown): Promise<void> {
    if (mode === "generic") return;
    mode = "generic";
    logger.warn({ err: reason }, "falling back to Generic PLEG relisting since Evented PLEG is not working");
    await generic.stop();
    generic.setRelistDurations(genericDurations);
    if (running) await generic.start();
  }

  async function watchEvents(stream: NonNullable<typeof watch>, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (running && mode === "evented") {
      if (failures >= maxStreamRetries) {
        await fallBack(new KubeletKitError("Unavailable", `event stream failed ${failures} times`));
        return;
      }
      let failure: unknown;
      try {
        for await (const event of stream(signal)) await processEvent(event);
        failure = new KubeletKitError("Unavailable", "container event stream ended");
      } catch (err) {
        failure = err;
      }
      if (!running || signal.aborted) return;
      if (isKubeletKitError(failure) && failure.code === "Unimplemented") {
        await fallBack(failure);
        return;
      }
      failures++;
      logger.info({ err: failure, failures }, "Evented PLEG: Failed to get container events, retrying");
      // Whatever happened while the stream was down is picked up by a relist.
      await generic.relist();
    }
  }

  async function processEvent(event: RuntimeContainerEvent): Promise<void> {
    const { podUid } = event;
    let send: boolean;
    try {
      const status = await runtime.getPodStatus(podUid, event.podName, event.podNamespace);
      if (event.type === "deleted") {
        if (status.containers.length === 0 && status.sandboxes.length === 0) cache.delete(podUid);
        send = true;
      } else {
        const previous = cache.get(podUid)?.status;
        send = cache.set(podUid, { status: keepPodIps(status, previous), timestampMs: event.atMs });
      }
    } catch (err) {
      logger.error({ err, podUid }, "Evented PLEG: error generating pod status from the received event");
      send = cache.set(podUid, { error: err, timestampMs: event.atMs });
    }
    if (!send) return;
    const emit = (type: PodLifecycleEventType): void => {
      const lifecycle: PodLifecycleEvent = { podUid, type, containerId: event.containerId };
      hub.emit("event", lifecycle);
    };
    switch (event.type) {
      case "started":
        emit("ContainerStarted");
        break;
      case "stopped":
        emit("ContainerDied");
        break;
      case "deleted":
        emit("ContainerDied");
        emit("ContainerRemoved");
        break;
      case "created":
        // Creation only refreshes the status, as the generic PLEG ignores created containers.
        break;
    }
  }

  return {
    on: hub.on,
    once: hub.once,
    async start() {
      if (running) return;
      running = true;
      await generic.start();
      if (watch !== undefined && mode === "evented") {
        abort = new AbortController();
        watcher = watchEvents(watch, abort.signal).catch((err: unknown) => {
          logger.error({ err }, "Evented PLEG: event watcher failed");
        });
        tickCache();
      }
    },
    async stop() {
      running = false;
      abort?.abort(new KubeletKitError("Canceled", "PLEG stopped"));
      if (cacheTicker !== undefined) clock.clearTimeout(cacheTicker);
      cacheTicker = undefined;
      await watcher;
      await generic.stop();
    },
    relist: () => generic.relist(),
    healthy: () => generic.healthy(),
    getPodStatus: (podUid) => cache.get(podUid),
    cache,
    mode: () => mode,
  };
}
