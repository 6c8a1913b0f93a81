import { describe, expect, it } from "vitest";
import { createSyncSlots } from "./sync-slots.js";

describe("sync slots", () => {
  it("grants up to the limit at once and the rest in arrival order as slots free up", async () => {
    const slots = createSyncSlots(2);
    const order: string[] = [];
    const a = await slots.acquire();
    const b = await slots.acquire();
    const c = slots.acquire().then((release) => {
      order.push("c");
      return release;
    });
    const d = slots.acquire().then((release) => {
      order.push("d");
      return release;
    });
    await Promise.resolve();
    expect(slots.inUse()).toBe(2);
    expect(slots.waiting()).toBe(2);
    b();
    const releaseC = await c;
    expect(order).toEqual(["c"]);
    a();
    (await d)();
    releaseC();
    expect(order).toEqual(["c", "d"]);
    expect(slots.inUse()).toBe(0);
  });

  it("frees a slot once, however often its release is called", async () => {
    const slots = createSyncSlots(1);
    const release = await slots.acquire();
    release();
    release();
    expect(slots.inUse()).toBe(0);
    await slots.acquire();
    expect(slots.inUse()).toBe(1);
  });

  it("never waits with Infinity", async () => {
    const slots = createSyncSlots(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 100; i++) await slots.acquire();
    expect(slots.inUse()).toBe(100);
  });
});
