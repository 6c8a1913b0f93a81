import type { V1Pod } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { applyPodApiDefaultsInPlace } from "../config/pod-api-defaults.js";
import type { FieldError } from "../config/pod-validation.js";
import { validateStaticPod } from "../config/pod-validation.js";
import { applyStaticPodDefaultsInPlace, type StaticPodOrigin } from "../config/static-pod.js";
import { parseJsonManifest } from "./json-manifest.js";
import { createManifestError, type ManifestError } from "./manifest-error.js";

/** Outcome of decoding a manifest: the value, or a {@link ManifestError} naming the manifest and the problem. */
export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ManifestError };

/** Largest manifest file or HTTP body accepted: 10 MiB (the kubelet's `maxConfigLength`). */
export const DEFAULT_MAX_MANIFEST_BYTES = 10 * 1024 * 1024;

/** YAML aliases allowed per document, against "billion laughs" expansion. */
const MAX_ALIAS_COUNT = 100;

/** A manifest's one top-level object, and whether it is a tree (no object in it reachable twice). */
interface ParsedManifest {
  readonly object: Record<string, unknown>;
  /** `JSON.parse` always builds a tree; YAML aliases can make two places in a document one object. */
  readonly tree: boolean;
}

/**
 * Decodes a static pod manifest file: YAML or JSON holding exactly one `v1` `Pod`, which then gets the API's
 * defaults (`applyPodApiDefaults`), the static pod defaults and its UID (`applyStaticPodDefaults`),
 * and is validated ({@link validateStaticPod}). `origin.location` names the manifest in errors.
 *
 * Text whose first non-whitespace character is `{` or `[` is parsed with `JSON.parse` first (about a hundred
 * times faster than the YAML parser on a small manifest); anything that is not plain JSON (YAML, JSON with a
 * comment or a repeated key, garbage) goes through the YAML parser, so the result and the errors are the
 * same either way.
 */
export function decodePodManifest(text: string, origin: StaticPodOrigin): DecodeResult<V1Pod> {
  const file = origin.location;
  const parsed = parseSingleObject(text, file);
  if (!parsed.ok) return parsed;
  const { object, tree } = parsed.value;
  const kindError = checkTypeMeta(object, file, "", ["Pod"]);
  if (kindError !== undefined) return { ok: false, error: kindError };
  return decodePod(object, origin, "", tree);
}

/**
 * Decodes what a static pod URL serves: YAML or JSON holding one `Pod`, a `PodList`, or a `v1` `List` whose
 * items are all Pods. Every pod is defaulted (API defaults, then static pod defaults) and validated; one bad
 * item rejects the whole body (as the kubelet does), and the error names the item (`items[2]`).
 */
export function decodePodManifests(text: string, origin: StaticPodOrigin): DecodeResult<V1Pod[]> {
  const file = origin.location;
  const parsed = parseSingleObject(text, file);
  if (!parsed.ok) return parsed;
  const { object, tree } = parsed.value;
  const kindError = checkTypeMeta(object, file, "", ["Pod", "PodList", "List"]);
  if (kindError !== undefined) return { ok: false, error: kindError };
  if (object.kind === "Pod") {
    const pod = decodePod(object, origin, "", tree);
    return pod.ok ? { ok: true, value: [pod.value] } : pod;
  }
  const items = object.items ?? [];
  if (!Array.isArray(items)) {
    return fail(file, `${String(object.kind)} "items" must be a list`, { field: "items" });
  }
  const pods: V1Pod[] = [];
  for (const [i, item] of items.entries()) {
    const prefix = `items[${i}].`;
    if (!isRecord(item)) return fail(file, `items[${i}]: expected a Pod object, found ${describe(item)}`);
    // PodList items carry no type meta; List items must say they are v1 Pods.
    if (object.kind === "List" || item.kind !== undefined || item.apiVersion !== undefined) {
      const itemKindError = checkTypeMeta(item, file, prefix, ["Pod"]);
      if (itemKindError !== undefined) return { ok: false, error: itemKindError };
    }
    const pod = decodePod(item, origin, prefix, tree);
    if (!pod.ok) return pod;
    pods.push(pod.value);
  }
  return { ok: true, value: pods };
}

