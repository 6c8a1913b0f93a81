// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// Pod sources: a static manifest directory, a static pod URL, and a source driven by code.

// Sources
export type { FileSource, FileSourceOptions } from "./file-source.js";
export { createFileSource, DEFAULT_FILE_CHECK_FREQUENCY_MS } from "./file-source.js";
export type { HttpSource, HttpSourceOptions } from "./http-source.js";
export { createHttpSource, DEFAULT_HTTP_CHECK_FREQUENCY_MS } from "./http-source.js";
export type {
  ProgrammaticDeleteOptions,
  ProgrammaticSource,
  ProgrammaticSourceOptions,
} from "./programmatic-source.js";
export { createProgrammaticSource } from "./programmatic-source.js";

// Manifest errors
export type { ManifestError, ManifestErrorInit } from "./manifest-error.js";
export { createManifestError, isManifestError } from "./manifest-error.js";

// Decoding manifests (for custom sources)
export type { DecodeResult } from "./manifest-decoder.js";
export { decodePodManifest, decodePodManifests, DEFAULT_MAX_MANIFEST_BYTES } from "./manifest-decoder.js";
