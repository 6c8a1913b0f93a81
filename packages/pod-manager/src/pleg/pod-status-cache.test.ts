import { isKubeletKitError, type PodStatusSnapshot } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { createPodCache } from "./pod-status-cache.js";

const snapshot = (uid: string, timestampMs: number): PodStatusSnapshot => ({
  uid,
  name: `pod-${uid}`,
  namespace: "default",
  ips: [],
  sandboxes: [],
  containers: [],
  timestampMs,
});

/** Whether `promise` has settled after pending microtasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("pod cache", () => {
  it("answers at once with an entry observed at or after the asked time", async () => {
    const cache = createPodCache();
    const status = snapshot("a", 100);
    cache.set("a", { status, timestampMs: 100 });
    await expect(cache.getNewerThan("a", 100)).resolves.toEqual({ status, timestampMs: 100 });
    await expect(cache.getNewerThan("a", 50)).resolves.toEqual({ status, timestampMs: 100 });
  });

  it("waits for a newer entry of the pod", async () => {
    const cache = createPodCache();
    cache.set("a", { status: snapshot("a", 100), timestampMs: 100 });
    const waiting = cache.getNewerThan("a", 200);
    expect(await settled(waiting)).toBe(false);
    cache.set("b", { status: snapshot("b", 300), timestampMs: 300 });
    expect(await settled(waiting)).toBe(false);
    cache.set("a", { status: snapshot("a", 250), timestampMs: 250 });
    await expect(waiting).resolves.toMatchObject({ timestampMs: 250 });
  });

  it("waits until the whole cache is current, then returns the old entry or an empty one", async () => {
    const cache = createPodCache();
    cache.set("a", { status: snapshot("a", 100), timestampMs: 100 });
    const known = cache.getNewerThan("a", 200);
    const unknown = cache.getNewerThan("new", 0);
    // Before the first relist nothing is known about pods without an entry.
    expect(await settled(unknown)).toBe(false);
    cache.updateTime(150);
    expect(await settled(known)).toBe(false);
    await expect(unknown).resolves.toEqual({ timestampMs: 150 });
    cache.updateTime(200);
    await expect(known).resolves.toMatchObject({ timestampMs: 100, status: { uid: "a" } });
    expect(cache.currentAsOfMs()).toBe(200);
  });

  it("never moves the current time or an entry backwards", () => {
    const cache = createPodCache();
    cache.updateTime(200);
    cache.updateTime(100);
    expect(cache.currentAsOfMs()).toBe(200);
    expect(cache.set("a", { status: snapshot("a", 300), timestampMs: 300 })).toBe(true);
    expect(cache.set("a", { status: snapshot("a", 250), timestampMs: 250 })).toBe(false);
    expect(cache.get("a")?.timestampMs).toBe(300);
  });

  it("keeps a failed fetch as the entry, with its error", async () => {
    const cache = createPodCache();
    const error = new Error("runtime down");
    cache.set("a", { error, timestampMs: 100 });
    await expect(cache.getNewerThan("a", 100)).resolves.toEqual({ error, timestampMs: 100 });
  });

  it("stops waiting with Canceled when the signal aborts, and forgets the waiter", async () => {
    const cache = createPodCache();
    const abort = new AbortController();
    const waiting = cache.getNewerThan("a", 100, abort.signal);
    abort.abort(new Error("pod terminating"));
    const error = await waiting.catch((err: unknown) => err);
    expect(isKubeletKitError(error) && error.code).toBe("Canceled");
    // An aborted signal rejects at once; a satisfied lookup still answers.
    await expect(cache.getNewerThan("a", 100, abort.signal)).rejects.toMatchObject({ code: "Canceled" });
    cache.updateTime(100);
    await expect(cache.getNewerThan("a", 100, abort.signal)).resolves.toEqual({ timestampMs: 100 });
  });
});