/** Checks, defaults and validates one pod; `tree` says `object` may be defaulted where it lies. */
function decodePod(
  object: Record<string, unknown>,
  origin: StaticPodOrigin,
  prefix: string,
  tree: boolean,
): DecodeResult<V1Pod> {
  const file = origin.location;
  const where = prefix === "" ? "" : `${prefix.slice(0, -1)}: `;
  const metadata = object.metadata;
  if (metadata !== undefined && !isRecord(metadata)) {
    return fail(file, `${where}invalid pod: metadata must be an object, found ${describe(metadata)}`, {
      field: `${prefix}metadata`,
    });
  }
  const name = metadata?.name;
  if (typeof name !== "string" || name === "") {
    return fail(file, `${where}invalid pod: name is needed for the pod (metadata.name)`, {
      field: `${prefix}metadata.name`,
    });
  }
  for (const part of ["spec", "status"] as const) {
    const value = object[part];
    if (value !== undefined && value !== null && !isRecord(value)) {
      return fail(file, `${where}invalid pod: ${part} must be an object, found ${describe(value)}`, {
        field: `${prefix}${part}`,
      });
    }
  }
  // As the kubelet's decoder: API defaults first, so the UID hashes the defaulted pod. Both steps change the
  // pod in place: a parsed tree belongs to this call alone, while a YAML document is copied first, as an
  // alias may share an object with another place or another list item (the copy keeps sharing within it).
  const own = (tree ? object : structuredClone(object)) as V1Pod;
  const pod = applyStaticPodDefaultsInPlace(applyPodApiDefaultsInPlace(own), origin);
  const problems = validateStaticPod(pod).map((problem) => withPrefix(problem, prefix));
  if (problems.length > 0) {
    const listed = problems.map((problem) => problem.message).join("; ");
    return fail(file, `${where}invalid pod "${pod.metadata?.name}": ${listed}`, { fieldErrors: problems });
  }
  return { ok: true, value: pod };
}

/** Parses YAML/JSON text that must hold exactly one non-empty document, which must be a mapping. */
function parseSingleObject(text: string, file: string): DecodeResult<ParsedManifest> {
  const json = parseJsonManifest(text);
  if (json !== undefined) {
    const { value } = json;
    if (!isRecord(value)) return fail(file, `expected a Pod object, found ${describe(value)}`);
    return { ok: true, value: { object: value, tree: true } };
  }
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(text);
  } catch (cause) {
    return fail(file, `cannot parse as YAML or JSON: ${String(cause)}`, { cause });
  }
  const values: unknown[] = [];
  for (const document of documents) {
    const parseError = document.errors[0];
    if (parseError !== undefined) {
      const firstLine = (parseError.message.split("\n")[0] ?? "").replace(/:$/, "");
      return fail(file, `cannot parse as YAML or JSON: ${firstLine}`, { cause: parseError });
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (cause) {
      return fail(
        file,
        `cannot parse as YAML or JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          cause,
        },
      );
    }
    // An empty document (a trailing `---`, a file of comments) holds nothing.
    if (value !== null && value !== undefined) values.push(value);
  }
  if (values.length === 0) return fail(file, "contains no object (the manifest is empty)");
  if (values.length > 1) {
    return fail(
      file,
      `contains ${values.length} YAML documents; a pod manifest must hold exactly one object (one Pod per file)`,
    );
  }
  const value = values[0];
  if (!isRecord(value)) return fail(file, `expected a Pod object, found ${describe(value)}`);
  return { ok: true, value: { object: value, tree: false } };
}

/** Checks `apiVersion: v1` and a `kind` among `kinds`; returns the error, or `undefined` when fine. */
function checkTypeMeta(
  object: Record<string, unknown>,
  file: string,
  prefix: string,
  kinds: readonly string[],
): ManifestError | undefined {
  const where = prefix === "" ? "" : `${prefix.slice(0, -1)}: `;
  const expected = kinds.map((kind) => `"${kind}"`).join(" or ");
  const { kind, apiVersion } = object;
  if (kind === undefined || kind === "") {
    return fail(file, `${where}kind is missing (expected ${expected})`, { field: `${prefix}kind` }).error;
  }
  if (typeof kind !== "string" || !kinds.includes(kind)) {
    return fail(file, `${where}kind is ${JSON.stringify(kind)}, expected ${expected}`, {
      field: `${prefix}kind`,
    }).error;
  }
  if (apiVersion === undefined || apiVersion === "") {
    return fail(file, `${where}apiVersion is missing (expected "v1")`, { field: `${prefix}apiVersion` })
      .error;
  }
  if (apiVersion !== "v1") {
    return fail(
      file,
      `${where}apiVersion is ${JSON.stringify(apiVersion)}, expected "v1" for kind "${kind}"`,
      {
        field: `${prefix}apiVersion`,
      },
    ).error;
  }
  return undefined;
}

function fail(
  file: string,
  problem: string,
  extra: { field?: string; fieldErrors?: readonly FieldError[]; cause?: unknown } = {},
): { readonly ok: false; readonly error: ManifestError } {
  return { ok: false, error: createManifestError({ file, problem, ...extra }) };
}

function withPrefix(problem: FieldError, prefix: string): FieldError {
  if (prefix === "") return problem;
  return { ...problem, field: `${prefix}${problem.field}`, message: `${prefix}${problem.message}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string")
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `a ${typeof value}`;
}
