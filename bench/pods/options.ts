import { parseArgs } from "node:util";
import { CONTAINERD_ENDPOINT_ENV } from "../lib/environment.js";

/** The pod-start benchmark's command line, parsed. */
export interface PodsBenchOptions {
  /** Pod counts on the fake runtime, one fresh agent process each. */
  readonly fakePods: readonly number[];
  /** Pod count on containerd (when an endpoint is given). */
  readonly containerdPods: number;
  /** A real containerd's CRI endpoint; undefined skips containerd. */
  readonly containerdEndpoint: string | undefined;
  /** Run containerd's pods with `hostNetwork: true` instead of on the CNI bridge. */
  readonly hostNetwork: boolean;
  /** How long to keep measuring once all pods run (the after-start window). */
  readonly afterMs: number;
  /** Write every figure as JSON to this file. */
  readonly jsonFile: string | undefined;
  /** Directory for CPU and heap profiles of the agent processes' start windows; undefined: none. */
  readonly profileDir: string | undefined;
  /**
   * Run the agent's process from TypeScript sources through tsx (no build) instead of compiled
   * JavaScript; its figures then include the loader.
   */
  readonly source: boolean;
  readonly quick: boolean;
  readonly help: boolean;
}

/** The image every pod runs; present in the fake and imported into the private containerd by start.sh. */
export const POD_IMAGE = "docker.io/library/busybox:latest";

const DEFAULT_FAKE_PODS = [110, 500, 1_000];
const QUICK_FAKE_PODS = [110];
const DEFAULT_CONTAINERD_PODS = 20;
const DEFAULT_AFTER_MS = 5_000;
const QUICK_AFTER_MS = 2_000;

export const USAGE = `Usage: pnpm bench:pods [-- options]

Starts N pods through the example agent (createMinimalKubelet) on the fake CRI runtime, and optionally on
a real containerd, each N in a fresh agent process. Reports the time until all pods are Running, per-pod
start latency, the agent's CPU, peak RSS and event-loop delay, and the time the same CRI calls take when
replayed directly. Prints tables; never fails on numbers. The agent's process runs compiled JavaScript:
the workspace packages, the example's agent and that process are built first (--source skips the build).

Options:
  --quick                     a smoke run: ${QUICK_FAKE_PODS.join(", ")} pods on the fake, a ${QUICK_AFTER_MS / 1000} s after-start window
  --pods N[,N…]               pod counts on the fake (default: ${DEFAULT_FAKE_PODS.join(",")}; 0: none)
  --containerd unix:///sock   also run on a real containerd (env: ${CONTAINERD_ENDPOINT_ENV})
  --containerd-pods N         pod count on containerd (default: ${DEFAULT_CONTAINERD_PODS})
  --host-network              containerd pods on the host network instead of the CNI bridge
  --after-ms MS               how long to keep measuring once all pods run (default: ${DEFAULT_AFTER_MS})
  --json FILE                 also write the results as JSON to FILE
  --profile DIR               profile every agent (CPU: start and after-start windows; heap: what the
                              start allocated), write the profiles to DIR and print where time and
                              memory go (profiled figures are not comparable with unprofiled ones)
  --source                    no build: run the agent from its TypeScript sources through tsx, as
                              tests do (its figures then include the loader's memory and CPU)
  -h, --help                  show this help`;

/** Parses `argv` (a leading `--` from pnpm is skipped) and the environment. Throws on bad input. */
export function parsePodsBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): PodsBenchOptions {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      pods: { type: "string" },
      containerd: { type: "string" },
      "containerd-pods": { type: "string" },
      "host-network": { type: "boolean" },
      "after-ms": { type: "string" },
      json: { type: "string" },
      profile: { type: "string" },
      source: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick ?? false;
  const fromEnv = env[CONTAINERD_ENDPOINT_ENV];
  return {
    fakePods:
      values.pods !== undefined
        ? values.pods.trim() === "0"
          ? []
          : values.pods.split(",").map((text) => positiveInteger(text, "--pods"))
        : quick
          ? QUICK_FAKE_PODS
          : DEFAULT_FAKE_PODS,
    containerdPods:
      values["containerd-pods"] !== undefined
        ? positiveInteger(values["containerd-pods"], "--containerd-pods")
        : DEFAULT_CONTAINERD_PODS,
    containerdEndpoint: values.containerd ?? (fromEnv === "" ? undefined : fromEnv),
    hostNetwork: values["host-network"] ?? false,
    afterMs:
      values["after-ms"] !== undefined
        ? positiveInteger(values["after-ms"], "--after-ms")
        : quick
          ? QUICK_AFTER_MS
          : DEFAULT_AFTER_MS,
    jsonFile: values.json,
    profileDir: values.profile,
    source: values.source ?? false,
    quick,
    help: values.help ?? false,
  };
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${flag}: not a positive integer: ${text}`);
  return value;
}
