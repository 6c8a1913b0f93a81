import { createFakeClock, KubeletKitError, type RuntimeContainerEvent } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { FakeRuntime, flush } from "../workers/test-support.js";
import { createEventedPleg, EVENTED_PLEG_CACHE_UPDATE_PERIOD_MS } from "./evented-pleg.js";
import { createPodCache } from "./pod-status-cache.js";
import type { PodLifecycleEvent } from "./types.js";

/** A container event stream the test feeds by hand; one per `watchContainerEvents` call. */
class ScriptedStream {
  private queue: RuntimeContainerEvent[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;
  calls = 0;

  readonly watch = (signal: AbortSignal): AsyncIterable<RuntimeContainerEvent> => {
    this.calls++;
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (signal.aborted) throw signal.reason;
          const next = self.queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          if (self.failure !== undefined) {
            const failure = self.failure;
            self.failure = undefined;
            throw failure;
          }
          await new Promise<void>((resolve) => {
            self.wake = resolve;
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
        }
      },
    };
  };

  push(event: RuntimeContainerEvent): void {
    this.queue.push(event);
    this.wake?.();
  }

  fail(error: unknown): void {
    this.failure = error;
    this.wake?.();
  }
}

function setup(watch?: (signal: AbortSignal) => AsyncIterable<RuntimeContainerEvent>) {
  const clock = createFakeClock();
  const runtime = new FakeRuntime(clock);
  runtime.watchContainerEvents = watch;
  const pleg = createEventedPleg({ runtime, clock });
  const events: PodLifecycleEvent[] = [];
  pleg.on("event", (event) => events.push(event));
  const take = (): string[] => events.splice(0).map((e) => `${e.type}:${e.containerId ?? "-"}`);
  return { clock, runtime, pleg, take };
}

const event = (
  type: RuntimeContainerEvent["type"],
  containerId: string,
  atMs: number,
): RuntimeContainerEvent => ({
  type,
  containerId,
  podUid: "p",
  podName: "pod-p",
  podNamespace: "default",
  atMs,
});

describe("evented PLEG", () => {
  it("turns container events into lifecycle events at once, and relists only every 300 s", async () => {
    const stream = new ScriptedStream();
    const env = setup(stream.watch);
    await env.pleg.start();
    await flush();
    expect(env.pleg.mode()).toBe("evented");
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    stream.push(event("created", "c1", env.clock.now()));
    stream.push(event("started", "c1", env.clock.now()));
    await flush();
    expect(env.take()).toEqual(["ContainerStarted:c1"]);
    expect(env.pleg.getPodStatus("p")?.status?.containers.map((c) => c.id)).toEqual(["c1"]);
    env.runtime.exitAll("p");
    stream.push(event("stopped", "c1", env.clock.now()));
    env.runtime.removeContainer("p", "c1");
    stream.push(event("deleted", "c1", env.clock.now()));
    await flush();
    expect(env.take()).toEqual(["ContainerDied:c1", "ContainerDied:c1", "ContainerRemoved:c1"]);

    await env.clock.advanceAsync(299_999);
    expect(env.runtime.countCalls("listPods")).toBe(1);
    await env.clock.advanceAsync(1);
    expect(env.runtime.countCalls("listPods")).toBe(2);
    await env.pleg.stop();
  });

  it("ignores an event older than the status already cached", async () => {
    const stream = new ScriptedStream();
    const env = setup(stream.watch);
    await env.pleg.start();
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    stream.push(event("started", "c1", env.clock.now()));
    stream.push(event("started", "c1", env.clock.now() - 5_000));
    await flush();
    expect(env.take()).toEqual(["ContainerStarted:c1"]);
    await env.pleg.stop();
  });

  it("counts as healthy for 10 min without a successful relist while events flow", async () => {
    const stream = new ScriptedStream();
    const env = setup(stream.watch);
    await env.pleg.start();
    await env.clock.advanceAsync(0);
    env.runtime.listError = new Error("list failed");
    await env.clock.advanceAsync(600_000);
    expect(env.pleg.healthy().ok).toBe(true);
    await env.clock.advanceAsync(1);
    expect(env.pleg.healthy().message).toBe("pleg was last seen active 10m0.001s ago; threshold is 10m0s");
    await env.pleg.stop();
  });

  it("falls back to relisting every second when the runtime answers Unimplemented (containerd 1.6)", async () => {
    const env = setup(() => {
      throw new KubeletKitError("Unimplemented", "unknown method GetContainerEvents");
    });
    await env.pleg.start();
    await flush();
    expect(env.pleg.mode()).toBe("generic");
    await env.clock.advanceAsync(3_000);
    expect(env.runtime.countCalls("listPods")).toBe(4);
    await env.pleg.stop();
  });

  it("relists every second when the runtime offers no event stream", async () => {
    const env = setup();
    expect(env.pleg.mode()).toBe("generic");
    await env.pleg.start();
    await env.clock.advanceAsync(2_000);
    expect(env.runtime.countCalls("listPods")).toBe(3);
    await env.pleg.stop();
  });

  it("retries a broken stream 5 times, relisting after each break, then falls back", async () => {
    const stream = new ScriptedStream();
    const env = setup(stream.watch);
    await env.pleg.start();
    await env.clock.advanceAsync(0);
    for (let i = 1; i <= 5; i++) {
      stream.fail(new KubeletKitError("Unavailable", "stream reset"));
      await flush();
      expect(stream.calls).toBe(Math.min(i + 1, 5));
    }
    expect(env.pleg.mode()).toBe("generic");
    // One relist at start plus one forced relist per break, then the fallback relists at once.
    expect(env.runtime.countCalls("listPods")).toBe(6);
    await env.clock.advanceAsync(0);
    expect(env.runtime.countCalls("listPods")).toBe(7);
    await env.clock.advanceAsync(1_000);
    expect(env.runtime.countCalls("listPods")).toBe(8);
    await env.pleg.stop();
  });

  it("marks the shared cache current every 5 s while events flow, and writes the cache it is given", async () => {
    const stream = new ScriptedStream();
    const cache = createPodCache();
    const clock = createFakeClock();
    const runtime = new FakeRuntime(clock);
    runtime.watchContainerEvents = stream.watch;
    const pleg = createEventedPleg({ runtime, clock, cache });
    expect(pleg.cache).toBe(cache);
    await pleg.start();
    await clock.advanceAsync(0);
    const firstRelistAt = cache.currentAsOfMs();
    expect(firstRelistAt).toBe(clock.now());
    await clock.advanceAsync(EVENTED_PLEG_CACHE_UPDATE_PERIOD_MS - 1);
    expect(cache.currentAsOfMs()).toBe(firstRelistAt);
    await clock.advanceAsync(1);
    expect(cache.currentAsOfMs()).toBe(clock.now());
    // Only the 300 s relist lists; the 5 s ticks do not.
    expect(runtime.countCalls("listPods")).toBe(1);
    await pleg.stop();
  });
});
