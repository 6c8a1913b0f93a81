import type { MachineInfo } from "../lib/environment.js";
import { type Column, mib, ms, rate, renderTable } from "../lib/table.js";
import type { ProbeMode } from "./options.js";
import type { ProberMeasurement } from "./protocol.js";

/** One mode: a fresh prober process and a fresh targets process. */
export interface ModeRun {
  readonly mode: ProbeMode;
  readonly containers: number;
  /** What served the probes. */
  readonly target: string;
  /** The TCP port the probes went to; 0 for exec (a unix socket). */
  readonly port: number;
  readonly measurement: ProberMeasurement | undefined;
  /** One probe per container per period over the prober's window. */
  readonly expectedProbes: number;
  /** CPU seconds of the targets' process over the window. */
  readonly targetsCpuSeconds: number;
  /** Peak TIME_WAIT sockets over the window, sampled every second; NaN when not sampled. */
  readonly timeWait: { readonly peakOnPort: number; readonly peakAll: number; readonly samples: number };
  readonly problems: readonly string[];
}

/** Every figure of one run; what `--json` writes. */
export interface ProbesBenchReport {
  readonly startedAt: string;
  readonly machine: MachineInfo;
  /** `/proc/loadavg`'s 1, 5 and 15 min load averages at the start and the end. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly quick: boolean;
  readonly warmupMs: number;
  readonly windowMs: number;
  /** The prober was CPU-profiled: its CPU and delay figures are not comparable with unprofiled runs. */
  readonly profiled: boolean;
  readonly runs: readonly ModeRun[];
  readonly problems: readonly string[];
}

export const CPU_GOAL_CORES = 0.5;
export const LOOP_DELAY_P99_GOAL_MS = 20;
export const TIME_WAIT_GOAL = 1_000;
/** Fewer probes than this share of the expected ones is called out in the verdict (ticks were skipped). */
export const SHORTFALL_RATIO = 0.99;

/** Derived figures of a measured mode. */
export interface ModeFigures {
  readonly probesRun: number;
  readonly spurious: number;
  readonly cpuCores: number;
  readonly cpuMsPerProbe: number;
  readonly targetsCores: number;
  readonly misses: readonly string[];
}

export function modeFigures(run: ModeRun, m: ProberMeasurement): ModeFigures {
  const probesRun = m.probes.successful + m.probes.failed + m.probes.unknown;
  const spurious = m.probes.failed + m.probes.unknown + m.errored;
  const cpuSeconds = m.cpuUserSeconds + m.cpuSystemSeconds;
  const cpuCores = (cpuSeconds * 1000) / m.windowMs;
  const misses: string[] = [];
  if (probesRun < SHORTFALL_RATIO * run.expectedProbes) misses.push("probes run");
  if (spurious > 0) misses.push("spurious failures");
  if (m.warmup.failed + m.warmup.errored > 0) {
    misses.push(`failures in the warm-up (${m.warmup.livenessFailuresPublished} restarts)`);
  }
  if (!(cpuCores <= CPU_GOAL_CORES)) misses.push("CPU");
  if (!(m.loopDelay.p99Ms <= LOOP_DELAY_P99_GOAL_MS)) misses.push("loop delay");
  if (run.port !== 0 && !(run.timeWait.peakOnPort <= TIME_WAIT_GOAL)) misses.push("TIME_WAIT");
  return {
    probesRun,
    spurious,
    cpuCores,
    cpuMsPerProbe: probesRun === 0 ? Number.NaN : (cpuSeconds * 1000) / probesRun,
    targetsCores: (run.targetsCpuSeconds * 1000) / m.windowMs,
    misses,
  };
}

const right = (title: string): Column => ({ title, align: "right" });

const MODE_LABEL: Record<ProbeMode, string> = {
  http: "httpGet",
  tcp: "tcpSocket",
  grpc: "grpc",
  exec: "exec (CRI, fake)",
};

