import { compareQuantities, parseQuantity, type Quantity } from "@kubelet-kit/core";

// Quantity comparisons the QoS class needs, on core's exact quantities.

/** Whether two quantity strings denote the same amount (missing or unparsable values count as zero). */
export function quantitiesEqual(a: string | undefined, b: string | undefined): boolean {
  return compareQuantities(quantityOrZero(a), quantityOrZero(b)) === 0;
}

/** Whether a quantity string is zero (missing or unparsable values count as zero). */
export function isZeroQuantity(value: string | undefined): boolean {
  return quantityOrZero(value).numerator === 0n;
}

const ZERO: Quantity = { numerator: 0n, denominator: 1n };

function quantityOrZero(value: string | undefined): Quantity {
  return value === undefined ? ZERO : (parseQuantity(value) ?? ZERO);
}
