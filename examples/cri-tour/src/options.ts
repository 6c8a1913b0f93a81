import { parseArgs } from "node:util";

/** The image the tour runs, on the fake runtime and on a real one. */
export const DEFAULT_IMAGE = "docker.io/library/busybox:latest";

/** Default deadline of each CRI call, in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The tour's command line, parsed. */
export interface TourOptions {
  /** A real runtime's CRI endpoint; undefined means "start the fake runtime in process". */
  readonly endpoint: string | undefined;
  readonly image: string;
  readonly timeoutMs: number;
  readonly help: boolean;
}

export const USAGE = `Usage: pnpm start [-- options]

Drives one pod through the CRI with the kubelet-kit client: Version, Status, image, sandbox,
container, exec, logs, stats, stop and remove. Without --endpoint it serves the fake runtime
from @kubelet-kit/cri-client/testing on a unix socket in a temporary directory.

Options:
  --endpoint unix:///path.sock  a real runtime's CRI socket (e.g. containerd's)
  --image IMAGE                 the image to run (default: ${DEFAULT_IMAGE})
  --timeout-ms MS               deadline of each CRI call (default: ${DEFAULT_TIMEOUT_MS})
  -h, --help                    show this help`;

/** Parses `argv` (without node and the script). Throws a `TypeError` naming the problem on bad input. */
export function parseTourOptions(argv: readonly string[]): TourOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      endpoint: { type: "string" },
      image: { type: "string" },
      "timeout-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const timeoutMs = values["timeout-ms"] === undefined ? DEFAULT_TIMEOUT_MS : Number(values["timeout-ms"]);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(
      `--timeout-ms must be a positive number of milliseconds, got "${values["timeout-ms"]}"`,
    );
  }
  if (values.image === "") throw new TypeError("--image must not be empty");
  return {
    endpoint: values.endpoint,
    image: values.image ?? DEFAULT_IMAGE,
    timeoutMs,
    help: values.help ?? false,
  };
}
