// Reading a KubeletConfiguration file and layering it with the defaults and the command-line flags, as the
// kubelet does: defaults ← file ← flags set on the command line; then the result is validated.

import { isAbsolute, normalize } from "node:path";
import { KubeletKitError } from "@kubelet-kit/core";
import { parse as parseYaml } from "yaml";
import {
  type FieldSpec,
  IGNORED_FIELDS,
  KUBELET_CONFIGURATION_DEFAULTS,
  type KubeletConfiguration,
  type KubeletConfigurationLayer,
  SUPPORTED_FIELDS,
} from "./config-fields.js";
import { parseGoDuration } from "./duration.js";

/** The configuration file's `apiVersion`. */
export const KUBELET_CONFIGURATION_API_VERSION = "kubelet.config.k8s.io/v1beta1";
/** The configuration file's `kind`. */
export const KUBELET_CONFIGURATION_KIND = "KubeletConfiguration";

/** A decoded configuration file: the fields it sets and what it contains that has no effect here. */
export interface DecodedConfigFile {
  /** The supported fields the file sets. */
  readonly layer: KubeletConfigurationLayer;
  /** One line per unknown or ignored field, naming the file and the field. */
  readonly warnings: readonly string[];
}

/**
 * Decodes the text of a `KubeletConfiguration` file (YAML or JSON). `file` names the file in messages.
 * Unknown fields and fields minimal-kubelet does not implement become warnings (the kubelet, too, falls back
 * to lenient decoding when strict decoding fails). A wrong `apiVersion`/`kind`, unparsable YAML or a value
 * of the wrong type throws an `InvalidConfig` `KubeletKitError` whose message names the file and the field.
 */