/** The whole report as text: the goal table, the details, the targets and the problems. */
export function renderReport(report: ProbesBenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  const load = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(" ");
  out.push(
    `## Probes (Node ${m.node}, ${m.cpus} × ${m.cpuModel}; load ${load(report.loadAverage.start)} → ${load(report.loadAverage.end)}; ${seconds(report.warmupMs)} warm-up, ${seconds(report.windowMs)} window per mode${report.quick ? ", --quick" : ""}${report.profiled ? ", PROFILED: CPU and delay inflated" : ""})`,
  );
  const measured = report.runs.filter((run) => run.measurement !== undefined);

  out.push("", "### Liveness probes, period 1 s: the goals", "");
  out.push(
    renderTable(
      [
        { title: "probe" },
        right("containers"),
        right("probes run"),
        right("expected"),
        right("run / expected"),
        right("spurious failures (goal 0)"),
        right("restarts, warm-up / window"),
        right("prober CPU, share of a core (goal ≤ 0.5)"),
        right("loop delay p99 ms (goal ≤ 20)"),
        right("peak TIME_WAIT (goal ≤ 1,000)"),
        { title: "verdict" },
      ],
      measured.map((run) => {
        const mm = run.measurement as ProberMeasurement;
        const f = modeFigures(run, mm);
        return [
          MODE_LABEL[run.mode],
          String(run.containers),
          rate(f.probesRun),
          rate(run.expectedProbes),
          `${((f.probesRun / run.expectedProbes) * 100).toFixed(1)} %`,
          String(f.spurious),
          `${mm.warmup.livenessFailuresPublished} / ${mm.livenessFailuresPublished}`,
          f.cpuCores.toFixed(3),
          ms(mm.loopDelay.p99Ms),
          run.port === 0 ? "n/a (unix socket)" : rate(run.timeWait.peakOnPort),
          f.misses.length === 0 ? "meets all goals" : `misses: ${f.misses.join(", ")}`,
        ];
      }),
    ),
  );

  out.push("", "### Where the prober's time goes, and the rest", "");
  out.push(
    renderTable(
      [
        { title: "probe" },
        right("CPU ms / probe"),
        right("probes/s in 0.5 core"),
        right("CPU user / system s"),
        right("loop delay p50 / max ms"),
        right("probe duration mean / p99 ≤ ms"),
        right("failed / unknown / errored / stuck"),
        right("warm-up failed / errored"),
        right("on hold at the end"),
        right("peak RSS (entry)"),
        right("targets CPU, share of a core"),
        right("peak TIME_WAIT, whole machine"),
      ],
      measured.map((run) => {
        const mm = run.measurement as ProberMeasurement;
        const f = modeFigures(run, mm);
        return [
          MODE_LABEL[run.mode],
          f.cpuMsPerProbe.toFixed(3),
          rate((CPU_GOAL_CORES * 1000) / f.cpuMsPerProbe),
          `${mm.cpuUserSeconds.toFixed(1)} / ${mm.cpuSystemSeconds.toFixed(1)}`,
          `${ms(mm.loopDelay.p50Ms)} / ${ms(mm.loopDelay.maxMs)}`,
          `${ms(mm.duration.meanMs)} / ${ms(mm.duration.p99BucketMs)}`,
          `${mm.probes.failed} / ${mm.probes.unknown} / ${mm.errored} / ${mm.stuck.count}`,
          `${mm.warmup.failed} / ${mm.warmup.errored}`,
          String(mm.onHold),
          `${mib(mm.peakRssBytes)} (${mib(mm.rssAtEntryBytes)})`,
          f.targetsCores.toFixed(3),
          rate(run.timeWait.peakAll),
        ];
      }),
    ),
  );

  out.push("", "### Targets", "");
  for (const run of report.runs) {
    out.push(`- ${MODE_LABEL[run.mode]}: ${run.target}${run.port === 0 ? "" : `, 127.0.0.1:${run.port}`}`);
  }
  out.push(
    "",
    "TIME_WAIT counts rows of /proc/net/tcp and /proc/net/tcp6 in state 06 whose local or remote port is the",
    "target's port, sampled every second in the benchmark's process (other traffic on the machine is not",
    "counted; the last column counts it too). Spurious failures: runs counted `failed` or `unknown` in",
    "prober_probe_total plus runs whose every attempt threw (not counted there). Stuck: handler calls",
    "still in flight more than 5 s at the end of the window (the timeout is 1 s). Restarts: liveness",
    "failures published (3 failed runs in a row), each a container the kubelet would restart; the",
    "network modes then give the container a new ID, as a restart does, and its worker probes again",
    "(exec containers stay on hold). RSS includes the TypeScript loader (entry: before the prober loads).",
  );

  const problems = [
    ...report.problems,
    ...report.runs.flatMap((run) => run.problems.map((text) => `${MODE_LABEL[run.mode]}: ${text}`)),
    ...measured.flatMap((run) =>
      (run.measurement?.sampleMessages ?? []).map((text) => `${MODE_LABEL[run.mode]}: event: ${text}`),
    ),
  ];
  if (problems.length > 0)
    out.push("", "### Problems and events", "", ...problems.map((text) => `- ${text}`));
  return out.join("\n");
}

function seconds(valueMs: number): string {
  return `${(valueMs / 1000).toFixed(valueMs % 1000 === 0 ? 0 : 1)} s`;
}
