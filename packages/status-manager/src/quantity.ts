// Exact Kubernetes resource quantities ("100m", "1Gi", "1.5", "2e3"), enough to compare two of them: the
// QoS class needs equality and "is it zero", and `0.1` must equal `100m` without float rounding.

/** A parsed quantity as the exact fraction `numerator / denominator` (denominator > 0). */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const QUANTITY_PATTERN =
  /^([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** Parses a quantity string; `undefined` when it is not one. */
export function parseQuantity(text: string): Quantity | undefined {
  const match = QUANTITY_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = "", number = "0", exponent, suffix = ""] = match;
  const [whole = "", fraction = ""] = number.split(".");
  let numerator = BigInt(`${whole}${fraction}` || "0");
  let denominator = 10n ** BigInt(fraction.length);
  const power10 = exponent !== undefined ? Number(exponent) : (DECIMAL_SUFFIXES[suffix] ?? 0);
  const power2 = BINARY_SUFFIXES[suffix] ?? 0;
  if (sign === "-") numerator = -numerator;
  if (power10 >= 0) numerator *= 10n ** BigInt(power10);
  else denominator *= 10n ** BigInt(-power10);
  numerator *= 2n ** BigInt(power2);
  return { numerator, denominator };
}

/** `a - b` compared with zero: negative, zero or positive. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

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
