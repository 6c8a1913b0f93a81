import { parseArgs } from "node:util";

/** What a mode probes: `httpGet`, `tcpSocket` and `grpc` against loopback servers, `exec` through the fake runtime. */
export type ProbeMode = "http" | "tcp" | "grpc" | "exec";

export const PROBE_MODES: readonly ProbeMode[] = ["http", "tcp", "grpc", "exec"];

/** The probe benchmark's command line, parsed. */
export interface ProbesBenchOptions {
  /** Modes to run, one after another, each with fresh processes. */
  readonly modes: readonly ProbeMode[];
  /** Probed containers of the network modes (http, tcp, grpc). */
  readonly networkContainers: number;
  /** Probed containers of the exec mode. */
  readonly execContainers: number;
  /** How long each mode runs before its window, in ms: jitter, JIT and connection warm-up. */
  readonly warmupMs: number;
  /** The measured window of each mode, in ms. */
  readonly windowMs: number;
  /** Write every figure as JSON to this file. */
  readonly jsonFile: string | undefined;
  /** The prober's `maxConcurrentProbes`; `null`: no limit (Infinity). Default: the prober's default. */
  readonly maxConcurrentProbes: number | null | undefined;
  /** Directory for a CPU profile of the prober's window in each mode; undefined: none. */
  readonly profileDir: string | undefined;
  readonly quick: boolean;
  readonly help: boolean;
}

const DEFAULT_NETWORK_CONTAINERS = 600;
const DEFAULT_EXEC_CONTAINERS = 100;
const DEFAULT_DURATION_S = 300;
const DEFAULT_WARMUP_S = 10;
const QUICK_DURATION_S = 15;
const QUICK_WARMUP_S = 3;

export const USAGE = `Usage: pnpm bench:probes [-- options]

Runs a real prober (createProbeManager, createProbeHandlers, real clock) in a child process with one
liveness probe (period 1 s, timeout 1 s, default thresholds) per synthetic container: ${DEFAULT_NETWORK_CONTAINERS} httpGet, tcpSocket
and grpc probes against loopback servers in another child process, and ${DEFAULT_EXEC_CONTAINERS} exec probes through a CRI
client to the fake runtime served from that other process. Each mode runs after a warm-up for a measured
window and reports probes run vs. expected, failures, the prober's CPU share of one core, event-loop
delay and the peak count of TIME_WAIT sockets on the target's port. Prints tables; never fails on numbers.

Options:
  --quick                     short runs: a ${QUICK_WARMUP_S} s warm-up and a ${QUICK_DURATION_S} s window per mode
  --modes M[,M…]              modes to run, in order (default: ${PROBE_MODES.join(",")})
  --duration-s S              the measured window of each mode (default: ${DEFAULT_DURATION_S}; --quick: ${QUICK_DURATION_S})
  --warmup-s S                the warm-up before each window (default: ${DEFAULT_WARMUP_S}; --quick: ${QUICK_WARMUP_S})
  --containers N              probed containers of http, tcp and grpc (default: ${DEFAULT_NETWORK_CONTAINERS})
  --exec-containers N         probed containers of exec (default: ${DEFAULT_EXEC_CONTAINERS})
  --max-concurrent-probes N   the prober's maxConcurrentProbes: a number, or "none" for no limit
                              (default: the prober's, 128)
  --json FILE                 also write the results as JSON to FILE
  --profile DIR               CPU-profile the prober over each window, write the profiles to DIR and print
                              where the time goes (profiled figures are not comparable with unprofiled ones)
  -h, --help                  show this help`;

/** Parses `argv` (a leading `--` from pnpm is skipped). Throws on bad input. */
export function parseProbesBenchOptions(argv: readonly string[]): ProbesBenchOptions {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      modes: { type: "string" },
      "duration-s": { type: "string" },
      "warmup-s": { type: "string" },
      containers: { type: "string" },
      "exec-containers": { type: "string" },
      "max-concurrent-probes": { type: "string" },
      json: { type: "string" },
      profile: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick ?? false;
  return {
    modes: values.modes !== undefined ? parseModes(values.modes) : PROBE_MODES,
    networkContainers:
      values.containers !== undefined
        ? positiveNumber(values.containers, "--containers", true)
        : DEFAULT_NETWORK_CONTAINERS,
    execContainers:
      values["exec-containers"] !== undefined
        ? positiveNumber(values["exec-containers"], "--exec-containers", true)
        : DEFAULT_EXEC_CONTAINERS,
    warmupMs:
      1000 *
      (values["warmup-s"] !== undefined
        ? positiveNumber(values["warmup-s"], "--warmup-s", false)
        : quick
          ? QUICK_WARMUP_S
          : DEFAULT_WARMUP_S),
    windowMs:
      1000 *
      (values["duration-s"] !== undefined
        ? positiveNumber(values["duration-s"], "--duration-s", false)
        : quick
          ? QUICK_DURATION_S
          : DEFAULT_DURATION_S),
    maxConcurrentProbes: parseConcurrency(values["max-concurrent-probes"]),
    jsonFile: values.json,
    profileDir: values.profile,
    quick,
    help: values.help ?? false,
  };
}

function parseModes(text: string): ProbeMode[] {
  const modes = text.split(",").map((word) => word.trim());
  for (const mode of modes) {
    if (!(PROBE_MODES as readonly string[]).includes(mode)) {
      throw new RangeError(`--modes: unknown mode ${JSON.stringify(mode)} (${PROBE_MODES.join(", ")})`);
    }
  }
  return [...new Set(modes)] as ProbeMode[];
}

function positiveNumber(text: string, flag: string, integer: boolean): number {
  const value = Number(text.trim());
  if (!(value > 0) || (integer ? !Number.isSafeInteger(value) : !Number.isFinite(value))) {
    throw new RangeError(`${flag}: not a positive ${integer ? "integer" : "number"}: ${text}`);
  }
  return value;
}

function parseConcurrency(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === "none") return null;
  return positiveNumber(value, "--max-concurrent-probes", true);
}
