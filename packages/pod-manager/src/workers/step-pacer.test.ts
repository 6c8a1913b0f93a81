import { describe, expect, it } from "vitest";
import { createStepPacer } from "./step-pacer.js";

const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("step pacer", () => {
  it("lets the first steps of a turn begin at once and the rest in later turns, oldest first", async () => {
    const pacer = createStepPacer(2);
    const begun: number[] = [];
    for (let i = 0; i < 5; i++) void pacer.enter().then(() => begun.push(i));
    await microtasks();
    expect(begun).toEqual([0, 1]);
    expect(pacer.waiting()).toBe(3);
    await turn();
    await microtasks();
    expect(begun).toEqual([0, 1, 2, 3]);
    await turn();
    await microtasks();
    expect(begun).toEqual([0, 1, 2, 3, 4]);
    expect(pacer.waiting()).toBe(0);
  });

  it("lets due timers run between two batches", async () => {
    const pacer = createStepPacer(1);
    const order: string[] = [];
    void pacer.enter().then(() => order.push("step 1"));
    void pacer.enter().then(() => {
      order.push("step 2");
      setTimeout(() => order.push("timer"), 0);
      // Make the timer due before this batch ends.
      const until = Date.now() + 3;
      while (Date.now() < until) {}
    });
    void pacer.enter().then(() => order.push("step 3"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(["step 1", "step 2", "timer", "step 3"]);
  });

  it("does not pace with Infinity", async () => {
    const pacer = createStepPacer(Number.POSITIVE_INFINITY);
    const begun: number[] = [];
    for (let i = 0; i < 100; i++) void pacer.enter().then(() => begun.push(i));
    await microtasks();
    expect(begun).toHaveLength(100);
  });

  it("starts a fresh budget in each turn", async () => {
    const pacer = createStepPacer(1);
    await pacer.enter();
    await turn();
    let begun = false;
    void pacer.enter().then(() => {
      begun = true;
    });
    await microtasks();
    expect(begun).toBe(true);
  });
});
