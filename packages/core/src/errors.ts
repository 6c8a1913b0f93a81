/**
 * What went wrong, as a closed set. The first sixteen are the gRPC status codes, spelled as in the gRPC
 * spec's names (`NOT_FOUND` → `"NotFound"`), so errors from the CRI map one to one. The last two are
 * kubelet-level: a configuration the SDK cannot run with, and a pod manifest it cannot accept.
 */
export type KubeletKitErrorCode =
  | "Canceled"
  | "Unknown"
  | "InvalidArgument"
  | "DeadlineExceeded"
  | "NotFound"
  | "AlreadyExists"
  | "PermissionDenied"
  | "ResourceExhausted"
  | "FailedPrecondition"
  | "Aborted"
  | "OutOfRange"
  | "Unimplemented"
  | "Internal"
  | "Unavailable"
  | "DataLoss"
  | "Unauthenticated"
  | "InvalidConfig"
  | "InvalidManifest";

/** Every {@link KubeletKitErrorCode}, gRPC codes first in gRPC numeric order (1..16), then the kubelet ones. */
export const KUBELET_KIT_ERROR_CODES: readonly KubeletKitErrorCode[] = Object.freeze([
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
  "InvalidConfig",
  "InvalidManifest",
] as const);

const codeSet: ReadonlySet<string> = new Set<string>(KUBELET_KIT_ERROR_CODES);

/** Options of the {@link KubeletKitError} constructor. */
export interface KubeletKitErrorOptions {
  /** The underlying error, kept as-is. Default: none. */
  cause?: unknown;
  /** Structured context for logs and callers (ids, paths, limits). Default: none. */
  details?: Record<string, unknown>;
}

const ERROR_NAME = "KubeletKitError";

/**
 * The one error class of kubelet-kit. `message` is `"[Code] rawMessage"` (just `"[Code]"` when the raw
 * message is empty); `rawMessage` keeps the text without the prefix.
 *
 * Check errors with {@link isKubeletKitError}, not `instanceof`: two copies of this package in one process
 * produce errors of different classes with the same shape.
 *
 * @example
 * ```ts
 * throw new KubeletKitError("NotFound", `container ${id} not found`, { details: { id } });
 * ```
 */
export class KubeletKitError extends Error {
  override readonly name: "KubeletKitError" = ERROR_NAME;
  readonly code: KubeletKitErrorCode;
  // `declare`: no own property unless set, so `"cause" in error` stays meaningful.
  declare readonly cause?: unknown;
  declare readonly details?: Record<string, unknown>;
  readonly rawMessage: string;

  constructor(code: KubeletKitErrorCode, message: string, options: KubeletKitErrorOptions = {}) {
    super(
      message === "" ? `[${code}]` : `[${code}] ${message}`,
      "cause" in options ? { cause: options.cause } : {},
    );
    this.code = code;
    this.rawMessage = message;
    if (options.details !== undefined) this.details = options.details;
  }

  /**
   * Normalises anything thrown or passed as an abort reason into a `KubeletKitError`:
   * - a `KubeletKitError` (this copy's or another copy's) is returned unchanged;
   * - a plain object shaped like one becomes a real one with the same code and message;
   * - an `AbortError` becomes `Canceled`, a `TimeoutError` (e.g. from `AbortSignal.timeout`) `DeadlineExceeded`;
   * - any other `Error` keeps its message, with the error itself as `cause`, under `fallbackCode`;
   * - anything else is stringified under `fallbackCode`, with the value as `cause`.
   */
  static from(reason: unknown, fallbackCode: KubeletKitErrorCode = "Unknown"): KubeletKitError {
    if (hasShape(reason, undefined)) {
      if (reason instanceof Error) return reason as KubeletKitError;
      const shaped = reason as {
        code: KubeletKitErrorCode;
        message: string;
        rawMessage?: unknown;
        details?: unknown;
      };
      const raw = typeof shaped.rawMessage === "string" ? shaped.rawMessage : stripCode(shaped.message);
      return new KubeletKitError(shaped.code, raw, { cause: reason, details: asDetails(shaped.details) });
    }
    if (typeof reason === "object" && reason !== null) {
      const { name, message } = reason as { name?: unknown; message?: unknown };
      const text = typeof message === "string" ? message : undefined;
      if (name === "AbortError")
        return new KubeletKitError("Canceled", text ?? "operation was aborted", { cause: reason });
      if (name === "TimeoutError") {
        return new KubeletKitError("DeadlineExceeded", text ?? "operation timed out", { cause: reason });
      }
      if (reason instanceof Error)
        return new KubeletKitError(fallbackCode, reason.message, { cause: reason });
    }
    return new KubeletKitError(fallbackCode, safeString(reason), { cause: reason });
  }
}

/**
 * True when `value` has the shape of a {@link KubeletKitError}: `name === "KubeletKitError"`, a `code` from
 * the closed set and a string `message`. With `code`, also requires that code. Works across package copies.
 */
export function isKubeletKitError(value: unknown, code?: KubeletKitErrorCode): value is KubeletKitError {
  return hasShape(value, code);
}

function hasShape(value: unknown, code: KubeletKitErrorCode | undefined): boolean {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown; message?: unknown };
  return (
    candidate.name === ERROR_NAME &&
    typeof candidate.code === "string" &&
    codeSet.has(candidate.code) &&
    typeof candidate.message === "string" &&
    (code === undefined || candidate.code === code)
  );
}

function stripCode(message: string): string {
  return message.replace(/^\[[A-Za-z]+\] ?/, "");
}

function asDetails(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    // Objects without a prototype (or with a throwing toString) cannot be stringified.
    return Object.prototype.toString.call(value);
  }
}
