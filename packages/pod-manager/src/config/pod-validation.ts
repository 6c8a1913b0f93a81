import type { V1Pod } from "@kubernetes/client-node";

/** Kind of a {@link FieldError}, as the API server's `field.ErrorType` names them. */
export type FieldErrorType = "Required" | "Invalid" | "Duplicate" | "Forbidden" | "NotSupported";

/** One validation problem, pointing at a field path such as `spec.containers[1].name`. */
export interface FieldError {
  readonly type: FieldErrorType;
  /** Path of the offending field, e.g. `spec.containers[1].name`. */
  readonly field: string;
  /** The offending value (for `Invalid`, `Duplicate`, `NotSupported`). */
  readonly value?: unknown;
  /** Why the value is wrong, when there is more to say than the type. */
  readonly detail?: string;
  /** The whole error as the API server prints it, e.g. `spec.containers[1].name: Duplicate value: "web"`. */
  readonly message: string;
}

const DNS1123_LABEL_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FORMAT = `${DNS1123_LABEL_FORMAT}(\\.${DNS1123_LABEL_FORMAT})*`;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FORMAT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FORMAT}$`);
/** Longest DNS-1123 label (container names, namespaces). */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** Longest DNS-1123 subdomain (pod names). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;

/**
 * Checks a (defaulted) static pod the way the kubelet does before accepting it: the create-time rules of
 * `pkg/apis/core/validation` that matter for a node (names, containers, images, restart policy), plus the
 * kubelet's static-pod restrictions (no `resourceClaims`, no ClusterTrustBundle projections). Returns every
 * problem found, in field order; an empty list means the pod is accepted. Never throws, whatever the input.
 *
 * Checked:
 * - `metadata.name`: required, a DNS-1123 subdomain of at most 253 characters;
 * - `metadata.namespace`: a DNS-1123 label of at most 63 characters;
 * - `spec.containers`: at least one; every container and init container has a name that is a DNS-1123
 *   label, unique across init and regular containers, and a non-empty image without surrounding blanks;
 * - `spec.restartPolicy`: `Always`, `OnFailure` or `Never` when set.
 */
export function validateStaticPod(pod: V1Pod): FieldError[] {
  const errors: FieldError[] = [];
  const metadata = asRecord(pod.metadata);
  const name = metadata?.name;
  if (typeof name !== "string" || name === "") {
    errors.push(required("metadata.name", "name or generateName is required"));
  } else {
    for (const detail of dns1123SubdomainProblems(name)) errors.push(invalid("metadata.name", name, detail));
  }
  const namespace = metadata?.namespace;
  if (namespace !== undefined) {
    if (typeof namespace !== "string")
      errors.push(invalid("metadata.namespace", namespace, "must be a string"));
    else
      for (const detail of dns1123LabelProblems(namespace))
        errors.push(invalid("metadata.namespace", namespace, detail));
  }

  const spec = asRecord(pod.spec);
  if (spec === undefined) {
    errors.push(required("spec.containers"));
    return errors;
  }
  const names = new Set<string>();
  const containers = spec.containers;
  if (containers === undefined || (Array.isArray(containers) && containers.length === 0)) {
    errors.push(required("spec.containers"));
  } else if (!Array.isArray(containers)) {
    errors.push(invalid("spec.containers", containers, "must be a list of containers"));
  } else {
    for (const [i, container] of containers.entries()) {
      validateContainer(container, `spec.containers[${i}]`, names, errors);
    }
  }
  const initContainers = spec.initContainers;
  if (initContainers !== undefined && !Array.isArray(initContainers)) {
    errors.push(invalid("spec.initContainers", initContainers, "must be a list of containers"));
  } else if (Array.isArray(initContainers)) {
    for (const [i, container] of initContainers.entries()) {
      validateContainer(container, `spec.initContainers[${i}]`, names, errors);
    }
  }

  const restartPolicy = spec.restartPolicy;
  if (restartPolicy !== undefined && !(RESTART_POLICIES as readonly unknown[]).includes(restartPolicy)) {
    errors.push(notSupported("spec.restartPolicy", restartPolicy, RESTART_POLICIES));
  }
  if (Array.isArray(spec.resourceClaims) && spec.resourceClaims.length > 0) {
    errors.push(forbidden("spec.resourceClaims", "static pods may not use ResourceClaims"));
  }
  if (Array.isArray(spec.volumes)) {
    spec.volumes.forEach((volume, i) => {
      const sources = asRecord(asRecord(volume)?.projected)?.sources;
      if (!Array.isArray(sources)) return;
      sources.forEach((source, j) => {
        if (asRecord(source)?.clusterTrustBundle !== undefined) {
          errors.push(
            forbidden(
              `spec.volumes[${i}].projected.sources[${j}].clusterTrustBundle`,
              "static pods may not use ClusterTrustBundle projected volume sources",
            ),
          );
        }
      });
    });
  }
  return errors;
}

function validateContainer(container: unknown, path: string, names: Set<string>, errors: FieldError[]): void {
  const record = asRecord(container);
  if (record === undefined) {
    errors.push(invalid(path, container, "must be a container object"));
    return;
  }
  const name = record.name;
  if (typeof name !== "string" || name === "") {
    errors.push(required(`${path}.name`));
  } else {
    const problems = dns1123LabelProblems(name);
    for (const detail of problems) errors.push(invalid(`${path}.name`, name, detail));
    if (names.has(name)) errors.push(duplicate(`${path}.name`, name));
    names.add(name);
  }
  const image = record.image;
  if (typeof image !== "string" || image === "") {
    errors.push(required(`${path}.image`));
  } else if (image.trim() !== image) {
    errors.push(invalid(`${path}.image`, image, "must not have leading or trailing whitespace"));
  }
}

/** Problems with `value` as a DNS-1123 label (empty list when valid), worded as the API server words them. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_LABEL_MAX_LENGTH) problems.push(maxLengthMessage(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) {
      problems.push("must not contain dots");
    } else {
      problems.push(
        regexMessage(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FORMAT,
          ["my-name", "123-abc"],
        ),
      );
    }
  }
  return problems;
}

/** Problems with `value` as a DNS-1123 subdomain (empty list when valid), worded as the API server words them. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH)
    problems.push(maxLengthMessage(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    problems.push(
      regexMessage(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FORMAT,
        ["example.com"],
      ),
    );
  }
  return problems;
}

function maxLengthMessage(max: number): string {
  return `must be no more than ${max} characters`;
}

function regexMessage(message: string, format: string, examples: readonly string[]): string {
  const quoted = examples.map((example) => `'${example}'`).join(" or ");
  return `${message} (e.g. ${quoted}, regex used for validation is '${format}')`;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function formatValue(value: unknown): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return JSON.stringify(value);
  }
  if (value === null) return "null";
  return Array.isArray(value) ? "list" : typeof value;
}

function make(type: FieldErrorType, field: string, body: string, extra: Partial<FieldError>): FieldError {
  const detail = extra.detail;
  return { type, field, ...extra, message: `${field}: ${body}${detail !== undefined ? `: ${detail}` : ""}` };
}

function required(field: string, detail?: string): FieldError {
  return make("Required", field, "Required value", detail !== undefined ? { detail } : {});
}

function invalid(field: string, value: unknown, detail: string): FieldError {
  return make("Invalid", field, `Invalid value: ${formatValue(value)}`, { value, detail });
}

function duplicate(field: string, value: unknown): FieldError {
  return make("Duplicate", field, `Duplicate value: ${formatValue(value)}`, { value });
}

function forbidden(field: string, detail: string): FieldError {
  return make("Forbidden", field, "Forbidden", { detail });
}

function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = `supported values: ${supported.map((v) => JSON.stringify(v)).join(", ")}`;
  return make("NotSupported", field, `Unsupported value: ${formatValue(value)}`, { value, detail });
}
