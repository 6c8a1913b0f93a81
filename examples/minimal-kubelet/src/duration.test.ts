import { describe, expect, it } from "vitest";
import { humanDuration } from "./duration.js";

describe("humanDuration (kubectl's AGE)", () => {
  const s = 1_000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it.each([
    [-1_500, "0s"],
    [-2_000, "<invalid>"],
    [0, "0s"],
    [59 * s, "59s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [2 * m + 5 * s, "2m5s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 20 * m, "3h20m"],
    [8 * h + 5 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [2 * d + 3 * h, "2d3h"],
    [8 * d + 5 * h, "8d"],
    [365 * 2 * d, "2y"],
    [365 * 2 * d + 3 * d, "2y3d"],
    [365 * 9 * d, "9y"],
  ])("shows %d ms as %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
