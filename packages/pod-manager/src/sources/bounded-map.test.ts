import { describe, expect, it } from "vitest";
import { mapBounded } from "./bounded-map.js";

describe("bounded parallel map", () => {
  it("keeps at most `limit` calls in flight and returns results in item order, whatever order they finish in", async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    let inFlight = 0;
    let most = 0;
    const pending: (() => void)[] = [];
    const run = mapBounded(items, 4, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => pending.push(resolve));
      inFlight--;
      return item * 10;
    });
    // Finish the newest call first, every time, until all are done.
    while (pending.length > 0 || inFlight > 0) {
      await Promise.resolve();
      pending.pop()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await run).toEqual(items.map((item) => item * 10));
    expect(most).toBe(4);
  });

  it("resolves to an empty list for no items", async () => {
    expect(await mapBounded([], 16, async () => 1)).toEqual([]);
  });
});
