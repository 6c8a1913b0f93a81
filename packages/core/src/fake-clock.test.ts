import { describe, expect, it } from "vitest";
import { isKubeletKitError } from "./errors.js";
import { createFakeClock } from "./fake-clock.js";

describe("fake clock", () => {
  it("starts at a fixed, non-zero epoch unless told otherwise", () => {
    expect(createFakeClock().now()).toBe(1_700_000_000_000);
    expect(createFakeClock({ nowMs: 5 }).now()).toBe(5);
  });

  it("fires timers in due-time order, whatever the creation order", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("c"), 30);
    clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("b"), 20);
    clock.advance(30);
    expect(fired).toEqual(["a", "b", "c"]);
  });

  it("fires timers due at the same time in creation order", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: number[] = [];
    for (let i = 0; i < 5; i++) clock.setTimeout(() => fired.push(i), 10);
    clock.setTimeout(() => fired.push(-1), 5);
    clock.advance(10);
    expect(fired).toEqual([-1, 0, 1, 2, 3, 4]);
  });

  it("reports each timer's due time as now() inside its callback, and the target after", () => {
    const clock = createFakeClock({ nowMs: 1_000 });
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 7);
    clock.setTimeout(() => seen.push(clock.now()), 250);
    clock.advance(1_000);
    expect(seen).toEqual([1_007, 1_250]);
    expect(clock.now()).toBe(2_000);
  });

  it("does not fire timers due after the window, nor before their time", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(100), 100);
    clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(1);
    expect(fired).toEqual([100]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("fires timers scheduled by callbacks when they fall within the window", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => {
      fired.push(["outer", clock.now()]);
      clock.setTimeout(() => fired.push(["inner-in-window", clock.now()]), 40);
      clock.setTimeout(() => fired.push(["inner-after-window", clock.now()]), 80);
    }, 50);
    clock.setTimeout(() => fired.push(["sibling", clock.now()]), 60);
    clock.advance(100);
    expect(fired).toEqual([
      ["outer", 50],
      ["sibling", 60],
      ["inner-in-window", 90],
    ]);
    expect(clock.nextDueMs()).toBe(130);
  });

  it("runs a zero-delay timer scheduled by a callback after the timers already due at that instant", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push("first");
      clock.setTimeout(() => fired.push("nested"), 0);
    }, 10);
    clock.setTimeout(() => fired.push("second"), 10);
    clock.advance(10);
    expect(fired).toEqual(["first", "second", "nested"]);
  });

  it("never fires a cleared timer, and ignores clearing twice or clearing foreign handles", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const other = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("b"), 10);
    const foreign = other.setTimeout(() => fired.push("foreign"), 10);
    clock.clearTimeout(a);
    clock.clearTimeout(a);
    clock.clearTimeout(foreign);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(10);
    other.advance(10);
    expect(fired).toEqual(["b", "foreign"]);
  });

  it("lets a callback clear a timer due at the same instant", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push("killer");
      clock.clearTimeout(victim);
    }, 10);
    const victim = clock.setTimeout(() => fired.push("victim"), 10);
    clock.setTimeout(() => fired.push("bystander"), 10);
    clock.advance(10);
    expect(fired).toEqual(["killer", "bystander"]);
  });

  it("keeps thousands of timers ordered and cheap to clear", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: number[] = [];
    const handles = [];
    // A deterministic shuffle of due times 0..4999, with every third timer cleared.
    for (let i = 0; i < 5_000; i++) {
      const due = (i * 7_919) % 5_000;
      handles.push({ due, handle: clock.setTimeout(() => fired.push(due), due) });
    }
    for (const [i, { handle }] of handles.entries()) if (i % 3 === 0) clock.clearTimeout(handle);
    const expected = handles
      .filter((_, i) => i % 3 !== 0)
      .map(({ due }) => due)
      .sort((x, y) => x - y);
    expect(clock.pendingTimers()).toBe(expected.length);
    clock.advance(5_000);
    expect(fired).toEqual(expected);
  });

  it("treats negative and NaN delays as zero and never fires an Infinity delay", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("negative"), -5);
    clock.setTimeout(() => fired.push("nan"), Number.NaN);
    clock.setTimeout(() => fired.push("never"), Number.POSITIVE_INFINITY);
    expect(clock.runAllDue()).toBe(2);
    clock.advance(Number.MAX_SAFE_INTEGER / 2);
    expect(fired).toEqual(["negative", "nan"]);
  });

  it("runAllDue fires only what is due now, including zero-delay follow-ups, and counts them", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push("due");
      clock.setTimeout(() => fired.push("follow-up"), 0);
    }, 0);
    clock.setTimeout(() => fired.push("later"), 1);
    expect(clock.runAllDue()).toBe(2);
    expect(fired).toEqual(["due", "follow-up"]);
    expect(clock.now()).toBe(0);
  });

  it("setTime moves forward firing due timers, and refuses to go back", () => {
    const clock = createFakeClock({ nowMs: 100 });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 50);
    clock.setTime(200);
    expect(fired).toEqual([150]);
    expect(clock.now()).toBe(200);
    expect(() => clock.setTime(199)).toThrowError(expect.objectContaining({ code: "InvalidArgument" }));
  });

  it("rejects negative or non-finite advances", () => {
    const clock = createFakeClock();
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.advance(ms)).toThrowError(expect.objectContaining({ code: "InvalidArgument" }));
    }
  });

  it("nextDueMs reports the earliest pending timer, skipping cleared ones", () => {
    const clock = createFakeClock({ nowMs: 0 });
    expect(clock.nextDueMs()).toBeUndefined();
    const early = clock.setTimeout(() => {}, 5);
    clock.setTimeout(() => {}, 9);
    expect(clock.nextDueMs()).toBe(5);
    clock.clearTimeout(early);
    expect(clock.nextDueMs()).toBe(9);
  });

  it("propagates a callback's exception, leaving time at that timer and later timers pending", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => {
      throw new Error("boom");
    }, 10);
    clock.setTimeout(() => fired.push("later"), 20);
    expect(() => clock.advance(100)).toThrow("boom");
    expect(clock.now()).toBe(10);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(10);
    expect(fired).toEqual(["later"]);
  });

  it("refuses to advance from inside a timer callback", () => {
    const clock = createFakeClock({ nowMs: 0 });
    let caught: unknown;
    clock.setTimeout(() => {
      try {
        clock.advance(1);
      } catch (error) {
        caught = error;
      }
    }, 1);
    clock.advance(1);
    expect(isKubeletKitError(caught, "FailedPrecondition")).toBe(true);
  });

  it("stops a timer that keeps re-arming itself with no delay instead of hanging", () => {
    const clock = createFakeClock({ nowMs: 0, loopLimit: 100 });
    const rearm = (): void => {
      clock.setTimeout(rearm, 0);
    };
    clock.setTimeout(rearm, 0);
    expect(() => clock.advance(1)).toThrowError(expect.objectContaining({ code: "ResourceExhausted" }));
  });

  it("allows many timers at distinct instants beyond the loop limit", () => {
    const clock = createFakeClock({ nowMs: 0, loopLimit: 10 });
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.setTimeout(tick, 1);
    };
    clock.setTimeout(tick, 1);
    clock.advance(1_000);
    expect(ticks).toBe(1_000);
  });

  describe("sleep", () => {
    it("resolves when its timer fires, not before", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      let done = false;
      const sleeping = clock.sleep(100).then(() => {
        done = true;
      });
      clock.advance(99);
      await Promise.resolve();
      expect(done).toBe(false);
      clock.advance(1);
      await sleeping;
      expect(done).toBe(true);
    });

    it("rejects with the signal's reason when aborted, and clears its timer", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const controller = new AbortController();
      const sleeping = clock.sleep(1_000, controller.signal);
      expect(clock.pendingTimers()).toBe(1);
      const reason = new Error("stop");
      controller.abort(reason);
      await expect(sleeping).rejects.toBe(reason);
      expect(clock.pendingTimers()).toBe(0);
    });

    it("rejects at once with an already-aborted signal, scheduling nothing", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const signal = AbortSignal.abort();
      await expect(clock.sleep(10, signal)).rejects.toMatchObject({ name: "AbortError" });
      expect(clock.pendingTimers()).toBe(0);
    });

    it("ignores an abort that comes after it resolved", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const controller = new AbortController();
      const sleeping = clock.sleep(10, controller.signal);
      clock.advance(10);
      controller.abort();
      await expect(sleeping).resolves.toBeUndefined();
    });
  });

  describe("advanceAsync", () => {
    it("lets a promise chain woken by a timer schedule follow-ups that fire in the same window", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const wakeups: number[] = [];
      const loop = async (): Promise<void> => {
        for (let i = 0; i < 3; i++) {
          await clock.sleep(100);
          await Promise.resolve(); // some more async work between sleeps
          wakeups.push(clock.now());
        }
      };
      const running = loop();
      await clock.advanceAsync(300);
      await running;
      expect(wakeups).toEqual([100, 200, 300]);
    });

    it("differs from advance, which fires only what was scheduled when it ran", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const wakeups: number[] = [];
      const running = (async () => {
        await clock.sleep(100);
        wakeups.push(clock.now());
        await clock.sleep(100);
        wakeups.push(clock.now());
      })();
      clock.advance(300);
      await Promise.resolve();
      await Promise.resolve();
      expect(wakeups).toEqual([300]);
      expect(clock.nextDueMs()).toBe(400);
      clock.advance(100);
      await running;
      expect(wakeups).toEqual([300, 400]);
    });

    it("runs chains pending before it starts, so their timers count", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const fired: number[] = [];
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.now()), 10));
      await clock.advanceAsync(10);
      expect(fired).toEqual([10]);
    });

    it("lets the chain of one timer run before the next timer fires", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const order: string[] = [];
      void clock.sleep(10).then(() => order.push("chain after 10"));
      clock.setTimeout(() => order.push("timer at 20"), 20);
      await clock.advanceAsync(20);
      expect(order).toEqual(["chain after 10", "timer at 20"]);
      expect(clock.now()).toBe(20);
    });

    it("refuses a second concurrent advance", async () => {
      const clock = createFakeClock({ nowMs: 0 });
      const first = clock.advanceAsync(10);
      await expect(clock.advanceAsync(10)).rejects.toMatchObject({ code: "FailedPrecondition" });
      await first;
      expect(clock.now()).toBe(10);
    });
  });
});
