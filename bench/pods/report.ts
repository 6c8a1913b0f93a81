import type { MachineInfo } from "../lib/environment.js";
import { type Column, mib, ms, ratio, renderTable, seconds } from "../lib/table.js";
import type { ReplayMeasurement, StartMeasurement } from "./protocol.js";

/** One N on one runtime, in its own agent process. */
export interface RunReport {
  readonly target: "fake" | "containerd";
  readonly pods: number;
  readonly endpoint: string;
  /** containerd only: pods on the host network rather than the CNI bridge. */
  readonly hostNetwork: boolean;
  /** Time the benchmark took to move the N manifests into the directory. */
  readonly moveManifestsMs: number;
  /** CPU seconds of the fake runtime's process over the start window; NaN on containerd (not measured). */
  readonly runtimeCpuSeconds: number;
  readonly start: StartMeasurement | undefined;
  readonly replays: readonly ReplayMeasurement[];
  /** Stopping the agent and (containerd) removing its sandboxes. */
  readonly agentStop: { readonly removedSandboxes: number; readonly cleanupMs: number } | undefined;
  readonly problems: readonly string[];
}

/**
 * What the agent's process ran: `compiled` JavaScript (the packages' dist/, plain `node`), or `source`:
 * TypeScript through tsx with the source condition (`--source`), whose loader is in every figure.
 */
export type AgentMode = "compiled" | "source";

/** Every figure of one run; what `--json` writes. */
export interface PodsBenchReport {
  readonly startedAt: string;
  readonly machine: MachineInfo;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly agentMode: AgentMode;
  readonly quick: boolean;
  readonly afterMs: number;
  /** RSS of `node -e` with nothing loaded: what Node itself takes, without the TypeScript loader. */
  readonly plainNodeRssBytes: number;
  readonly runs: readonly RunReport[];
  readonly goals: readonly GoalResult[];
  readonly problems: readonly string[];
}

/** A goal, the figure it is judged on, and the verdict. Information only: nothing fails on it. */
export interface GoalResult {
  readonly goal: string;
  readonly subject: string;
  readonly measured: string;
  readonly met: boolean;
}

export const FAKE_110_TOTAL_GOAL_MS = 2_000;
export const CONTAINERD_P99_GOAL_MS = 5_000;
export const RSS_GOAL_BYTES = 150 * 1024 * 1024;
export const LOOP_DELAY_P99_GOAL_MS = 20;

/** The run's label in tables: `fake`, `containerd (bridge)`, `containerd (host network)`. */
export function runLabel(run: Pick<RunReport, "target" | "hostNetwork">): string {
  if (run.target === "fake") return "fake";
  return run.hostNetwork ? "containerd (host network)" : "containerd (bridge)";
}

/** The peak RSS of a run: the highest sample of both windows. */
export function peakRss(start: StartMeasurement): number {
  return Math.max(start.start.peakRssBytes, start.afterStart.peakRssBytes);
}

function replayOf(run: RunReport, mode: ReplayMeasurement["mode"]): ReplayMeasurement | undefined {
  return run.replays.find((replay) => replay.mode === mode);
}

/**
 * Judges the goals on the runs that exist. With `source`, the RSS goal also shows the peak without the
 * TypeScript loader, estimated as RSS at entry minus `plainNodeRssBytes` (a bare `node`).
 */
export function evaluateGoals(
  runs: readonly RunReport[],
  context: Pick<PodsBenchReport, "agentMode" | "plainNodeRssBytes">,
): GoalResult[] {
  const goals: GoalResult[] = [];
  for (const run of runs) {
    const s = run.start;
    if (s === undefined) continue;
    const subject = `${runLabel(run)}, ${run.pods} pods`;
    if (run.target === "fake" && run.pods === 110) {
      goals.push({
        goal: `110 pods Running in ≤ ${seconds(FAKE_110_TOTAL_GOAL_MS)} on the fake`,
        subject,
        measured: s.timedOut
          ? `${s.running} Running at the timeout`
          : `all Running after ${seconds(s.totalMs)}`,
        met: !s.timedOut && s.totalMs <= FAKE_110_TOTAL_GOAL_MS,
      });
    }
    if (run.target === "containerd") {
      const p99 = s.latency?.p99Ms ?? Number.NaN;
      goals.push({
        goal: `p99 start latency on containerd ≤ ${seconds(CONTAINERD_P99_GOAL_MS)} (${run.pods} pods)`,
        subject,
        measured: `p99 ${seconds(p99)}${s.timedOut ? ` (${s.running} of ${s.pods} Running)` : ""}`,
        met: !s.timedOut && p99 <= CONTAINERD_P99_GOAL_MS,
      });
    }
    if (run.pods >= 1_000) {
      const peak = peakRss(s);
      const loader = s.rssAtEntryBytes - context.plainNodeRssBytes;
      goals.push({
        goal: `RSS ≤ ${mib(RSS_GOAL_BYTES)} at 1,000 pods`,
        subject,
        measured:
          context.agentMode === "source"
            ? `peak ${mib(peak)} (${mib(peak - loader)} without the TypeScript loader's ${mib(loader)})`
            : `peak ${mib(peak)} (compiled, no loader)`,
        met: peak <= RSS_GOAL_BYTES,
      });
    }
    const worst = Math.max(s.start.loopDelay.p99Ms, s.afterStart.loopDelay.p99Ms);
    goals.push({
      goal: `event-loop delay p99 ≤ ${LOOP_DELAY_P99_GOAL_MS} ms throughout`,
      subject,
      measured: `p99 ${ms(s.start.loopDelay.p99Ms)} ms starting, ${ms(s.afterStart.loopDelay.p99Ms)} ms after the start`,
      met: worst <= LOOP_DELAY_P99_GOAL_MS,
    });
  }
  return goals;
}

