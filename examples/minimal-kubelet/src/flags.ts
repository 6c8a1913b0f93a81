// The command line: kubelet-style flags (node:util parseArgs), turned into a configuration layer that
// overrides the configuration file, plus the few settings that are flags only.

import { parseArgs } from "node:util";
import {
  type FieldSpec,
  KUBELET_CONFIGURATION_DEFAULTS,
  type KubeletConfigurationLayer,
  SUPPORTED_FIELDS,
} from "./config-fields.js";
import { formatGoDuration, parseGoDuration } from "./duration.js";

/** How pods are shown: a live table like `kubectl get pods -w`, or one JSON object per status change. */
export type OutputFormat = "table" | "json";

/** The kubelet's `--root-dir` default. */
export const DEFAULT_ROOT_DIR = "/var/lib/kubelet";

/** The parsed command line. */
export interface Flags {
  /** `--config`: a `KubeletConfiguration` file. */
  readonly configFile: string | undefined;
  /** Configuration fields set on the command line; they override the file's. */
  readonly layer: KubeletConfigurationLayer;
  /** `--root-dir` (kubelet default `/var/lib/kubelet`; a temporary directory on the embedded fake runtime). */
  readonly rootDir: string | undefined;
  /** `--hostname-override`: the node name (default: the host name, lowercased). */
  readonly hostnameOverride: string | undefined;
  /** `--output` / `-o`. Default: `table`. */
  readonly output: OutputFormat;
  /** `--help` / `-h`. */
  readonly help: boolean;
}

/** Flags that are not configuration fields. */
const OWN_FLAGS = {
  config: { type: "string" },
  "root-dir": { type: "string" },
  "hostname-override": { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

const FIELD_FLAGS = SUPPORTED_FIELDS.filter(
  (spec): spec is FieldSpec & { flag: string } => spec.flag !== undefined,
);

/**
 * Parses `argv` (without node and the script; a leading `--` from `pnpm start -- …` is skipped). Both
 * `--flag value` and `--flag=value` work. Throws a `TypeError` naming the flag on a bad value, in pflag's
 * words: `invalid argument "x" for "--sync-frequency" flag: invalid duration "x"`.
 */
export function parseFlags(argv: readonly string[]): Flags {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    ...OWN_FLAGS,
  };
  for (const spec of FIELD_FLAGS) {
    options[spec.flag] = { type: "string", multiple: spec.kind === "headers" || spec.kind === "strings" };
  }
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });

  const layer: KubeletConfigurationLayer = {};
  for (const spec of FIELD_FLAGS) {
    const raw = values[spec.flag] as string | string[] | undefined;
    if (raw === undefined) continue;
    (layer as Record<string, unknown>)[spec.key] = parseFlagValue(spec, raw);
  }

  const output = (values.output as string | undefined) ?? "table";
  if (output !== "table" && output !== "json") {
    throw new TypeError(
      `invalid argument ${JSON.stringify(output)} for "--output" flag: must be table or json`,
    );
  }
  return {
    configFile: nonEmpty(values.config as string | undefined, "config"),
    layer,
    rootDir: nonEmpty(values["root-dir"] as string | undefined, "root-dir"),
    hostnameOverride: nonEmpty(values["hostname-override"] as string | undefined, "hostname-override"),
    output,
    help: (values.help as boolean | undefined) ?? false,
  };
}

function parseFlagValue(spec: FieldSpec & { flag: string }, raw: string | string[]): unknown {
  const last = Array.isArray(raw) ? (raw[raw.length - 1] as string) : raw;
  const invalid = (value: string, problem: string): TypeError =>
    new TypeError(`invalid argument ${JSON.stringify(value)} for "--${spec.flag}" flag: ${problem}`);
  switch (spec.kind) {
    case "string":
      return last;
    case "duration":
      try {
        return parseGoDuration(last);
      } catch (err) {
        throw invalid(last, (err as Error).message);
      }
    case "int": {
      if (!/^[+-]?\d+$/.test(last)) throw invalid(last, "not an integer");
      return Number(last);
    }
    case "bool":
      if (last !== "true" && last !== "false") throw invalid(last, "must be true or false");
      return last === "true";
    case "strings":
      // A string slice flag: comma-separated, and repeatable.
      return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(",")).filter((v) => v !== "");
    case "headers": {
      // `--manifest-url-header 'a:hello,b:again' --manifest-url-header 'b:beautiful'`: values of one name
      // are kept in the order given.
      const headers: Record<string, string[]> = {};
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        for (const pair of value.split(",")) {
          if (pair.trim() === "") continue;
          const colon = pair.indexOf(":");
          if (colon < 0) throw invalid(value, `malformed pair ${JSON.stringify(pair)}, expect string:string`);
          const name = pair.slice(0, colon).trim();
          headers[name] = [...(headers[name] ?? []), pair.slice(colon + 1)];
        }
      }
      return headers;
    }
  }
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value === "") throw new TypeError(`invalid argument "" for "--${flag}" flag: must not be empty`);
  return value;
}

