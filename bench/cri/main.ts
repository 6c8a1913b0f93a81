import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { ListContainersResponse } from "@kubelet-kit/cri-api";
import { createRuntimeService } from "@kubelet-kit/cri-client";
import { errorText, runBenchMain } from "../lib/main.js";
import { emitReport } from "../lib/output.js";
import { runCases } from "./cases.js";
import { prepareContainerd } from "./containerd-target.js";
import { benchDecode, type DecodeResult } from "./decode.js";
import { startFakeTarget } from "./fake-target.js";
import { type BenchOptions, parseBenchOptions, USAGE } from "./options.js";
import { type BenchPlan, DEFAULT_PLAN, QUICK_PLAN } from "./plan.js";
import { type BenchReport, evaluateGoals, renderReport, type TargetReport } from "./report.js";

type Progress = (line: string) => void;

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv, process.env);
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const plan = options.quick ? QUICK_PLAN : DEFAULT_PLAN;
  const progress: Progress = (line) => process.stderr.write(`  ${line}\n`);
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const targets: TargetReport[] = [];
  const decode: DecodeResult[] = [];
  const problems: string[] = [];
  const workDir = await mkdtemp(join(tmpdir(), "kubelet-kit-bench-"));

  try {
    await benchFake(plan, workDir, progress, targets, decode);
    if (options.containerdEndpoint !== undefined) {
      try {
        await benchContainerd(options, plan, workDir, progress, targets, decode);
      } catch (err) {
        problems.push(`containerd at ${options.containerdEndpoint}: ${errorText(err)}`);
      }
    } else {
      problems.push("containerd: not measured (pass --containerd unix:///path/containerd.sock)");
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  const cpuList = cpus();
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    node: process.version,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown CPU",
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? Number.NaN },
    quick: options.quick,
    plan,
    targets,
    decode,
    goals: evaluateGoals(targets, decode),
    problems,
  };
  await emitReport(renderReport(report), report, { startedAt, jsonFile: options.jsonFile });
  // A containerd that was asked for but could not be measured is an error; numbers never are.
  return options.containerdEndpoint !== undefined && problems.length > 0 ? 1 : 0;
}

async function benchFake(
  plan: BenchPlan,
  workDir: string,
  progress: Progress,
  targets: TargetReport[],
  decode: DecodeResult[],
): Promise<void> {
  progress(`fake: starting the fake runtime with ${plan.fakeContainers} containers (separate process)`);
  const fake = await startFakeTarget({
    containers: plan.fakeContainers,
    sandboxes: plan.fakeSandboxes,
    socketPath: join(workDir, "fake.sock"),
    logDirectory: join(workDir, "fake-logs"),
  });
  progress(
    `fake: ${fake.containers} containers created in ${fake.createMs.toFixed(0)} ms, serving ${fake.endpoint}`,
  );
  try {
    const { listed, cases } = await runCases({ target: "fake", endpoint: fake.endpoint, plan, progress });
    targets.push({
      target: "fake",
      endpoint: fake.endpoint,
      runtime: fake.runtime,
      containersCreated: fake.containers,
      containersListed: listed,
      cases,
    });
    decode.push(await benchDecode("fake", await listOnce(fake.endpoint), plan));
  } finally {
    await fake.stop();
  }
}

async function benchContainerd(
  options: BenchOptions,
  plan: BenchPlan,
  workDir: string,
  progress: Progress,
  targets: TargetReport[],
  decode: DecodeResult[],
): Promise<void> {
  const endpoint = options.containerdEndpoint ?? "";
  const containerd = await prepareContainerd({
    endpoint,
    image: options.containerdImage,
    plan,
    logDirectory: join(workDir, "containerd-logs"),
    progress,
  });
  try {
    const { listed, cases } = await runCases({ target: "containerd", endpoint, plan, progress });
    targets.push({
      target: "containerd",
      endpoint,
      runtime: containerd.runtime,
      containersCreated: containerd.population.containerIds.length,
      containersListed: listed,
      cases,
    });
    decode.push(await benchDecode("containerd", await listOnce(endpoint), plan));
  } finally {
    progress(`containerd: removing ${containerd.population.containerIds.length} containers`);
    const { removed, errors, elapsedMs } = await containerd.cleanUp();
    progress(`containerd: removed ${removed} containers in ${(elapsedMs / 1000).toFixed(1)} s`);
    for (const error of errors.slice(0, 5)) progress(`containerd: cleanup: ${error}`);
  }
}

/** One `ListContainers` response, for the decode benchmark. */
async function listOnce(endpoint: string): Promise<ListContainersResponse> {
  const runtime = createRuntimeService({ endpoint });
  try {
    return await runtime.listContainers({});
  } finally {
    runtime.close();
  }
}

runBenchMain("bench", main);