export function decodeKubeletConfiguration(text: string, file: string): DecodedConfigFile {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw configError(
      file,
      undefined,
      `not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw configError(file, undefined, `expected a ${KUBELET_CONFIGURATION_KIND} object`);
  }
  const object = document as Record<string, unknown>;
  if (object.kind !== KUBELET_CONFIGURATION_KIND) {
    throw configError(
      file,
      "kind",
      `must be ${JSON.stringify(KUBELET_CONFIGURATION_KIND)}, got ${show(object.kind)}`,
    );
  }
  if (object.apiVersion !== KUBELET_CONFIGURATION_API_VERSION) {
    throw configError(
      file,
      "apiVersion",
      `must be ${JSON.stringify(KUBELET_CONFIGURATION_API_VERSION)}, got ${show(object.apiVersion)}`,
    );
  }

  const layer: KubeletConfigurationLayer = {};
  const warnings: string[] = [];
  const byField = new Map(SUPPORTED_FIELDS.map((spec) => [spec.field, spec]));
  for (const [name, value] of Object.entries(object)) {
    if (name === "kind" || name === "apiVersion") continue;
    const spec = byField.get(name);
    if (spec !== undefined) {
      // `null` means "not set", as for the Go decoder.
      if (value !== null)
        assign(
          layer,
          spec,
          decodeValue(spec, value, (problem) => configError(file, name, problem)),
        );
    } else if (IGNORED_FIELDS.has(name)) {
      warnings.push(
        `${file}: field ${JSON.stringify(name)} is not implemented by minimal-kubelet; ignoring it`,
      );
    } else {
      warnings.push(`${file}: unknown field ${JSON.stringify(name)}; ignoring it`);
    }
  }
  return { layer, warnings };
}

/** One layer of configuration and where it came from (a file path, or `"flags"`). */
export interface ConfigLayer {
  readonly layer: KubeletConfigurationLayer;
  /** `"flags"` for the command line, else the configuration file's path. */
  readonly origin: string;
}

/**
 * Merges `layers` over the kubelet's defaults (later layers win, field by field) and validates the result.
 * Throws an `InvalidConfig` `KubeletKitError` naming the field, its flag and where the bad value came from.
 */
export function resolveKubeletConfiguration(layers: readonly ConfigLayer[]): KubeletConfiguration {
  const merged: KubeletConfigurationLayer = { ...KUBELET_CONFIGURATION_DEFAULTS };
  const origins = new Map<keyof KubeletConfiguration, string>();
  for (const { layer, origin } of layers) {
    for (const [key, value] of Object.entries(layer) as [keyof KubeletConfiguration, unknown][]) {
      if (value === undefined) continue;
      (merged as Record<string, unknown>)[key] = value;
      origins.set(key, origin);
    }
  }
  const config = merged as KubeletConfiguration;
  validate(config, (key, problem) => {
    const spec = SUPPORTED_FIELDS.find((s) => s.key === key) as FieldSpec;
    const origin = origins.get(key);
    const where = origin === undefined ? "the default" : origin === "flags" ? "the command line" : origin;
    const flag = spec.flag ?? spec.upstreamFlag;
    const name = flag === undefined ? spec.field : `${spec.field} (--${flag})`;
    return new KubeletKitError(
      "InvalidConfig",
      `invalid configuration: ${name} ${problem} (set in ${where})`,
      {
        details: { field: spec.field, ...(origin !== undefined ? { origin } : {}) },
      },
    );
  });
  return config;
}

/** Converts one YAML value of a supported field; `fail(problem)` builds the error to throw. */
export function decodeValue(spec: FieldSpec, value: unknown, fail: (problem: string) => Error): unknown {
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string") throw fail(`must be a string, got ${show(value)}`);
      return value;
    case "bool":
      if (typeof value !== "boolean") throw fail(`must be true or false, got ${show(value)}`);
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value))
        throw fail(`must be an integer, got ${show(value)}`);
      return value;
    case "duration": {
      if (typeof value !== "string")
        throw fail(`must be a duration string such as "20s" or "1m0s", got ${show(value)}`);
      try {
        return parseGoDuration(value);
      } catch (err) {
        throw fail((err as Error).message);
      }
    }
    case "strings":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
        throw fail(`must be a list of strings, got ${show(value)}`);
      }
      return [...value];
    case "headers": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw fail(`must map header names to lists of values, got ${show(value)}`);
      }
      const headers: Record<string, string[]> = {};
      for (const [name, values] of Object.entries(value)) {
        if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) {
          throw fail(`header ${JSON.stringify(name)} must be a list of strings, got ${show(values)}`);
        }
        headers[name] = [...values];
      }
      return headers;
    }
  }
}

function assign(layer: KubeletConfigurationLayer, spec: FieldSpec, value: unknown): void {
  (layer as Record<string, unknown>)[spec.key] = value;
}

type Fail = (key: keyof KubeletConfiguration, problem: string) => Error;

function validate(config: KubeletConfiguration, fail: Fail): void {
  const positive: (keyof KubeletConfiguration)[] = [
    "fileCheckFrequencyMs",
    "httpCheckFrequencyMs",
    "syncFrequencyMs",
    "runtimeRequestTimeoutMs",
  ];
  for (const key of positive) {
    const ms = config[key] as number;
    if (!(ms > 0)) throw fail(key, `${ms} ms must be greater than zero`);
  }
  if (config.maxPods < 0) throw fail("maxPods", `${config.maxPods} must not be a negative number`);
  if (config.containerRuntimeEndpoint === "") throw fail("containerRuntimeEndpoint", "must not be empty");
  // The kubelet's own checks on podLogsDir.
  const logs = config.podLogsDir;
  if (logs === "") throw fail("podLogsDir", "was not specified");
  if (!isAbsolute(logs)) throw fail("podLogsDir", `${JSON.stringify(logs)} must be an absolute path`);
  // Go's filepath.Clean: no `.`/`..` or doubled separators, no trailing separator.
  if ((normalize(logs).replace(/\/+$/, "") || "/") !== logs) {
    throw fail("podLogsDir", `${JSON.stringify(logs)} must be normalized`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is exactly "ASCII only".
  if (!/^[\x00-\x7f]*$/.test(logs))
    throw fail("podLogsDir", `${JSON.stringify(logs)} must contain ASCII characters only`);
  if (config.staticPodURL !== "" && !/^https?:\/\//.test(config.staticPodURL)) {
    throw fail("staticPodURL", `${JSON.stringify(config.staticPodURL)} must be an http:// or https:// URL`);
  }
}

function configError(
  file: string,
  field: string | undefined,
  problem: string,
  cause?: unknown,
): KubeletKitError {
  const where = field === undefined ? file : `${file}: ${field}`;
  return new KubeletKitError("InvalidConfig", `${where}: ${problem}`, {
    details: { file, ...(field !== undefined ? { field } : {}) },
    ...(cause !== undefined ? { cause } : {}),
  });
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value) ?? String(value);
}
