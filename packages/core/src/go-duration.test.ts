import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "./go-duration.js";

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

describe("parseGoDuration", () => {
  it.each([
    ["20s", 20_000],
    ["1m0s", 60_000],
    ["2m", 120_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1_500],
    [".25s", 250],
    ["5.s", 5_000],
    ["100ms", 100],
    ["250us", 0.25],
    ["250µs", 0.25],
    ["250μs", 0.25],
    ["1500000ns", 1.5],
    ["0", 0],
    ["-2m", -120_000],
    ["+3s", 3_000],
    ["1h2m3s4ms", 3_723_004],
  ])("reads %s as %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    ["", 'invalid duration ""'],
    ["20", 'missing unit in duration "20"'],
    ["1h2", 'missing unit in duration "1h2"'],
    ["10x", 'unknown unit "x" in duration "10x"'],
    ["1 s", 'invalid duration "1 s"'],
    [".s", 'invalid duration ".s"'],
    ["-", 'invalid duration "-"'],
    ["1d", 'unknown unit "d" in duration "1d"'],
  ])("rejects %j: %s", (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(new TypeError(message));
  });
});

describe("formatGoDuration, as the config flags print defaults", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [20_000, "20s"],
    [60_000, "1m0s"],
    [120_000, "2m0s"],
    [3_600_000, "1h0m0s"],
    [3_723_500, "1h2m3.5s"],
    [1_250, "1.25s"],
    [-90_000, "-1m30s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it("round-trips what it formats", () => {
    for (const ms of [1, 999, 1_001, 59_999, 61_000, 7_200_000])
      expect(parseGoDuration(formatGoDuration(ms))).toBe(ms);
  });
});
