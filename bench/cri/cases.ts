import { type BenchClient, openBenchClients, type TransportKey } from "./clients.js";
import { type Measurement, measure } from "./measure.js";
import type { BenchPlan, MethodKey } from "./plan.js";

/** One measured case: a method, a transport, a concurrency, against one target. */
export interface CaseResult extends Measurement {
  readonly target: string;
  readonly method: MethodKey;
  readonly transport: TransportKey;
  readonly label: string;
}

/** Options of {@link runCases}. */
export interface RunCasesOptions {
  /** `fake` or `containerd`. */
  readonly target: string;
  readonly endpoint: string;
  readonly plan: BenchPlan;
  /** Progress lines (one per case). */
  readonly progress: (line: string) => void;
}

/** The cases of one target, and how many containers its `ListContainers` returned. */
export interface TargetCases {
  readonly listed: number;
  readonly cases: CaseResult[];
}

/**
 * Measures `Version` and `ListContainers` over every transport, sequentially and with
 * `plan.concurrency` calls in flight, the transports interleaved (see `measure`). Clients are opened
 * once and closed at the end, whatever happens.
 */
export async function runCases(options: RunCasesOptions): Promise<TargetCases> {
  const { target, endpoint, plan, progress } = options;
  const clients = openBenchClients(endpoint);
  const cases: CaseResult[] = [];
  try {
    const listed = await countContainers(clients, progress);
    for (const method of ["Version", "ListContainers"] as const) {
      const sizes = plan.methods[method];
      const subjects = clients.map((client) => ({
        key: client.key,
        call: method === "Version" ? () => client.version() : () => client.listContainers(),
      }));
      for (const [concurrency, maxCalls] of [
        [1, plan.sequentialCalls],
        [plan.concurrency, plan.concurrentCalls],
      ] as const) {
        const measurements = await measure({
          subjects,
          concurrency,
          maxCalls,
          warmupCalls: sizes.warmupCalls,
          budgetMs: sizes.budgetMs,
        });
        for (const client of clients) {
          const measurement = measurements.get(client.key);
          if (measurement === undefined) continue;
          cases.push({ target, method, transport: client.key, label: client.label, ...measurement });
          progress(
            `${target} ${method} ${client.label} ×${concurrency}: ${measurement.calls} calls, ` +
              `p50 ${measurement.latency.p50Ms.toFixed(3)} ms, ${Math.round(measurement.callsPerSecond)} calls/s`,
          );
        }
      }
    }
    return { listed, cases };
  } finally {
    for (const client of clients) client.close();
  }
}

/**
 * Checks every transport works before anything is timed, and returns the number of containers listed. A
 * runtime shared with other users may change between the calls, so a disagreement is only reported.
 */
async function countContainers(
  clients: readonly BenchClient[],
  progress: (line: string) => void,
): Promise<number> {
  const counts = await Promise.all(clients.map((client) => client.listContainers()));
  const first = counts[0] ?? 0;
  if (counts.some((count) => count !== first)) {
    progress(`warning: the transports listed different numbers of containers: ${counts.join(", ")}`);
  }
  return first;
}
