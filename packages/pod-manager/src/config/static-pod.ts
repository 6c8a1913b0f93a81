import type { V1Pod, V1PodSpec, V1Toleration } from "@kubernetes/client-node";
import { canonicalJson } from "./canonical-json.js";
import { createFnv128a } from "./fnv128a.js";
import { CONFIG_HASH_ANNOTATION } from "./pod-annotations.js";

/** Where a static pod came from; it feeds the pod's generated UID. */
export interface StaticPodOrigin {
  /** This node's name (the kubelet's `--hostname-override` / node name). Part of the UID and of the pod name. */
  readonly nodeName: string;
  /** `file` for `staticPodPath` manifests, `http` for `staticPodURL` manifests. */
  readonly source: "file" | "http";
  /** The manifest file's path (as listed from the configured directory) or the configured URL. */
  readonly location: string;
}

/** Namespace given to static pods that do not name one (`metav1.NamespaceDefault`). */
export const STATIC_POD_DEFAULT_NAMESPACE = "default";

/**
 * The UID the kubelet gives a static pod that has none: FNV-128a (hex) over the pod's content, then
 * `host:<nodeName>` and `file:<path>` (file pods) or `url:<url>` (http pods).
 *
 * The kubelet hashes a deep dump of its decoded Go object; that dump cannot be reproduced in JavaScript, so
 * here the content is the pod's canonical JSON (sorted keys, no whitespace). The UID is therefore stable and
 * content-derived, like upstream's (same manifest, node and path give the same UID; any change to one of
 * them gives a new one), but it is not byte-identical to the UID the Go kubelet computes for the same file.
 */
export function computeStaticPodUid(pod: V1Pod, origin: StaticPodOrigin): string {
  const hasher = createFnv128a().update(canonicalJson(pod));
  if (origin.source === "file") {
    hasher.update(`host:${origin.nodeName}`).update(`file:${origin.location}`);
  } else {
    hasher.update(`url:${origin.location}`);
  }
  return hasher.digestHex();
}

/** A static pod's name on this node: `<name>-<lowercased nodeName>` (the kubelet's `generatePodName`). */
export function staticPodName(name: string, nodeName: string): string {
  return `${name}-${nodeName.toLowerCase()}`;
}

/** The toleration the kubelet adds to file pods so node problems never evict them. */
const STATIC_POD_TOLERATION: V1Toleration = Object.freeze({ operator: "Exists", effect: "NoExecute" });

/**
 * The kubelet's defaulting of a manifest pod (`applyDefaults` in `pkg/kubelet/config/common.go`). Returns a
 * new pod and leaves `pod` untouched:
 * - `metadata.uid`, when empty: {@link computeStaticPodUid};
 * - `metadata.name`: `<name>-<lowercased nodeName>`;
 * - `metadata.namespace`: `default` when empty;
 * - `spec.nodeName`: the node name;
 * - annotation `kubernetes.io/config.hash`: the UID;
 * - file pods: a toleration `{ operator: Exists, effect: NoExecute }` (added unless an equal one exists);
 * - `status.phase`: `Pending`.
 *
 * API defaulting (restart policy, pull policy, …) is a separate step that comes first: the manifest decoder
 * runs `applyPodApiDefaults` and passes its result here, so the UID covers the defaulted pod, as
 * upstream's does.
 */
export function applyStaticPodDefaults(pod: V1Pod, origin: StaticPodOrigin): V1Pod {
  return applyStaticPodDefaultsInPlace(structuredClone(pod), origin);
}

/**
 * {@link applyStaticPodDefaults} without the copy: defaults `pod` itself (the UID is hashed before anything
 * changes) and returns it. For the manifest decoder, which owns the pod it just parsed; not exported from the
 * package.
 */
export function applyStaticPodDefaultsInPlace(pod: V1Pod, origin: StaticPodOrigin): V1Pod {
  const result = pod;
  const metadata = { ...result.metadata };
  const uid =
    metadata.uid !== undefined && metadata.uid !== "" ? metadata.uid : computeStaticPodUid(result, origin);
  metadata.uid = uid;
  metadata.name = staticPodName(metadata.name ?? "", origin.nodeName);
  if (metadata.namespace === undefined || metadata.namespace === "") {
    metadata.namespace = STATIC_POD_DEFAULT_NAMESPACE;
  }
  metadata.annotations = { ...metadata.annotations, [CONFIG_HASH_ANNOTATION]: uid };
  result.metadata = metadata;

  const spec = { ...result.spec, nodeName: origin.nodeName } as V1PodSpec;
  if (origin.source === "file")
    spec.tolerations = addOrUpdateToleration(spec.tolerations, STATIC_POD_TOLERATION);
  result.spec = spec;

  result.status = { ...result.status, phase: "Pending" };
  return result;
}

/** As the kubelet's `AddOrUpdateTolerationInPod`: replace a toleration matching key/operator/value/effect, else append. */
function addOrUpdateToleration(
  tolerations: readonly V1Toleration[] | undefined,
  toleration: V1Toleration,
): V1Toleration[] {
  const result: V1Toleration[] = [];
  let matched = false;
  for (const existing of Array.isArray(tolerations) ? tolerations : []) {
    if (!matched && tolerationsMatch(existing, toleration)) {
      result.push({ ...toleration });
      matched = true;
    } else {
      result.push(existing);
    }
  }
  if (!matched) result.push({ ...toleration });
  return result;
}

function tolerationsMatch(a: V1Toleration, b: V1Toleration): boolean {
  return (
    (a.key ?? "") === (b.key ?? "") &&
    (a.operator ?? "") === (b.operator ?? "") &&
    (a.value ?? "") === (b.value ?? "") &&
    (a.effect ?? "") === (b.effect ?? "")
  );
}
