// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// Pod config: merging sources, the pod store, static pod defaulting and validation.

// Merge and store
export type { PodConfig, PodConfigError, PodConfigEvents, PodConfigOptions } from "./pod-config.js";
export { createPodConfig } from "./pod-config.js";
export type { PodStore, UidTranslations } from "./pod-store.js";
export { createPodStore } from "./pod-store.js";

// Annotations, source names and pod identity
export {
  ALL_SOURCES,
  API_SOURCE,
  buildPodFullName,
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  FILE_SOURCE,
  formatSeenTimestamp,
  getPodFullName,
  getPodSource,
  HTTP_SOURCE,
  isMirrorPod,
  isStaticPod,
  LOCAL_ANNOTATIONS,
} from "./pod-annotations.js";

// Static pods
export { applyPodApiDefaults, defaultImagePullPolicy } from "./pod-api-defaults.js";
export type { StaticPodOrigin } from "./static-pod.js";
export {
  applyStaticPodDefaults,
  computeStaticPodUid,
  STATIC_POD_DEFAULT_NAMESPACE,
  staticPodName,
} from "./static-pod.js";
export type { FieldError, FieldErrorType } from "./pod-validation.js";
export {
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  validateStaticPod,
} from "./pod-validation.js";

// Building blocks
export type { PodChange } from "./pod-merge.js";
export { checkAndUpdatePod, podsDifferSemantically, semanticEqual } from "./pod-merge.js";
export type { Fnv128a } from "./fnv128a.js";
export { createFnv128a, fnv128aHex } from "./fnv128a.js";
export { canonicalJson } from "./canonical-json.js";