const AGENT_MODE_LABEL: Record<AgentMode, string> = {
  compiled: "agent compiled: plain node, packages from dist/",
  source: "agent from TypeScript sources through tsx (--source): its loader is in every figure",
};

const right = (title: string): Column => ({ title, align: "right" });

/** The whole report as text: start, agent process, CRI calls, calls by RPC, goals. */
export function renderReport(report: PodsBenchReport): string {
  const runs = report.runs.filter((run) => run.start !== undefined);
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `## Pod start (${AGENT_MODE_LABEL[report.agentMode]}; Node ${m.node}, ${m.cpus} × ${m.cpuModel}, load ${report.loadAverage.start.toFixed(2)} → ${report.loadAverage.end.toFixed(2)}${report.quick ? ", --quick" : ""})`,
  );

  out.push("", "### Start: manifests moved in → every pod Running", "");
  out.push(
    renderTable(
      [
        { title: "runtime" },
        right("pods"),
        right("Running"),
        right("all Running"),
        right("first seen ms"),
        right("all seen ms"),
        right("latency p50 ms"),
        right("p99 ms"),
        right("max ms"),
        right("source updates"),
      ],
      runs.map((run) => {
        const s = run.start as StartMeasurement;
        return [
          runLabel(run),
          String(run.pods),
          String(s.running),
          s.timedOut ? "timed out" : seconds(s.totalMs),
          ms(s.firstSeenMs),
          ms(s.allSeenMs),
          ms(s.latency?.p50Ms ?? Number.NaN),
          ms(s.latency?.p99Ms ?? Number.NaN),
          ms(s.latency?.maxMs ?? Number.NaN),
          String(s.sourceUpdates),
        ];
      }),
    ),
  );

  out.push("", "### Where a pod's start latency goes (p50 / p99 ms)", "");
  const pair = (summary: { p50Ms: number; p99Ms: number } | undefined): string =>
    summary === undefined ? "n/a" : `${ms(summary.p50Ms)} / ${ms(summary.p99Ms)}`;
  out.push(
    renderTable(
      [
        { title: "runtime" },
        right("pods"),
        right("seen → RunPodSandbox sent"),
        right("→ StartContainer answered"),
        right("→ status Running"),
        right("whole (seen → Running)"),
      ],
      runs.map((run) => {
        const s = run.start as StartMeasurement;
        return [
          runLabel(run),
          String(run.pods),
          pair(s.stages.toFirstCriCall),
          pair(s.stages.criWork),
          pair(s.stages.toRunningStatus),
          pair(s.latency),
        ];
      }),
    ),
  );

  out.push(
    "",
    `### The agent process: CPU and event loop (after start: the ${seconds(report.afterMs)} after all pods run)`,
    "",
  );
  out.push(
    renderTable(
      [
        { title: "runtime" },
        right("pods"),
        right("CPU s, start"),
        right("CPU ms/pod"),
        right("runtime CPU s, start"),
        right("loop delay p50 / p99 / max ms, start"),
        right("CPU %, after start"),
        right("CRI calls/s, after start"),
        right("loop delay p99 / max ms, after start"),
      ],
      runs.map((run) => {
        const s = run.start as StartMeasurement;
        const d = s.start.loopDelay;
        const after = s.afterStart;
        return [
          runLabel(run),
          String(run.pods),
          s.start.cpuSeconds.toFixed(2),
          ms((s.start.cpuSeconds * 1000) / run.pods),
          Number.isFinite(run.runtimeCpuSeconds) ? run.runtimeCpuSeconds.toFixed(2) : "n/a",
          `${ms(d.p50Ms)} / ${ms(d.p99Ms)} / ${ms(d.maxMs)}`,
          ((after.cpuSeconds * 1000 * 100) / after.durationMs).toFixed(1),
          ((after.criCalls * 1000) / after.durationMs).toFixed(0),
          `${ms(after.loopDelay.p99Ms)} / ${ms(after.loopDelay.maxMs)}`,
        ];
      }),
    ),
  );

  out.push("", "### The agent process: memory", "");
  out.push(
    renderTable(
      [
        { title: "runtime" },
        right("pods"),
        right("RSS at entry"),
        right("RSS idle"),
        right("peak RSS"),
        right("peak heap used"),
        right("after GC: heap used"),
        right("heap committed"),
        right("external"),
        right("RSS"),
      ],
      runs.map((run) => {
        const s = run.start as StartMeasurement;
        return [
          runLabel(run),
          String(run.pods),
          mib(s.rssAtEntryBytes),
          mib(s.rssIdleBytes),
          mib(peakRss(s)),
          mib(Math.max(s.start.peakHeapUsedBytes, s.afterStart.peakHeapUsedBytes)),
          mib(s.afterGc.heapUsedBytes),
          mib(s.afterGc.heapTotalBytes),
          mib(s.afterGc.externalBytes),
          mib(s.afterGc.rssBytes),
        ];
      }),
    ),
  );

  out.push("", "### CRI calls of the start, replayed directly through the CRI client", "");
  out.push(
    renderTable(
      [
        { title: "runtime" },
        right("pods"),
        right("calls"),
        right("calls/pod"),
        right("failed"),
        right("replay 1 at a time"),
        right("per call p50 / p99 ms"),
        right("replay, pods in parallel"),
        right("chains"),
        right("client CPU s, seq / par"),
        right("agent / sequential"),
        right("agent / parallel"),
      ],
      runs.map((run) => {
        const s = run.start as StartMeasurement;
        const seq = replayOf(run, "sequential");
        const par = replayOf(run, "parallel");
        return [
          runLabel(run),
          String(run.pods),
          String(s.calls.total),
          (s.calls.total / run.pods).toFixed(1),
          String(s.calls.failed),
          seq === undefined ? "n/a" : seconds(seq.wallMs),
          seq?.latency === undefined ? "n/a" : `${ms(seq.latency.p50Ms)} / ${ms(seq.latency.p99Ms)}`,
          par === undefined ? "n/a" : seconds(par.wallMs),
          par === undefined ? "n/a" : String(par.chains),
          `${seq?.cpuSeconds.toFixed(2) ?? "n/a"} / ${par?.cpuSeconds.toFixed(2) ?? "n/a"}`,
          seq === undefined ? "n/a" : ratio(s.totalMs / seq.wallMs),
          par === undefined ? "n/a" : ratio(s.totalMs / par.wallMs),
        ];
      }),
    ),
  );

  const methods = [
    ...new Set(
      runs.flatMap((run) => [
        ...Object.keys(run.start?.calls.byMethod ?? {}),
        ...Object.keys(run.start?.afterStart.criCallsByMethod ?? {}),
      ]),
    ),
  ].sort();
  if (methods.length > 0) {
    out.push("", "### CRI calls by RPC: during the start / per second in the after-start window", "");
    out.push(
      renderTable(
        [{ title: "RPC" }, ...runs.map((run) => right(`${runLabel(run)}, ${run.pods}`))],
        [
          ...methods.map((method) => [method, ...runs.map((run) => callCell(run, method))]),
          ["all", ...runs.map((run) => callCell(run, undefined))],
        ],
      ),
    );
  }

  out.push("", "### Goals (information only)", "");
  out.push(
    renderTable(
      [{ title: "goal" }, { title: "subject" }, { title: "measured" }, { title: "verdict" }],
      report.goals.map((goal) => [
        goal.goal,
        goal.subject,
        goal.measured,
        goal.met ? "meets goal" : "misses goal",
      ]),
    ),
  );

  const problems = [
    ...report.problems,
    ...report.runs.flatMap((run) =>
      run.problems.map((text) => `${runLabel(run)}, ${run.pods} pods: ${text}`),
    ),
  ];
  if (problems.length > 0) out.push("", "### Problems", "", ...problems.map((text) => `- ${text}`));
  return out.join("\n");
}

/** `start / after per s` for one RPC (or all) of a run. */
function callCell(run: RunReport, method: string | undefined): string {
  const s = run.start as StartMeasurement;
  const start = method === undefined ? s.calls.total : (s.calls.byMethod[method] ?? 0);
  const after = method === undefined ? s.afterStart.criCalls : (s.afterStart.criCallsByMethod[method] ?? 0);
  return `${start} / ${((after * 1000) / s.afterStart.durationMs).toFixed(1)}`;
}
