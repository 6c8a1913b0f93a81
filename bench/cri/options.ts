import { parseArgs } from "node:util";
import { CONTAINERD_ENDPOINT_ENV } from "../lib/environment.js";

/** The benchmark's command line, parsed. */
export interface BenchOptions {
  /** Fewer calls and iterations: a smoke run of a few seconds. */
  readonly quick: boolean;
  /** Write every figure as JSON to this file. */
  readonly jsonFile: string | undefined;
  /** A real containerd's CRI endpoint; undefined skips the containerd target. */
  readonly containerdEndpoint: string | undefined;
  /** The image of the containers created in containerd (it must already be there: nothing is pulled). */
  readonly containerdImage: string;
  readonly help: boolean;
}

const DEFAULT_CONTAINERD_IMAGE = "docker.io/library/busybox:latest";

export const USAGE = `Usage: pnpm bench [-- options]

Measures the CRI client's transports (our grpc-js client, a raw grpc-js stub, connect-node) against the
fake runtime served on a unix socket, and optionally against a real containerd. Prints tables; never
fails on numbers.

Options:
  --quick                     a smoke run: fewer calls and iterations
  --json FILE                 also write the results as JSON to FILE
  --containerd unix:///sock   also measure a real containerd (env: ${CONTAINERD_ENDPOINT_ENV})
  --containerd-image IMAGE    image for containerd's containers, already present
                              (default: ${DEFAULT_CONTAINERD_IMAGE})
  -h, --help                  show this help`;

/** Parses `argv` (a leading `--` from pnpm is skipped) and the environment. Throws on bad input. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      json: { type: "string" },
      containerd: { type: "string" },
      "containerd-image": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const fromEnv = env[CONTAINERD_ENDPOINT_ENV];
  return {
    quick: values.quick ?? false,
    jsonFile: values.json,
    containerdEndpoint: values.containerd ?? (fromEnv === "" ? undefined : fromEnv),
    containerdImage: values["containerd-image"] ?? DEFAULT_CONTAINERD_IMAGE,
    help: values.help ?? false,
  };
}
