import { type Clock, createFakeClock } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { createTickScheduler } from "./tick-scheduler.js";

const T0 = 1_700_000_000_000;

describe("tick scheduler", () => {
  it("ticks a thousand subscribers of one period with one clock timer, each on its own phase", () => {
    const clock = createFakeClock({ nowMs: T0 });
    const scheduler = createTickScheduler({ clock });
    const ticks = new Map<number, number[]>();
    for (let i = 0; i < 1_000; i++) {
      ticks.set(i, []);
      scheduler.subscribe(10_000, T0 + i * 7, () => ticks.get(i)?.push(clock.now() - T0));
    }
    expect(clock.pendingTimers()).toBe(1);
    expect(scheduler.periodCount).toBe(1);

    clock.advance(25_000);
    expect(clock.pendingTimers()).toBe(1);
    expect(ticks.get(0)).toEqual([0, 10_000, 20_000]);
    expect(ticks.get(3)).toEqual([21, 10_021, 20_021]);
    expect(ticks.get(999)).toEqual([6_993, 16_993]);
  });

  it("keeps one timer per distinct period", () => {
    const clock = createFakeClock({ nowMs: T0 });
    const scheduler = createTickScheduler({ clock });
    const seen: string[] = [];
    for (let i = 0; i < 50; i++) {
      scheduler.subscribe(1_000, T0 + 500, () => seen.push("1s"));
      scheduler.subscribe(3_000, T0, () => seen.push("3s"));
    }
    expect(clock.pendingTimers()).toBe(2);
    clock.advance(3_000);
    expect(seen.filter((s) => s === "1s")).toHaveLength(150);
    expect(seen.filter((s) => s === "3s")).toHaveLength(100);
    expect(clock.pendingTimers()).toBe(2);
  });

  it("ticks subscribers due at the same time in the order they subscribed", () => {
    const clock = createFakeClock({ nowMs: T0 });
    const scheduler = createTickScheduler({ clock });
    const order: string[] = [];
    scheduler.subscribe(1_000, T0 + 10, () => order.push("a"));
    scheduler.subscribe(1_000, T0 + 10, () => order.push("b"));
    scheduler.subscribe(1_000, T0 + 5, () => order.push("c"));
    clock.advance(10);
    expect(order).toEqual(["c", "a", "b"]);
  });

  it("moves a subscriber's grid on reset, and lets go of the timer when the last one cancels", () => {
    const clock = createFakeClock({ nowMs: T0 });
    const scheduler = createTickScheduler({ clock });
    const a: number[] = [];
    const b: number[] = [];
    const ta = scheduler.subscribe(10_000, T0 + 10_000, () => a.push(clock.now() - T0));
    const tb = scheduler.subscribe(10_000, T0 + 10_000, () => b.push(clock.now() - T0));
    clock.advance(3_000);
    ta.reset(clock.now());
    clock.advance(0);
    expect(a).toEqual([3_000]);
    expect(ta.nextDueMs).toBe(T0 + 13_000);
    clock.advance(17_000);
    expect(a).toEqual([3_000, 13_000]);
    expect(b).toEqual([10_000, 20_000]);

    tb.cancel();
    expect(clock.pendingTimers()).toBe(1);
    ta.cancel();
    ta.cancel();
    expect(tb.nextDueMs).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    expect(scheduler.periodCount).toBe(0);
    clock.advance(60_000);
    expect(a).toEqual([3_000, 13_000]);
  });

  it("skips ticks it was too late for and stays on the subscriber's grid", () => {
    const fake = createFakeClock({ nowMs: T0 });
    let lagMs = 0;
    // A clock whose timers fire late by lagMs (a busy event loop).
    const clock: Clock = { ...fake, now: () => fake.now() + lagMs };
    const scheduler = createTickScheduler({ clock });
    const at: number[] = [];
    scheduler.subscribe(1_000, T0 + 100, () => at.push(clock.now() - T0));
    lagMs = 2_500;
    fake.advance(100);
    expect(at).toEqual([2_600]);
    lagMs = 0;
    fake.advance(3_000);
    expect(at).toEqual([2_600, 3_100]);
  });

  it("rejects a period that is not a positive number", () => {
    const scheduler = createTickScheduler({ clock: createFakeClock() });
    expect(() => scheduler.subscribe(0, 0, () => {})).toThrow(RangeError);
    expect(() => scheduler.subscribe(Number.NaN, 0, () => {})).toThrow(RangeError);
  });
});
