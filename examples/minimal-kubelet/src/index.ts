// biome-ignore-all assist/source/organizeImports: the house style lists the embedder API first, by hand.
// The minimal-kubelet example as a library, for tests and benchmarks that run the agent in process.

// The agent
export type {
  CriServices,
  MinimalKubelet,
  MinimalKubeletEvents,
  MinimalKubeletOptions,
  PodSeenEvent,
  PodWithStatus,
  SourceErrorEvent,
} from "./agent.js";
export { createMinimalKubelet } from "./agent.js";
export type { ExampleFakeRuntime, ExampleFakeRuntimeOptions } from "./fake-runtime-setup.js";
export { createExampleFakeRuntime, EXAMPLE_IMAGE, EXAMPLE_MANIFESTS_DIR } from "./fake-runtime-setup.js";
export type { VirtualRuntimeOptions } from "./virtual-runtime.js";
export { createVirtualRuntime } from "./virtual-runtime.js";

// The command line and its configuration
export type { CliIo } from "./cli.js";
export { runCli } from "./cli.js";
export type { Flags, OutputFormat } from "./flags.js";
export { DEFAULT_ROOT_DIR, parseFlags, usage } from "./flags.js";
export type { ConfigLayer, DecodedConfigFile } from "./config.js";
export {
  decodeKubeletConfiguration,
  KUBELET_CONFIGURATION_API_VERSION,
  KUBELET_CONFIGURATION_KIND,
  resolveKubeletConfiguration,
} from "./config.js";
export type { KubeletConfiguration, KubeletConfigurationLayer } from "./config-fields.js";
export { KUBELET_CONFIGURATION_DEFAULTS, SUPPORTED_FIELDS } from "./config-fields.js";

// Pieces: admission, output, durations
export type { PodAdmission, PodAdmissionOptions } from "./admission.js";
export { createPodAdmission } from "./admission.js";
export type { Printer, PrinterOptions, TextSink } from "./printer.js";
export { createPrinter, formatPodJson, formatEvent, type PrintableEvent } from "./printer.js";
export type { PodRow } from "./pod-row.js";
export { podRow } from "./pod-row.js";
export { formatGoDuration, humanDuration, parseGoDuration } from "./duration.js";
export { parseResolvConf } from "./resolv-conf.js";
