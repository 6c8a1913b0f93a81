import { afterEach, describe, expect, it, vi } from "vitest";
import { createRealClock, sleepOn } from "./clock.js";
import { createFakeClock } from "./fake-clock.js";

const activeTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("real clock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads the wall clock", () => {
    const before = Date.now();
    const now = createRealClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("sleeps for at least the requested delay", async () => {
    const clock = createRealClock();
    const start = performance.now();
    await clock.sleep(20);
    // Node may fire up to ~1 ms early relative to performance.now() because of rounding.
    expect(performance.now() - start).toBeGreaterThanOrEqual(19);
  });

  it("rejects a sleep with the signal's reason as soon as it is aborted", async () => {
    const clock = createRealClock();
    const start = performance.now();
    const reason = new Error("shutting down");
    const sleeping = clock.sleep(10_000, AbortSignal.timeout(5));
    await expect(sleeping).rejects.toMatchObject({ name: "TimeoutError" });
    await expect(clock.sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it("never runs a cleared timer", async () => {
    const clock = createRealClock();
    const fn = vi.fn();
    const handle = clock.setTimeout(fn, 5);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    await clock.sleep(20);
    expect(fn).not.toHaveBeenCalled();
  });

  it("keeps the process alive with its timers by default, and not with unref", () => {
    const refClock = createRealClock();
    const unrefClock = createRealClock({ unref: true });
    const base = activeTimeouts();
    const refHandle = refClock.setTimeout(() => {}, 60_000);
    expect(activeTimeouts()).toBe(base + 1);
    const unrefHandle = unrefClock.setTimeout(() => {}, 60_000);
    expect(activeTimeouts()).toBe(base + 1);
    refClock.clearTimeout(refHandle);
    unrefClock.clearTimeout(unrefHandle);
    expect(activeTimeouts()).toBe(base);
  });

  it("honours delays beyond Node's 2^31-1 ms limit instead of firing at once", () => {
    vi.useFakeTimers();
    const clock = createRealClock();
    const fn = vi.fn();
    const limit = 2_147_483_647;
    clock.setTimeout(fn, limit + 1_000);
    vi.advanceTimersByTime(limit);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(999);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
  });

  it("can clear a long timer after it re-armed", () => {
    vi.useFakeTimers();
    const clock = createRealClock();
    const fn = vi.fn();
    const handle = clock.setTimeout(fn, 2_147_483_647 + 10);
    vi.advanceTimersByTime(2_147_483_647);
    clock.clearTimeout(handle);
    vi.advanceTimersByTime(100);
    expect(fn).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("sleepOn", () => {
  it("rejects with a Canceled KubeletKitError when the signal aborts without a reason", async () => {
    const clock = createFakeClock();
    // A signal-like object whose abort carries no reason (AbortController always supplies one).
    const target = new EventTarget();
    const signal = Object.assign(target, { aborted: false, reason: undefined }) as unknown as AbortSignal;
    const sleeping = sleepOn(clock, 100, signal);
    target.dispatchEvent(new Event("abort"));
    await expect(sleeping).rejects.toMatchObject({ name: "KubeletKitError", code: "Canceled" });
    expect(clock.pendingTimers()).toBe(0);
  });
});
