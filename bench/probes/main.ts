import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type BenchChild, forkBenchChild } from "../lib/child.js";
import { machineInfo } from "../lib/environment.js";
import { errorText, runBenchMain } from "../lib/main.js";
import { emitReport } from "../lib/output.js";
import { type CpuProfile, formatProfileSummary, summarizeProfile } from "../lib/profile.js";
import { type ProbeMode, type ProbesBenchOptions, parseProbesBenchOptions, USAGE } from "./options.js";
import { expectedProbes } from "./pods.js";
import { formatInclusiveTimes, inclusiveTimes, sliceProfile } from "./profile-window.js";
import type {
  ProberChildArgs,
  ProberChildMessage,
  ProberChildRequest,
  ProberMeasurement,
  TargetsChildArgs,
  TargetsChildMessage,
  TargetsChildRequest,
} from "./protocol.js";
import { type ModeRun, type ProbesBenchReport, renderReport } from "./report.js";
import { createTimeWaitSampler } from "./time-wait.js";

const READY_TIMEOUT_MS = 60_000;
const TIME_WAIT_SAMPLE_MS = 1_000;
/** How often a long window reports its progress. */
const PROGRESS_EVERY_MS = 60_000;

type Progress = (line: string) => void;
type Targets = BenchChild<TargetsChildRequest, TargetsChildMessage>;
type Prober = BenchChild<ProberChildRequest, ProberChildMessage>;

