/** An entry of {@link TimerHeap}. `index` is owned by the heap: -1 when the entry is not in it. */
export interface HeapEntry {
  readonly dueMs: number;
  /** Creation order; breaks ties between equal `dueMs` (earlier first). */
  readonly seq: number;
  index: number;
}

/**
 * A binary min-heap ordered by (`dueMs`, `seq`) that tracks each entry's position, so removing an
 * arbitrary entry (a cleared timer) is O(log n) instead of leaving tombstones behind.
 * Internal to the package: the fake clock is its only user.
 */
export class TimerHeap<T extends HeapEntry> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(entry: T): void {
    entry.index = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.index);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `entry` if it is in the heap; returns whether it was. */
  remove(entry: T): boolean {
    const items = this.#items;
    const i = entry.index;
    if (i < 0 || items[i] !== entry) return false;
    const last = items.pop() as T;
    entry.index = -1;
    if (last !== entry) {
      items[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
    return true;
  }

  #less(a: T, b: T): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const a = items[i] as T;
    const b = items[j] as T;
    items[i] = b;
    items[j] = a;
    a.index = j;
    b.index = i;
  }

  #up(start: number): void {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#items[i] as T, this.#items[parent] as T)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(start: number): void {
    const items = this.#items;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.#less(items[left] as T, items[smallest] as T)) smallest = left;
      if (right < items.length && this.#less(items[right] as T, items[smallest] as T)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}
