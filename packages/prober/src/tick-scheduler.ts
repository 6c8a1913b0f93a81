import type { Clock, TimerHandle } from "@kubelet-kit/core";

/**
 * A periodic tick of one subscriber, on a schedule shared with every subscriber of the same period.
 * Ticks fall on the subscriber's own grid: `firstDueMs`, then every `periodMs` after it.
 */
export interface Ticker {
  /** Moves the grid so the next tick is at `dueMs` (and every period after it); `Ticker.reset` of Go. */
  reset(dueMs: number): void;
  /** Stops ticking. Idempotent. */
  cancel(): void;
  /** When the next tick is due, ms since the epoch; `undefined` once cancelled. */
  readonly nextDueMs: number | undefined;
}

/**
 * Ticks many subscribers with one clock timer per distinct period (see {@link createTickScheduler}).
 */
export interface TickScheduler {
  /**
   * Calls `onTick` at `firstDueMs` and then every `periodMs` (> 0) after it. A tick that comes late
   * (the event loop was busy, or the clock jumped) skips the ticks it missed and stays on the grid, as
   * Go's `time.Ticker` does.
   */
  subscribe(periodMs: number, firstDueMs: number, onTick: () => void): Ticker;
  /** Number of periods with at least one subscriber (= clock timers pending, at most one each). */
  readonly periodCount: number;
  /** Number of live subscribers. */
  readonly size: number;
}

/** Options of {@link createTickScheduler}. */
export interface TickSchedulerOptions {
  /** Source of time and of the timers. Required. */
  clock: Clock;
}

interface Subscriber {
  readonly group: Group;
  readonly onTick: () => void;
  dueMs: number;
  /** Bumped on every reschedule; heap entries carrying an older version are stale. */
  version: number;
  cancelled: boolean;
}

interface Entry {
  readonly subscriber: Subscriber;
  readonly version: number;
  readonly dueMs: number;
  readonly seq: number;
}

interface Group {
  readonly periodMs: number;
  readonly heap: Entry[];
  live: number;
  timer: TimerHandle | undefined;
  armedDueMs: number;
}

/**
 * Creates a {@link TickScheduler}.
 *
 * Design: subscribers with the same period form a group. A group keeps its subscribers' next due times in
 * a min-heap and holds exactly one clock timer, armed for the earliest of them. When it fires, every
 * subscriber due by then is ticked (in due order, ties in subscription order) and put back one period
 * later, and the timer is re-armed for the new earliest. Each subscriber therefore keeps its own phase
 * (the offset of its first tick), while the clock only ever holds one timer per distinct period, however
 * many thousands of subscribers share it. Subscribers of one period rarely move ahead of each other: a
 * re-queued entry is at most one period ahead, so the heap work per tick is logarithmic and small.
 */
export function createTickScheduler(options: TickSchedulerOptions): TickScheduler {
  const { clock } = options;
  const groups = new Map<number, Group>();
  let seq = 0;
  let size = 0;

  function push(group: Group, subscriber: Subscriber): void {
    heapPush(group.heap, { subscriber, version: subscriber.version, dueMs: subscriber.dueMs, seq: seq++ });
  }

  /** Drops stale entries from the top, so the top is the true earliest due subscriber. */
  function pruneTop(group: Group): Entry | undefined {
    for (;;) {
      const top = group.heap[0];
      if (top === undefined) return undefined;
      if (!top.subscriber.cancelled && top.version === top.subscriber.version) return top;
      heapPop(group.heap);
    }
  }

  function arm(group: Group): void {
    const top = pruneTop(group);
    if (top === undefined) {
      disarm(group);
      return;
    }
    if (group.timer !== undefined && group.armedDueMs <= top.dueMs) return;
    disarm(group);
    group.armedDueMs = top.dueMs;
    group.timer = clock.setTimeout(() => fire(group), top.dueMs - clock.now());
  }

  function disarm(group: Group): void {
    if (group.timer !== undefined) clock.clearTimeout(group.timer);
    group.timer = undefined;
  }

  function fire(group: Group): void {
    group.timer = undefined;
    const now = clock.now();
    const due: Subscriber[] = [];
    for (let top = pruneTop(group); top !== undefined && top.dueMs <= now; top = pruneTop(group)) {
      heapPop(group.heap);
      const subscriber = top.subscriber;
      // The next tick on this subscriber's grid that is still ahead of now.
      const missed = Math.floor((now - top.dueMs) / group.periodMs);
      subscriber.dueMs = top.dueMs + (missed + 1) * group.periodMs;
      subscriber.version++;
      push(group, subscriber);
      due.push(subscriber);
    }
    arm(group);
    for (const subscriber of due) {
      if (!subscriber.cancelled) subscriber.onTick();
    }
  }

  function release(group: Group): void {
    group.live--;
    size--;
    if (group.live > 0) return;
    disarm(group);
    groups.delete(group.periodMs);
  }

  return {
    subscribe(periodMs, firstDueMs, onTick) {
      if (!(periodMs > 0) || !Number.isFinite(periodMs)) {
        throw new RangeError(`tick period must be a positive number of ms, got ${periodMs}`);
      }
      let group = groups.get(periodMs);
      if (group === undefined) {
        group = { periodMs, heap: [], live: 0, timer: undefined, armedDueMs: 0 };
        groups.set(periodMs, group);
      }
      group.live++;
      size++;
      const subscriber: Subscriber = { group, onTick, dueMs: firstDueMs, version: 0, cancelled: false };
      push(group, subscriber);
      arm(group);
      return {
        reset(dueMs) {
          if (subscriber.cancelled || subscriber.dueMs === dueMs) return;
          subscriber.dueMs = dueMs;
          subscriber.version++;
          push(subscriber.group, subscriber);
          arm(subscriber.group);
        },
        cancel() {
          if (subscriber.cancelled) return;
          subscriber.cancelled = true;
          release(subscriber.group);
          if (groups.get(subscriber.group.periodMs) === subscriber.group) arm(subscriber.group);
        },
        get nextDueMs() {
          return subscriber.cancelled ? undefined : subscriber.dueMs;
        },
      };
    },
    get periodCount() {
      return groups.size;
    },
    get size() {
      return size;
    },
  };
}

function before(a: Entry, b: Entry): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

function heapPush(heap: Entry[], entry: Entry): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as Entry;
    if (!before(entry, p)) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = entry;
}

function heapPop(heap: Entry[]): Entry | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  let i = 0;
  const n = heap.length;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= n) break;
    const right = left + 1;
    let child = left;
    if (right < n && before(heap[right] as Entry, heap[left] as Entry)) child = right;
    const c = heap[child] as Entry;
    if (!before(c, last)) break;
    heap[i] = c;
    i = child;
  }
  heap[i] = last;
  return top;
}
