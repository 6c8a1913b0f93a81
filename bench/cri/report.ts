import { kib, ms, rate, ratio, renderTable } from "../lib/table.js";
import type { CaseResult } from "./cases.js";
import { TRANSPORT_LABELS, type TransportKey } from "./clients.js";
import type { DecodeResult } from "./decode.js";
import type { BenchPlan, MethodKey } from "./plan.js";

/** Every figure of one run; what `--json` writes. */
export interface BenchReport {
  readonly startedAt: string;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine skews figures). */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly quick: boolean;
  readonly plan: BenchPlan;
  readonly targets: TargetReport[];
  readonly decode: DecodeResult[];
  readonly goals: GoalResult[];
  /** What could not be measured, and why. */
  readonly problems: string[];
}

/** The cases measured against one runtime. */
export interface TargetReport {
  /** `fake` or `containerd`. */
  readonly target: string;
  readonly endpoint: string;
  /** The runtime's name and version, as its `Version` answers. */
  readonly runtime: string;
  /** Containers the benchmark created in it. */
  readonly containersCreated: number;
  /** Containers `ListContainers` returned (other users' containers included). */
  readonly containersListed: number;
  readonly cases: CaseResult[];
}

/** A goal, the figure it is judged on, and the verdict. Information only: nothing fails on it. */
export interface GoalResult {
  readonly goal: string;
  readonly subject: string;
  readonly measured: string;
  readonly met: boolean;
}

/** ListContainers of 1,000 containers decoded in ≤ 10 ms (judged on the decode p99). */
export const DECODE_GOAL_MS = 10;
/** Unary round trip against the fake ≤ 1 ms at p50 (judged on sequential `Version`). */
export const UNARY_P50_GOAL_MS = 1;

/** Judges the goals on the figures that exist. */
export function evaluateGoals(
  targets: readonly TargetReport[],
  decode: readonly DecodeResult[],
): GoalResult[] {
  const goals: GoalResult[] = [];
  // Only responses of 1,000 containers or more are judged; a smaller one would flatter the figure.
  for (const result of decode.filter((r) => r.containers >= 1_000)) {
    goals.push({
      goal: `ListContainers of 1,000 containers decoded in ≤ ${DECODE_GOAL_MS} ms (p99)`,
      subject: `${result.source} response, ${result.containers} containers`,
      measured: `p99 ${ms(result.decode.p99Ms)} ms, mean ${ms(result.decode.meanMs)} ms`,
      met: result.decode.p99Ms <= DECODE_GOAL_MS,
    });
  }
  const fake = targets.find((target) => target.target === "fake");
  for (const c of fake?.cases ?? []) {
    if (c.method !== "Version" || c.concurrency !== 1) continue;
    goals.push({
      goal: `unary p50 against the fake ≤ ${UNARY_P50_GOAL_MS} ms (sequential Version)`,
      subject: c.label,
      measured: `p50 ${ms(c.latency.p50Ms)} ms`,
      met: c.latency.p50Ms <= UNARY_P50_GOAL_MS,
    });
  }
  return goals;
}

/** The whole report as text: one table per target, the decode table, the goals. */
export function renderReport(report: BenchReport): string {
  const parts: string[] = [
    `CRI transport benchmark: Node ${report.node}, ${report.cpus} × ${report.cpuModel}${report.quick ? " (--quick)" : ""}, ` +
      `load average ${report.loadAverage.start.toFixed(2)} at start, ${report.loadAverage.end.toFixed(2)} at end`,
  ];
  for (const target of report.targets) {
    parts.push(
      "",
      `## ${target.target}: ${target.runtime} at ${target.endpoint}; ListContainers returns ${target.containersListed} containers`,
      "",
      renderTargetTable(target.cases),
    );
  }
  if (report.decode.length > 0)
    parts.push(
      "",
      "## ListContainersResponse decode (protobuf-es fromBinary)",
      "",
      renderDecodeTable(report.decode),
    );
  if (report.goals.length > 0)
    parts.push("", "## Goals (information only)", "", renderGoalTable(report.goals));
  if (report.problems.length > 0)
    parts.push("", "## Not measured", "", ...report.problems.map((p) => `- ${p}`));
  return parts.join("\n");
}

const ORDER: readonly TransportKey[] = ["kubelet-kit", "grpc-js-raw", "connect-node"];

function renderTargetTable(cases: readonly CaseResult[]): string {
  const concurrency = Math.max(1, ...cases.map((c) => c.concurrency));
  const find = (method: MethodKey, transport: TransportKey, inFlight: number): CaseResult | undefined =>
    cases.find((c) => c.method === method && c.transport === transport && c.concurrency === inFlight);
  const rows: string[][] = [];
  for (const method of ["Version", "ListContainers"] as const) {
    const baseSeq = find(method, "kubelet-kit", 1);
    const baseConc = find(method, "kubelet-kit", concurrency);
    for (const transport of ORDER) {
      const seq = find(method, transport, 1);
      const conc = find(method, transport, concurrency);
      if (seq === undefined && conc === undefined) continue;
      rows.push([
        method,
        TRANSPORT_LABELS[transport],
        ...caseCells(seq),
        ...caseCells(conc),
        ratioCell(seq, baseSeq),
        ratioCell(conc, baseConc),
      ]);
    }
  }
  const seqTitle = "1 in flight";
  const concTitle = `${concurrency} in flight`;
  return renderTable(
    [
      { title: "method" },
      { title: "transport" },
      { title: `${seqTitle}: calls`, align: "right" },
      { title: "p50 ms", align: "right" },
      { title: "p99 ms", align: "right" },
      { title: "calls/s", align: "right" },
      { title: `${concTitle}: calls`, align: "right" },
      { title: "p50 ms", align: "right" },
      { title: "p99 ms", align: "right" },
      { title: "calls/s", align: "right" },
      { title: "calls/s vs ours, 1", align: "right" },
      { title: `vs ours, ${concurrency}`, align: "right" },
    ],
    rows,
  );
}

function caseCells(c: CaseResult | undefined): string[] {
  if (c === undefined) return ["-", "-", "-", "-"];
  return [String(c.calls), ms(c.latency.p50Ms), ms(c.latency.p99Ms), rate(c.callsPerSecond)];
}

function ratioCell(c: CaseResult | undefined, base: CaseResult | undefined): string {
  if (c === undefined || base === undefined) return "-";
  return ratio(c.callsPerSecond / base.callsPerSecond);
}

function renderDecodeTable(results: readonly DecodeResult[]): string {
  return renderTable(
    [
      { title: "response from" },
      { title: "containers", align: "right" },
      { title: "encoded size", align: "right" },
      { title: "iterations", align: "right" },
      { title: "decode mean ms", align: "right" },
      { title: "decode p99 ms", align: "right" },
      { title: "per container µs", align: "right" },
      { title: "encode mean ms", align: "right" },
    ],
    results.map((r) => [
      r.source,
      String(r.containers),
      `${kib(r.bytes)} (${r.bytes.toLocaleString("en-US")} B)`,
      String(r.iterations),
      ms(r.decode.meanMs),
      ms(r.decode.p99Ms),
      r.containers === 0 ? "n/a" : ((r.decode.meanMs * 1000) / r.containers).toFixed(2),
      ms(r.encode.meanMs),
    ]),
  );
}

function renderGoalTable(goals: readonly GoalResult[]): string {
  return renderTable(
    [{ title: "goal" }, { title: "subject" }, { title: "measured" }, { title: "verdict" }],
    goals.map((g) => [g.goal, g.subject, g.measured, g.met ? "meets goal" : "misses goal"]),
  );
}
