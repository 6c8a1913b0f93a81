import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRuntimeService } from "@kubelet-kit/cri-client";
import { type BenchChild, forkBenchChild } from "../lib/child.js";
import { loadAverage1m, machineInfo } from "../lib/environment.js";
import { errorText, runBenchMain } from "../lib/main.js";
import { emitReport } from "../lib/output.js";
import { buildCompiledAgent } from "./build.js";
import { removeNamespaceSandboxes } from "./cleanup.js";
import type { FakeServerMessage, FakeServerRequest } from "./fake-server.js";
import { moveManifests, stageManifests } from "./manifests.js";
import { POD_IMAGE, type PodsBenchOptions, parsePodsBenchOptions, USAGE } from "./options.js";
import type {
  AgentChildArgs,
  AgentChildMessage,
  AgentChildRequest,
  ReplayMeasurement,
  StartMeasurement,
} from "./protocol.js";
import {
  type AgentMode,
  evaluateGoals,
  type PodsBenchReport,
  type RunReport,
  renderReport,
  runLabel,
} from "./report.js";

/** Every benchmark pod lives here, so containerd's leftovers can be found and removed. */
const NAMESPACE = "kubelet-kit-bench";
const NODE_NAME = "bench-node";
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 120_000;
const REPLAY_TIMEOUT_MS = 600_000;

type Progress = (line: string) => void;

/** What the agent's process runs: its module and its Node flags. */
interface AgentProcess {
  readonly mode: AgentMode;
  readonly module: URL;
  readonly execArgv: readonly string[];
}

