import { describe, expect, it } from "vitest";
import { createBackoff } from "./backoff.js";
import {
  CRASH_LOOP_BACKOFF_INITIAL_MS,
  CRASH_LOOP_BACKOFF_MAX_MS,
  CRASH_LOOP_BACKOFF_RESET_MS,
  IMAGE_PULL_BACKOFF_INITIAL_MS,
  IMAGE_PULL_BACKOFF_MAX_MS,
} from "./constants.js";
import { createFakeClock } from "./fake-clock.js";

const SECOND = 1_000;

function crashLoopBackoff() {
  const clock = createFakeClock({ nowMs: 0 });
  const backoff = createBackoff({
    initialMs: CRASH_LOOP_BACKOFF_INITIAL_MS,
    maxMs: CRASH_LOOP_BACKOFF_MAX_MS,
    resetAfterMs: CRASH_LOOP_BACKOFF_RESET_MS,
    clock,
  });
  return { clock, backoff };
}

describe("back-off", () => {
  it("doubles from 10 s and caps at 300 s, like CrashLoopBackOff", () => {
    const { backoff } = crashLoopBackoff();
    const delays = Array.from({ length: 8 }, () => backoff.next("c") / SECOND);
    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    expect(backoff.get("c")).toBe(300 * SECOND);
  });

  it("keeps ids independent", () => {
    const { backoff } = crashLoopBackoff();
    backoff.next("a");
    backoff.next("a");
    expect(backoff.next("b")).toBe(10 * SECOND);
    expect(backoff.get("a")).toBe(20 * SECOND);
    expect(backoff.get("unknown")).toBe(0);
    expect(backoff.size()).toBe(2);
  });

  it("applies a custom factor", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const backoff = createBackoff({ initialMs: 100, maxMs: 1_000, factor: 3, clock });
    expect([backoff.next("x"), backoff.next("x"), backoff.next("x"), backoff.next("x")]).toEqual([
      100, 300, 900, 1_000,
    ]);
  });

  it("starts over at the initial delay once the event is more than resetAfterMs past the last update", () => {
    const { clock, backoff } = crashLoopBackoff();
    backoff.next("c"); // 10 s, updated at 0
    backoff.next("c"); // 20 s
    clock.advance(CRASH_LOOP_BACKOFF_RESET_MS);
    expect(backoff.next("c")).toBe(40 * SECOND); // exactly 600 s later: not yet expired
    clock.advance(CRASH_LOOP_BACKOFF_RESET_MS + 1);
    expect(backoff.next("c")).toBe(10 * SECOND);
  });

  it("judges expiry by the event time passed to next, as the kubelet does with finishedAt", () => {
    const { clock, backoff } = crashLoopBackoff();
    backoff.next("c");
    backoff.next("c"); // 20 s, last update at 0
    clock.advance(2 * CRASH_LOOP_BACKOFF_RESET_MS);
    // The container exited long ago, only 100 s after the last update: no reset, even though now is far later.
    expect(backoff.next("c", 100 * SECOND)).toBe(40 * SECOND);
  });

  it("defaults resetAfterMs to twice maxMs, like client-go", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const backoff = createBackoff({
      initialMs: IMAGE_PULL_BACKOFF_INITIAL_MS,
      maxMs: IMAGE_PULL_BACKOFF_MAX_MS,
      clock,
    });
    backoff.next("img");
    backoff.next("img");
    clock.advance(2 * IMAGE_PULL_BACKOFF_MAX_MS);
    expect(backoff.next("img")).toBe(40 * SECOND);
    clock.advance(2 * IMAGE_PULL_BACKOFF_MAX_MS + 1);
    expect(backoff.next("img")).toBe(10 * SECOND);
  });

  describe("isInBackoffSince (crash loops: measured from the container's exit)", () => {
    it("is true until the current delay has passed since the event", () => {
      const { clock, backoff } = crashLoopBackoff();
      expect(backoff.isInBackoffSince("c", clock.now())).toBe(false); // unknown id
      const finishedAt = clock.now();
      backoff.next("c", finishedAt); // 10 s
      clock.advance(10 * SECOND - 1);
      expect(backoff.isInBackoffSince("c", finishedAt)).toBe(true);
      clock.advance(1);
      expect(backoff.isInBackoffSince("c", finishedAt)).toBe(false);
    });

    it("restarts a crash-looping container after 10 s, 20 s, 40 s", () => {
      const { clock, backoff } = crashLoopBackoff();
      const restartsAt: number[] = [];
      let finishedAt = clock.now(); // the container crashes at once, every time
      for (let tick = 0; tick <= 100; tick++) {
        if (!backoff.isInBackoffSince("c", finishedAt)) {
          backoff.next("c", finishedAt);
          restartsAt.push(clock.now() / SECOND);
          finishedAt = clock.now();
        }
        clock.advance(SECOND);
      }
      expect(restartsAt).toEqual([0, 10, 30, 70]);
    });

    it("is false when the entry expired relative to the event", () => {
      const { clock, backoff } = crashLoopBackoff();
      backoff.next("c");
      clock.advance(CRASH_LOOP_BACKOFF_RESET_MS + 1);
      // The container ran for more than 600 s after the last step and just exited.
      expect(backoff.isInBackoffSince("c", clock.now())).toBe(false);
    });
  });

  describe("isInBackoffSinceUpdate (image pulls: measured from the last failure)", () => {
    it("is true until the current delay has passed since the last update", () => {
      const clock = createFakeClock({ nowMs: 0 });
      const backoff = createBackoff({
        initialMs: IMAGE_PULL_BACKOFF_INITIAL_MS,
        maxMs: IMAGE_PULL_BACKOFF_MAX_MS,
        clock,
      });
      expect(backoff.isInBackoffSinceUpdate("img", clock.now())).toBe(false);
      backoff.next("img"); // failed pull at 0: 10 s
      clock.advance(5 * SECOND);
      expect(backoff.isInBackoffSinceUpdate("img", clock.now())).toBe(true);
      clock.advance(5 * SECOND);
      expect(backoff.isInBackoffSinceUpdate("img", clock.now())).toBe(false);
      backoff.next("img"); // failed again at 10 s: 20 s
      clock.advance(19 * SECOND);
      expect(backoff.isInBackoffSinceUpdate("img", clock.now())).toBe(true);
      clock.advance(SECOND);
      expect(backoff.isInBackoffSinceUpdate("img", clock.now())).toBe(false);
    });
  });

  it("reset forgets an id, so its next step is the initial delay", () => {
    const { backoff } = crashLoopBackoff();
    backoff.next("c");
    backoff.next("c");
    backoff.reset("c");
    expect(backoff.get("c")).toBe(0);
    expect(backoff.size()).toBe(0);
    expect(backoff.next("c")).toBe(10 * SECOND);
  });

  it("gc drops only entries idle for longer than resetAfterMs", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const backoff = createBackoff({ initialMs: 10, maxMs: 100, clock }); // resetAfterMs = 200
    backoff.next("old");
    clock.advance(150);
    backoff.next("recent");
    clock.advance(50);
    expect(backoff.gc()).toBe(0); // "old" idle exactly 200 ms: kept
    clock.advance(1);
    expect(backoff.gc()).toBe(1);
    expect(backoff.get("old")).toBe(0);
    expect(backoff.get("recent")).toBe(10);
    expect(backoff.size()).toBe(1);
  });

  it("adds jitter as a fraction of the previous delay, never beyond maxMs", () => {
    const clock = createFakeClock({ nowMs: 0 });
    const backoff = createBackoff({ initialMs: 100, maxMs: 500, jitter: 0.5, random: () => 0.5, clock });
    // 100 + 0.25*100; 125*2 + 0.25*125; 281.25*2 + … → capped.
    expect([backoff.next("j"), backoff.next("j"), backoff.next("j")]).toEqual([125, 281.25, 500]);
  });

  it("rejects options that make no sense", () => {
    const clock = createFakeClock();
    const bad = [
      { initialMs: 0, maxMs: 10 },
      { initialMs: 20, maxMs: 10 },
      { initialMs: 10, maxMs: 20, factor: 0.5 },
      { initialMs: 10, maxMs: 20, jitter: -1 },
      { initialMs: Number.NaN, maxMs: 20 },
    ];
    for (const options of bad) {
      expect(() => createBackoff({ ...options, clock })).toThrowError(
        expect.objectContaining({ code: "InvalidArgument" }),
      );
    }
  });
});
