import { KubeletKitError } from "./errors.js";

/**
 * Identifies a timer created by a {@link Clock}. Treat it as opaque: only the clock that created it can
 * clear it, and a clock ignores handles it did not create.
 */
export interface TimerHandle {
  readonly id: number;
}

/**
 * Time as a dependency. Every period, timeout, back-off and grace period in kubelet-kit runs on an injected
 * `Clock`, so tests can use the fake clock and run ten minutes of CrashLoopBackOff in milliseconds.
 *
 * Delays: negative or `NaN` delays count as 0; `Infinity` means the timer never fires.
 */
export interface Clock {
  /** Current time in milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `delayMs` milliseconds from now. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a pending timer. Unknown, fired or already cleared handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Resolves after `delayMs` milliseconds. When `signal` aborts first (or is already aborted), the timer is
   * cleared and the promise rejects with `signal.reason`, or with a `Canceled` {@link KubeletKitError} when
   * the signal carries no reason. `KubeletKitError.from(reason)` maps the default `AbortError` to `Canceled`.
   */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Options of {@link createRealClock}. */
export interface RealClockOptions {
  /**
   * Unref the underlying Node.js timers, so pending timers of this clock do not keep the process alive.
   * Default: `false` (timers are ref'd, like plain `setTimeout`).
   */
  unref?: boolean;
}

/** Node.js timers overflow above 2^31-1 ms (they would fire after 1 ms); longer delays are chained. */
const MAX_NODE_TIMER_DELAY_MS = 2_147_483_647;

function resolveRealClockOptions(options: RealClockOptions): Required<RealClockOptions> {
  return { unref: options.unref ?? false };
}

/**
 * A {@link Clock} over the process's timers and `Date.now()`. `now()` follows the wall clock (it can jump
 * when the system time is set); timers run on Node's monotonic timer list. Delays longer than Node's limit
 * (about 24.8 days) are honoured by re-arming, not truncated.
 */
export function createRealClock(options: RealClockOptions = {}): Clock {
  const { unref } = resolveRealClockOptions(options);
  const active = new Map<TimerHandle, ReturnType<typeof setTimeout>>();
  let nextId = 1;

  function arm(handle: TimerHandle, fn: () => void, remainingMs: number): void {
    const chunkMs = Math.min(remainingMs, MAX_NODE_TIMER_DELAY_MS);
    const timer = setTimeout(() => {
      if (remainingMs > chunkMs) {
        arm(handle, fn, remainingMs - chunkMs);
        return;
      }
      active.delete(handle);
      fn();
    }, chunkMs);
    if (unref) timer.unref();
    active.set(handle, timer);
  }

  const clock: Clock = {
    now: () => Date.now(),
    setTimeout(fn, delayMs) {
      const handle: TimerHandle = Object.freeze({ id: nextId++ });
      const delay = normalizeDelayMs(delayMs);
      if (delay !== Number.POSITIVE_INFINITY) arm(handle, fn, delay);
      return handle;
    },
    clearTimeout(handle) {
      const timer = active.get(handle);
      if (timer === undefined) return;
      active.delete(handle);
      clearTimeout(timer);
    },
    sleep: (delayMs, signal) => sleepOn(clock, delayMs, signal),
  };
  return clock;
}

/** Clamps a delay the way every kubelet-kit clock does: `NaN` and negatives → 0; `Infinity` stays. */
export function normalizeDelayMs(delayMs: number): number {
  // Not Math.max: it would keep NaN.
  return Number.isNaN(delayMs) || delayMs < 0 ? 0 : delayMs;
}

/**
 * `Clock.sleep` written once over a clock's `setTimeout`/`clearTimeout`; for implementers of {@link Clock}.
 */
export function sleepOn(
  clock: Pick<Clock, "setTimeout" | "clearTimeout">,
  delayMs: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(abortReason(signal));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new KubeletKitError("Canceled", "sleep was aborted");
}