const FLAG_HELP: Readonly<Record<string, [argument: string, text: string]>> = {
  "pod-manifest-path": ["PATH", "static pod manifests: a directory or one file"],
  "file-check-frequency": ["DURATION", "how often the manifest path is re-read"],
  "manifest-url": ["URL", "also fetch static pods from this URL"],
  "manifest-url-header": ["'K:V,…'", "HTTP headers for --manifest-url; repeatable"],
  "http-check-frequency": ["DURATION", "how often --manifest-url is fetched"],
  "sync-frequency": ["DURATION", "longest time between two syncs of a pod"],
  "container-runtime-endpoint": ["ENDPOINT", "CRI socket, e.g. unix:///run/containerd/containerd.sock"],
  "image-service-endpoint": ["ENDPOINT", "CRI image socket"],
  "runtime-request-timeout": ["DURATION", "deadline of each CRI call"],
  "pod-logs-dir": ["DIR", "root of the pods' log files"],
  "max-pods": ["N", "most pods this node runs"],
  "cluster-domain": ["DOMAIN", "cluster DNS domain for pods' search list"],
  "cluster-dns": ["IP,…", "cluster DNS servers for pods"],
  "resolv-conf": ["FILE", "host resolver file pods' DNS starts from"],
};

/** What `--help` says about a field's default, or "" when there is nothing to say. */
function defaultOf(spec: FieldSpec): string {
  if (spec.flag === "container-runtime-endpoint") return "unset: the embedded fake runtime";
  if (spec.flag === "pod-manifest-path") return "unset on the fake runtime: the bundled examples";
  if (spec.flag === "image-service-endpoint") return "unset: the runtime's socket";
  if (spec.flag === "pod-logs-dir") return "default /var/log/pods; a temp dir on the fake runtime";
  const value = KUBELET_CONFIGURATION_DEFAULTS[spec.key];
  if (spec.kind === "duration") return `default ${formatGoDuration(value as number)}`;
  if (typeof value === "object" || value === "") return "";
  return `default ${String(value)}`;
}

/** The `--help` text. */
export function usage(): string {
  const rows: [string, string][] = [
    ["--config FILE", "a KubeletConfiguration YAML (kubelet.config.k8s.io/v1beta1); flags override it"],
  ];
  for (const spec of FIELD_FLAGS) {
    const [argument, text] = FLAG_HELP[spec.flag] ?? ["VALUE", ""];
    const about = defaultOf(spec);
    rows.push([`--${spec.flag} ${argument}`, `${text} (${spec.field}${about === "" ? "" : `; ${about}`})`]);
  }
  rows.push(
    [
      "--root-dir DIR",
      `kubelet state directory (default ${DEFAULT_ROOT_DIR}; a temp dir on the fake runtime)`,
    ],
    ["--hostname-override NAME", "the node name (default: the host name)"],
    ["-o, --output table|json", "a live table like `kubectl get pods -w`, or a JSON line per status change"],
    ["-h, --help", "show this help"],
  );
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const lines = rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
  return `Usage: minimal-kubelet [flags]

A node agent built only from kubelet-kit packages: it runs static pods (a manifest directory and/or a
URL) on a CRI runtime and shows them like \`kubectl get pods -w\`. With no flags it runs the bundled example
pods on an in-process fake runtime. Ctrl-C stops the agent and leaves the pods running; the next start
adopts them.

Flags:
${lines.join("\n")}`;
}
