import { readFileSync } from "node:fs";

/** The kernel's TCP state number of TIME_WAIT in `/proc/net/tcp` (the `st` column, hex). */
const TIME_WAIT_STATE = "06";
const PROC_FILES = ["/proc/net/tcp", "/proc/net/tcp6"] as const;

/** TIME_WAIT sockets counted in one sample. */
export interface TimeWaitCount {
  /** Sockets whose local or remote port is one of the ports asked about. */
  readonly onPorts: number;
  /** Every TIME_WAIT socket of the machine's network namespace (other traffic included). */
  readonly all: number;
}

/**
 * Counts TIME_WAIT sockets in `/proc/net/tcp` and `/proc/net/tcp6` text (one row per socket:
 * `sl local_address rem_address st …`, addresses as `HEXIP:HEXPORT`), those touching `ports` apart.
 */
export function countTimeWait(tables: readonly string[], ports: ReadonlySet<number>): TimeWaitCount {
  let onPorts = 0;
  let all = 0;
  for (const table of tables) {
    for (const line of table.split("\n")) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== TIME_WAIT_STATE) continue;
      all++;
      if (ports.has(portOf(fields[1])) || ports.has(portOf(fields[2]))) onPorts++;
    }
  }
  return { onPorts, all };
}

function portOf(address: string | undefined): number {
  const colon = address?.lastIndexOf(":") ?? -1;
  return colon < 0 ? -1 : Number.parseInt((address ?? "").slice(colon + 1), 16);
}

/** Peak TIME_WAIT counts over a window, sampled on a timer of this process. */
export interface TimeWaitSampler {
  /** Forgets the peaks so far (the window starts). */
  reset(): void;
  /** The peaks since the last reset, and how many samples were taken. */
  peaks(): TimeWaitCount & { readonly samples: number };
  stop(): void;
}

/**
 * Samples the kernel's TCP tables every `intervalMs`. Runs in the benchmark's own process, so reading
 * tens of thousands of rows is not charged to the prober. `available` is false where `/proc/net/tcp`
 * cannot be read (not Linux): the peaks are then NaN.
 */
export function createTimeWaitSampler(
  ports: ReadonlySet<number>,
  intervalMs: number,
): TimeWaitSampler & { readonly available: boolean } {
  let peakOnPorts = 0;
  let peakAll = 0;
  let samples = 0;
  const read = (): string[] | undefined => {
    try {
      return PROC_FILES.map((file) => readFileSync(file, "utf8"));
    } catch {
      return undefined;
    }
  };
  const available = read() !== undefined;
  const sample = (): void => {
    const tables = read();
    if (tables === undefined) return;
    const count = countTimeWait(tables, ports);
    samples++;
    peakOnPorts = Math.max(peakOnPorts, count.onPorts);
    peakAll = Math.max(peakAll, count.all);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  sample();
  return {
    available,
    reset() {
      peakOnPorts = 0;
      peakAll = 0;
      samples = 0;
      sample();
    },
    peaks() {
      sample();
      return available
        ? { onPorts: peakOnPorts, all: peakAll, samples }
        : { onPorts: Number.NaN, all: Number.NaN, samples: 0 };
    },
    stop() {
      clearInterval(timer);
    },
  };
}
