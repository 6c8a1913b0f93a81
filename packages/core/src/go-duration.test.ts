import { describe, expect, it } from "vitest";
import { formatGoDuration } from "./go-duration.js";

describe("formatGoDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [10_000, "10s"],
    [20_000, "20s"],
    [80_000, "1m20s"],
    [160_000, "2m40s"],
    [300_000, "5m0s"],
    [3_600_000, "1h0m0s"],
    [1_500, "1.5s"],
    [1.5, "1.5ms"],
    [1_000, "1s"],
    [180_000, "3m0s"],
    [180_001, "3m0.001s"],
    [600_000, "10m0s"],
    [3_723_500, "1h2m3.5s"],
  ])("prints %d ms as Go's time.Duration does: %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});