async function main(argv: readonly string[]): Promise<number> {
  let options: ProbesBenchOptions;
  try {
    options = parseProbesBenchOptions(argv);
  } catch (err) {
    process.stderr.write(`bench:probes: ${errorText(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress: Progress = (line) => process.stderr.write(`  ${line}\n`);
  const startedAt = new Date();
  const loadAtStart = loadavg();
  progress(`load average ${loadAtStart.map((v) => v.toFixed(2)).join(" ")} at the start`);
  const workDir = await mkdtemp(join(tmpdir(), "kubelet-kit-bench-probes-"));
  if (options.profileDir !== undefined) await mkdir(options.profileDir, { recursive: true });
  const runs: ModeRun[] = [];
  try {
    for (const mode of options.modes) runs.push(await runMode(mode, options, workDir, progress));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const report: ProbesBenchReport = {
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    quick: options.quick,
    warmupMs: options.warmupMs,
    windowMs: options.windowMs,
    profiled: options.profileDir !== undefined,
    runs,
    problems: [],
  };
  await emitReport(renderReport(report), report, { startedAt, jsonFile: options.jsonFile });
  // A mode that could not be measured is an error; numbers never are.
  return runs.some((run) => run.measurement === undefined) ? 1 : 0;
}

/**
 * One mode: the targets' process, then the prober's process with one pod per container; the warm-up; the
 * window, with the targets' CPU and the TIME_WAIT peak measured from here; then both processes stopped.
 */
async function runMode(
  mode: ProbeMode,
  options: ProbesBenchOptions,
  workDir: string,
  progress: Progress,
): Promise<ModeRun> {
  const containers = mode === "exec" ? options.execContainers : options.networkContainers;
  let targets: Targets | undefined;
  let prober: Prober | undefined;
  let sampler: ReturnType<typeof createTimeWaitSampler> | undefined;
  let measurement: ProberMeasurement | undefined;
  let target = "";
  let port = 0;
  let targetsCpuSeconds = Number.NaN;
  let timeWait = { peakOnPort: Number.NaN, peakAll: Number.NaN, samples: 0 };
  const problems: string[] = [];
  try {
    const targetsArgs: TargetsChildArgs = {
      mode,
      execContainers: containers,
      socketPath: join(workDir, `${mode}.sock`),
    };
    targets = forkBenchChild<TargetsChildRequest, TargetsChildMessage>(
      new URL("./targets-child.ts", import.meta.url),
      [JSON.stringify(targetsArgs)],
    );
    const ready = await targets.next("ready", READY_TIMEOUT_MS);
    target = ready.description;
    port = ready.port;
    sampler = createTimeWaitSampler(new Set(port === 0 ? [] : [port]), TIME_WAIT_SAMPLE_MS);
    if (!sampler.available) problems.push("/proc/net/tcp is not readable: TIME_WAIT not sampled");

    const proberArgs: ProberChildArgs = {
      mode,
      containers,
      podIp: "127.0.0.1",
      port,
      endpoint: ready.endpoint,
      containerIds: ready.containerIds,
      ...(options.maxConcurrentProbes !== undefined
        ? { maxConcurrentProbes: options.maxConcurrentProbes }
        : {}),
    };
    // Node's own profiler over the process's whole life (written when it exits), cut to the window
    // afterwards: no inspector session or profiler calls in the measured process.
    const profileFile =
      options.profileDir !== undefined
        ? join(resolve(options.profileDir), `prober-${mode}.cpuprofile`)
        : undefined;
    prober = forkBenchChild<ProberChildRequest, ProberChildMessage>(
      new URL("./prober-child.ts", import.meta.url),
      [JSON.stringify(proberArgs)],
      profileFile === undefined
        ? process.execArgv
        : [
            ...process.execArgv,
            "--cpu-prof",
            `--cpu-prof-dir=${resolve(options.profileDir ?? ".")}`,
            `--cpu-prof-name=prober-${mode}.cpuprofile`,
          ],
    );
    await prober.next("ready", READY_TIMEOUT_MS);
    progress(
      `${mode}: ${containers} liveness probes (prober pid ${prober.pid}, targets pid ${targets.pid}); warming up ${(options.warmupMs / 1000).toFixed(0)} s`,
    );
    await sleep(options.warmupMs);

    prober.send({ type: "begin" });
    await prober.next("begun", 30_000);
    sampler.reset();
    const cpuAtBegin = await targetsCpu(targets);
    progress(`${mode}: measuring for ${(options.windowMs / 1000).toFixed(0)} s`);
    for (let elapsed = 0; elapsed < options.windowMs; ) {
      const step = Math.min(PROGRESS_EVERY_MS, options.windowMs - elapsed);
      await sleep(step);
      elapsed += step;
      if (elapsed < options.windowMs) {
        progress(`${mode}: ${(elapsed / 1000).toFixed(0)} of ${(options.windowMs / 1000).toFixed(0)} s`);
      }
    }
    targetsCpuSeconds = (await targetsCpu(targets)) - cpuAtBegin;
    prober.send({ type: "end" });
    measurement = (await prober.next("measured", 120_000)).measurement;
    const peaks = sampler.peaks();
    timeWait = { peakOnPort: peaks.onPorts, peakAll: peaks.all, samples: peaks.samples };
    const probesRun = measurement.probes.successful + measurement.probes.failed + measurement.probes.unknown;
    progress(
      `${mode}: ${probesRun} probes, CPU ${(measurement.cpuUserSeconds + measurement.cpuSystemSeconds).toFixed(1)} s, loop delay p99 ${measurement.loopDelay.p99Ms.toFixed(1)} ms, peak TIME_WAIT ${timeWait.peakOnPort}, ${measurement.stuck.count} probes stuck (in flight > 5 s; oldest ${(measurement.stuck.oldestMs / 1000).toFixed(1)} s)`,
    );
    await prober.waitForExit(30_000);
    if (profileFile !== undefined) await summarizeWindowProfile(profileFile, measurement, mode);
  } catch (err) {
    problems.push(errorText(err));
    progress(`${mode}: ${errorText(err)}`);
  } finally {
    sampler?.stop();
    prober?.kill();
    if (targets !== undefined) {
      targets.send({ type: "stop" });
      await targets.waitForExit(10_000);
    }
  }
  return {
    mode,
    containers,
    target,
    port,
    measurement,
    expectedProbes: expectedProbes(containers, measurement?.windowMs ?? options.windowMs),
    targetsCpuSeconds,
    timeWait,
    problems,
  };
}

/** Cuts the prober's whole-life profile to the window, writes that as `-window.cpuprofile` and prints where the time went. */
async function summarizeWindowProfile(
  file: string,
  measurement: ProberMeasurement,
  mode: ProbeMode,
): Promise<void> {
  const whole = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const [fromUs, toUs] = measurement.windowUs;
  const window = sliceProfile(whole, fromUs, toUs);
  const windowFile = file.replace(/\.cpuprofile$/, "-window.cpuprofile");
  await writeFile(windowFile, JSON.stringify(window));
  const probes = measurement.probes.successful + measurement.probes.failed + measurement.probes.unknown;
  process.stderr.write(
    `${formatProfileSummary(`${windowFile} (prober, ${mode}, ${probes} probes)`, summarizeProfile(window, 30))}\n`,
  );
  process.stderr.write(
    `${formatInclusiveTimes(`${windowFile} (prober, ${mode})`, inclusiveTimes(window, 60))}\n`,
  );
}

async function targetsCpu(targets: Targets): Promise<number> {
  targets.send({ type: "usage" });
  return (await targets.next("usage", 10_000)).cpuSeconds;
}

runBenchMain("bench:probes", main);
