import { type Clock, normalizeDelayMs, sleepOn, type TimerHandle } from "./clock.js";
import { KubeletKitError } from "./errors.js";
import { type HeapEntry, TimerHeap } from "./timer-heap.js";

/** Options of {@link createFakeClock}. */
export interface FakeClockOptions {
  /**
   * Initial time in ms since the epoch. Default: `1_700_000_000_000` (2023-11-14T22:13:20Z), fixed so runs
   * are reproducible and non-zero so "unset" checks on timestamps do not misfire.
   */
  nowMs?: number;
  /**
   * How many timers may fire at one instant, within one `advance`/`advanceAsync`/`runAllDue` call, before
   * the clock assumes a timer keeps re-arming itself with no delay and throws `ResourceExhausted`.
   * Default: `10_000`.
   */
  loopLimit?: number;
}

/**
 * A {@link Clock} whose time moves only when told to. Rules:
 * - timers fire in due-time order; timers due at the same time fire in creation order;
 * - while a timer's callback runs, `now()` equals that timer's due time;
 * - timers created by callbacks during `advance(ms)` fire in the same call if due within the window;
 * - `sleep` resolves when its timer fires (its continuation runs on the microtask queue, so use
 *   `advanceAsync` when promise chains must react before the next timer);
 * - an exception thrown by a callback propagates out of `advance`; time stays at that timer's due time and
 *   later timers stay pending;
 * - `advance` and friends are not re-entrant: calling one from a callback throws `FailedPrecondition`.
 */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms` (>= 0), firing every timer due up to the new time. */
  advance(ms: number): void;
  /**
   * Like {@link FakeClock.advance}, but yields to the event loop (one macrotask, so all pending microtasks
   * run) before the first timer and after each one, so promise chains woken by a timer, including `sleep`,
   * run and may schedule follow-up timers before the next one fires. Like `vi.advanceTimersByTimeAsync`.
   */
  advanceAsync(ms: number): Promise<void>;
  /** Fires the timers due at the current time (including ones they schedule with no delay); returns the count. */
  runAllDue(): number;
  /** Moves time forward to `nowMs`, firing due timers as `advance` does. Moving backwards throws `InvalidArgument`. */
  setTime(nowMs: number): void;
  /** Number of timers that will still fire (timers with an `Infinity` delay are not kept). */
  pendingTimers(): number;
  /** Due time (ms since epoch) of the next timer to fire, or `undefined` when none is pending. */
  nextDueMs(): number | undefined;
}

interface FakeTimer extends HeapEntry {
  readonly handle: TimerHandle;
  readonly fn: () => void;
}

function resolveFakeClockOptions(options: FakeClockOptions): Required<FakeClockOptions> {
  const resolved = { nowMs: options.nowMs ?? 1_700_000_000_000, loopLimit: options.loopLimit ?? 10_000 };
  if (!Number.isFinite(resolved.nowMs)) {
    throw new KubeletKitError("InvalidArgument", `nowMs must be finite, got ${resolved.nowMs}`);
  }
  if (!(resolved.loopLimit >= 1)) {
    throw new KubeletKitError("InvalidArgument", `loopLimit must be >= 1, got ${resolved.loopLimit}`);
  }
  return resolved;
}

/** Creates a {@link FakeClock}. Independent instances: two fake clocks never share timers. */
export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  const { nowMs, loopLimit } = resolveFakeClockOptions(options);
  // Captured now, so a test that later fakes global timers cannot stall advanceAsync.
  const setImmediateReal = setImmediate;
  const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediateReal(resolve));

  const heap = new TimerHeap<FakeTimer>();
  const byHandle = new Map<TimerHandle, FakeTimer>();
  let now = nowMs;
  let seq = 0;
  let nextId = 1;
  let busy = false;
  let firedAtInstant = 0;

  function enter(operation: string): void {
    if (busy) {
      throw new KubeletKitError(
        "FailedPrecondition",
        `fake clock: ${operation} called while time is already moving`,
      );
    }
    busy = true;
    firedAtInstant = 0;
  }

  function checkDuration(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new KubeletKitError("InvalidArgument", `fake clock: cannot advance by ${ms} ms`);
    }
  }

  /** Fires the earliest timer if it is due at or before `limitMs`. */
  function fireNext(limitMs: number): boolean {
    const timer = heap.peek();
    if (timer === undefined || timer.dueMs > limitMs) return false;
    heap.pop();
    byHandle.delete(timer.handle);
    if (timer.dueMs > now) {
      now = timer.dueMs;
      firedAtInstant = 0;
    }
    if (++firedAtInstant > loopLimit) {
      throw new KubeletKitError(
        "ResourceExhausted",
        `fake clock: more than ${loopLimit} timers fired at ${now}; a timer probably re-arms itself with no delay`,
      );
    }
    timer.fn();
    return true;
  }

  const clock: FakeClock = {
    now: () => now,
    setTimeout(fn, delayMs) {
      const handle: TimerHandle = Object.freeze({ id: nextId++ });
      const delay = normalizeDelayMs(delayMs);
      if (delay === Number.POSITIVE_INFINITY) return handle;
      const timer: FakeTimer = { handle, fn, dueMs: now + delay, seq: seq++, index: -1 };
      heap.push(timer);
      byHandle.set(handle, timer);
      return handle;
    },
    clearTimeout(handle) {
      const timer = byHandle.get(handle);
      if (timer === undefined) return;
      byHandle.delete(handle);
      heap.remove(timer);
    },
    sleep: (delayMs, signal) => sleepOn(clock, delayMs, signal),

    advance(ms) {
      checkDuration(ms);
      enter("advance");
      try {
        const target = now + ms;
        while (fireNext(target)) {}
        now = target;
      } finally {
        busy = false;
      }
    },
    async advanceAsync(ms) {
      checkDuration(ms);
      enter("advanceAsync");
      try {
        const target = now + ms;
        await yieldToEventLoop();
        while (fireNext(target)) await yieldToEventLoop();
        now = target;
      } finally {
        busy = false;
      }
    },
    runAllDue() {
      enter("runAllDue");
      try {
        let count = 0;
        while (fireNext(now)) count++;
        return count;
      } finally {
        busy = false;
      }
    },
    setTime(targetMs) {
      if (!(targetMs >= now)) {
        throw new KubeletKitError(
          "InvalidArgument",
          `fake clock: cannot move time back from ${now} to ${targetMs}`,
        );
      }
      clock.advance(targetMs - now);
    },
    pendingTimers: () => heap.size,
    nextDueMs: () => heap.peek()?.dueMs,
  };
  return clock;
}
