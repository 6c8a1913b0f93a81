import { KubeletKitError } from "./errors.js";

// Exact Kubernetes resource quantities ("100m", "1Gi", "1.5", "2e3") as fractions of bigints, so that
// `0.1` equals `100m` and byte counts stay exact: the QoS class compares them, the runtime turns them into
// CPU shares, CFS quota and memory limits.

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

function parseOrThrow(text: string): Quantity {
  const quantity = parseQuantity(text);
  if (quantity === undefined)
    throw new KubeletKitError("InvalidArgument", `quantities must match the regular expression: ${text}`);
  return quantity;
}

/** Rounds away from zero, as `resource.Quantity.Value()` and `MilliValue()` do. */
function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  if (numerator % denominator === 0n) return quotient;
  return numerator > 0n ? quotient + 1n : quotient - 1n;
}

/** `Quantity.Value()`: whole units (bytes for memory), rounded away from zero. Throws `InvalidArgument` on junk. */
export function quantityValue(text: string): number {
  const { numerator, denominator } = parseOrThrow(text);
  return Number(ceilDiv(numerator, denominator));
}

/** `Quantity.MilliValue()`: thousandths (millicores for CPU), rounded away from zero. Throws on junk. */
export function quantityMilliValue(text: string): number {
  const { numerator, denominator } = parseOrThrow(text);
  return Number(ceilDiv(numerator * 1000n, denominator));
}