async function main(argv: readonly string[]): Promise<number> {
  let options: PodsBenchOptions;
  try {
    options = parsePodsBenchOptions(argv, process.env);
  } catch (err) {
    process.stderr.write(`bench:pods: ${errorText(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress: Progress = (line) => process.stderr.write(`  ${line}\n`);
  let agentProcess: AgentProcess;
  try {
    agentProcess = await prepareAgentProcess(options.source, progress);
  } catch (err) {
    process.stderr.write(
      `bench:pods: ${errorText(err)}\n\nbench:pods: --source runs the agent from its TypeScript sources without a build.\n`,
    );
    return 1;
  }
  const startedAt = new Date();
  const loadAtStart = loadAverage1m();
  const plainNodeRssBytes = measurePlainNodeRss();
  const runs: RunReport[] = [];
  const problems: string[] = [];
  const workDir = await mkdtemp(join(tmpdir(), "kubelet-kit-bench-pods-"));
  if (options.profileDir !== undefined) await mkdir(options.profileDir, { recursive: true });

  try {
    for (const pods of options.fakePods) {
      runs.push(await runOnce({ target: "fake", pods, options, agentProcess, workDir, progress }));
    }
    if (options.containerdEndpoint !== undefined) {
      runs.push(
        await runOnce({
          target: "containerd",
          pods: options.containerdPods,
          endpoint: options.containerdEndpoint,
          options,
          agentProcess,
          workDir,
          progress,
        }),
      );
    } else {
      problems.push("containerd: not measured (pass --containerd unix:///path/containerd.sock)");
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  const report: PodsBenchReport = {
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage1m() },
    agentMode: agentProcess.mode,
    quick: options.quick,
    afterMs: options.afterMs,
    plainNodeRssBytes,
    runs,
    goals: evaluateGoals(runs, { agentMode: agentProcess.mode, plainNodeRssBytes }),
    problems,
  };
  await emitReport(renderReport(report), report, { startedAt, jsonFile: options.jsonFile });
  // A run that could not be measured is an error; numbers never are.
  return runs.some((run) => run.start === undefined) ? 1 : 0;
}

interface RunOnceInput {
  readonly target: "fake" | "containerd";
  readonly pods: number;
  /** containerd's endpoint; the fake is started here. */
  readonly endpoint?: string;
  readonly options: PodsBenchOptions;
  readonly agentProcess: AgentProcess;
  readonly workDir: string;
  readonly progress: Progress;
}

/**
 * One N on one runtime: a fresh agent process, N manifests moved into its directory, the start measured,
 * then its CRI calls replayed twice (one at a time, then pods in parallel) against a fresh fake, or against
 * the same containerd once the agent's pods are removed.
 */
async function runOnce(input: RunOnceInput): Promise<RunReport> {
  const { target, pods, options, progress } = input;
  const hostNetwork = target === "containerd" && options.hostNetwork;
  const label = `${runLabel({ target, hostNetwork })}, ${pods} pods`;
  const dir = join(input.workDir, `${target}-${pods}`);
  const manifestDir = join(dir, "manifests");
  const stagingDir = join(dir, "staging");
  await mkdir(manifestDir, { recursive: true });
  const fakes: BenchChild<FakeServerRequest, FakeServerMessage>[] = [];
  const startFake = async (name: string): Promise<string> => {
    const fake = forkBenchChild<FakeServerRequest, FakeServerMessage>(
      new URL("./fake-server.ts", import.meta.url),
      [join(dir, `${name}.sock`)],
    );
    fakes.push(fake);
    return (await fake.next("ready", READY_TIMEOUT_MS)).endpoint;
  };
  const stopFakes = async (): Promise<void> => {
    for (const fake of fakes.splice(0)) {
      fake.send({ type: "stop" });
      await fake.waitForExit(5_000);
    }
  };

  let agent: BenchChild<AgentChildRequest, AgentChildMessage> | undefined;
  let start: StartMeasurement | undefined;
  let moveManifestsMs = Number.NaN;
  let runtimeCpuSeconds = Number.NaN;
  let agentStop: RunReport["agentStop"];
  const replays: ReplayMeasurement[] = [];
  const problems: string[] = [];
  try {
    const endpoint = target === "fake" ? await startFake("fake") : (input.endpoint ?? "");
    const files = await stageManifests(stagingDir, pods, {
      namespace: NAMESPACE,
      image: POD_IMAGE,
      hostNetwork,
    });
    const args: AgentChildArgs = {
      target,
      endpoint,
      pods,
      nodeName: NODE_NAME,
      namespace: NAMESPACE,
      manifestDir,
      podLogsDir: join(dir, "pod-logs"),
      rootDir: join(dir, "root"),
      afterMs: options.afterMs,
      startTimeoutMs: target === "fake" ? Math.max(30_000, pods * 100) : 180_000,
      ...(options.profileDir !== undefined
        ? { profilePrefix: join(resolve(options.profileDir), `agent-${target}-${pods}`) }
        : {}),
    };
    agent = forkBenchChild<AgentChildRequest, AgentChildMessage>(
      input.agentProcess.module,
      [JSON.stringify(args)],
      input.agentProcess.execArgv,
    );
    progress(`${label}: starting the agent (pid ${agent.pid}) on ${endpoint}`);
    await agent.next("ready", READY_TIMEOUT_MS);
    const runtimeCpuAtGo = await fakeCpuSeconds(fakes[0]);
    agent.send({ type: "go" });
    await agent.next("armed", 10_000);
    moveManifestsMs = moveManifests(stagingDir, manifestDir, files);
    progress(`${label}: ${pods} manifests moved in (${moveManifestsMs.toFixed(0)} ms); waiting for Running`);
    await agent.next("all-running", args.startTimeoutMs + 60_000);
    runtimeCpuSeconds = (await fakeCpuSeconds(fakes[0])) - runtimeCpuAtGo;
    start = (await agent.next("started", options.afterMs + 60_000)).measurement;
    problems.push(...start.problems);
    progress(
      `${label}: ${start.running} Running after ${(start.totalMs / 1000).toFixed(2)} s; ${start.calls.total} CRI calls`,
    );

    agent.send({ type: "stop-agent" });
    const stopped = await agent.next("agent-stopped", STOP_TIMEOUT_MS);
    agentStop = { removedSandboxes: stopped.removedSandboxes, cleanupMs: stopped.cleanupMs };
    await stopFakes();

    for (const mode of ["sequential", "parallel"] as const) {
      const replayEndpoint = target === "fake" ? await startFake(`replay-${mode}`) : endpoint;
      progress(`${label}: replaying ${start.calls.total} calls, ${mode}`);
      agent.send({ type: "replay", mode, endpoint: replayEndpoint, cleanUp: target === "containerd" });
      const { replay } = await agent.next("replayed", REPLAY_TIMEOUT_MS);
      replays.push(replay);
      progress(`${label}: ${mode} replay took ${(replay.wallMs / 1000).toFixed(2)} s`);
      await stopFakes();
    }
    agent.send({ type: "exit" });
    await agent.waitForExit(10_000);
  } catch (err) {
    problems.push(errorText(err));
    progress(`${label}: ${errorText(err)}`);
  } finally {
    agent?.kill();
    await stopFakes();
    if (target === "containerd") problems.push(...(await sweepContainerd(input.endpoint ?? "", progress)));
  }
  return {
    target,
    pods,
    endpoint: target === "fake" ? "fake runtime in a child process (unix socket)" : (input.endpoint ?? ""),
    hostNetwork,
    moveManifestsMs,
    runtimeCpuSeconds,
    start,
    replays,
    agentStop,
    problems,
  };
}

/**
 * The agent's process: compiled (`bench/dist/pods/agent-child.js`, built first, run by a plain `node`, so
 * the packages load from their dist/ as a user's agent loads them), or with `--source` the TypeScript file
 * run as this process runs (tsx, the source condition), without a build.
 */
async function prepareAgentProcess(source: boolean, progress: Progress): Promise<AgentProcess> {
  if (source) {
    progress("agent process: TypeScript sources through tsx (--source), nothing built");
    return {
      mode: "source",
      module: new URL("./agent-child.ts", import.meta.url),
      execArgv: process.execArgv,
    };
  }
  progress(
    "agent process: compiled; building the packages (pnpm build), the example's agent and bench/dist (tsc)",
  );
  return { mode: "compiled", module: await buildCompiledAgent(), execArgv: [] };
}

/** CPU seconds the fake's process has used so far; NaN without a fake (containerd). */
async function fakeCpuSeconds(
  fake: BenchChild<FakeServerRequest, FakeServerMessage> | undefined,
): Promise<number> {
  if (fake === undefined) return Number.NaN;
  fake.send({ type: "usage" });
  return (await fake.next("usage", 5_000)).cpuSeconds;
}

/** Removes whatever benchmark sandboxes are left in containerd (after a failure, usually none). */
async function sweepContainerd(endpoint: string, progress: Progress): Promise<string[]> {
  const runtime = createRuntimeService({ endpoint, timeoutMs: 60_000 });
  try {
    const removed = await removeNamespaceSandboxes(runtime, NAMESPACE);
    if (removed > 0) progress(`containerd: removed ${removed} leftover sandboxes`);
    return [];
  } catch (err) {
    return [`containerd cleanup: ${errorText(err)}`];
  } finally {
    runtime.close();
  }
}

/** RSS of a Node process with nothing loaded: Node's own share of the agent's RSS (and, with --source, the loader's). */
function measurePlainNodeRss(): number {
  try {
    const out = execFileSync(
      process.execPath,
      ["-e", "process.stdout.write(String(process.memoryUsage.rss()))"],
      {
        encoding: "utf8",
      },
    );
    return Number(out);
  } catch {
    return Number.NaN;
  }
}

runBenchMain("bench:pods", main);
