import { describe, expect, it } from "vitest";
import { KubeletKitError } from "./errors.js";
import { compareQuantities, parseQuantity, quantityMilliValue, quantityValue } from "./quantity.js";

describe("quantities", () => {
  it("orders quantities exactly", () => {
    const q = (s: string) => parseQuantity(s) ?? { numerator: 0n, denominator: 1n };
    expect(compareQuantities(q("999m"), q("1"))).toBe(-1);
    expect(compareQuantities(q("1Ki"), q("1k"))).toBe(1);
    expect(compareQuantities(q("-1"), q("0"))).toBe(-1);
  });

  it("rejects text that is not a quantity", () => {
    expect(parseQuantity("1 Gi")).toBeUndefined();
    expect(parseQuantity("Gi")).toBeUndefined();
    expect(parseQuantity("1Xi")).toBeUndefined();
  });

  it("rounds Value and MilliValue away from zero, as resource.Quantity does", () => {
    expect(quantityValue("128Mi")).toBe(134_217_728);
    expect(quantityValue("1500m")).toBe(2);
    expect(quantityMilliValue("0.5")).toBe(500);
    expect(quantityMilliValue("1u")).toBe(1);
    expect(quantityMilliValue("2")).toBe(2000);
  });

  it("throws InvalidArgument naming the text for junk", () => {
    expect(() => quantityValue("lots")).toThrow(KubeletKitError);
    expect(() => quantityMilliValue("1 Gi")).toThrow(/1 Gi/);
  });
});
