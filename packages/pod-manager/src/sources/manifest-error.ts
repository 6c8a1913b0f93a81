import { isKubeletKitError, KubeletKitError } from "@kubelet-kit/core";
import type { FieldError } from "../config/pod-validation.js";

/**
 * What the file and HTTP sources emit on their `error` event when a manifest cannot be used: a
 * {@link KubeletKitError} with code `InvalidManifest` that also says which manifest and, when validation
 * failed, which fields. The `message` names the manifest and the problem, e.g.
 * `[InvalidManifest] /etc/kubernetes/manifests/web.yaml: invalid pod: spec.containers[1].name: Duplicate value: "web"`.
 */
export interface ManifestError extends KubeletKitError {
  readonly code: "InvalidManifest";
  /** The manifest: a file path (file source) or the URL (HTTP source). */
  readonly file: string;
  /** The first offending field path (e.g. `spec.containers[1].name`), when the problem is a field. */
  readonly field?: string;
  /** Every validation problem, when the manifest parsed but failed validation; otherwise empty. */
  readonly fieldErrors: readonly FieldError[];
}

/** Fields of {@link createManifestError}. */
export interface ManifestErrorInit {
  /** The manifest file path or URL. */
  file: string;
  /** The problem, without the file name (it is prefixed). */
  problem: string;
  /** The offending field. Default: the first field error's field, if any. */
  field?: string;
  /** Validation problems. Default: none. */
  fieldErrors?: readonly FieldError[];
  /** Underlying error (a YAML parse error, an I/O error). */
  cause?: unknown;
}

/** Creates a {@link ManifestError} whose message is `<file>: <problem>`. */
export function createManifestError(init: ManifestErrorInit): ManifestError {
  const fieldErrors = init.fieldErrors ?? [];
  const field = init.field ?? fieldErrors[0]?.field;
  const details: Record<string, unknown> = { file: init.file };
  if (field !== undefined) details.field = field;
  const error = new KubeletKitError("InvalidManifest", `${init.file}: ${init.problem}`, {
    details,
    ...(init.cause !== undefined ? { cause: init.cause } : {}),
  });
  const extra: { file: string; field?: string; fieldErrors: readonly FieldError[] } = {
    file: init.file,
    fieldErrors,
  };
  if (field !== undefined) extra.field = field;
  return Object.assign(error, extra) as ManifestError;
}

/** True for a {@link ManifestError} (shape check; works across package copies). */
export function isManifestError(value: unknown): value is ManifestError {
  return (
    isKubeletKitError(value, "InvalidManifest") &&
    typeof (value as { file?: unknown }).file === "string" &&
    Array.isArray((value as { fieldErrors?: unknown }).fieldErrors)
  );
}
