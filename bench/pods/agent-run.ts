import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createRealClock } from "@kubelet-kit/core";
import {
  createGrpcTransport,
  createImageService,
  createRuntimeService,
  type ImageServiceClient,
  type RuntimeServiceClient,
} from "@kubelet-kit/cri-client";
import { createMinimalKubelet } from "@kubelet-kit/example-minimal-kubelet/agent";
import { sendToParent } from "../lib/child.js";
import {
  connectedSession,
  createCpuProfiler,
  createHeapProfiler,
  formatHeapProfileSummary,
  formatProfileSummary,
  summarizeProfile,
} from "../lib/profile.js";
import { summarize } from "../lib/stats.js";
import { removeNamespaceSandboxes } from "./cleanup.js";
import { createResourceMonitor } from "./monitor.js";
import {
  type AgentChildArgs,
  type AgentChildMessage,
  type AgentChildRequest,
  parseAgentChildArgs,
  type ReplayMeasurement,
  type StartMeasurement,
} from "./protocol.js";
import { callsBetween, countCalls, createCallRecorder, type PodCriTimes, podCriTimes } from "./recorder.js";
import { replayCalls } from "./replay.js";

/** How long the agent idles after its first (empty) read of the manifest directory before `ready`. */
const SETTLE_MS = 1_500;
/** Node IPs the agent reports (documentation range: nothing is routed to it). */
const NODE_IPS = ["192.0.2.10"];
/** Problems kept per run (sync errors repeat). */
const MAX_PROBLEMS = 5;

/** The child's whole life: start the agent, measure one start of N pods, then replay its CRI calls. */
export async function runAgentChild(rssAtEntryBytes: number): Promise<void> {
  try {
    await run(rssAtEntryBytes);
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    // Exit only once the message is out.
    process.send?.({ type: "error", message } satisfies AgentChildMessage, undefined, undefined, () =>
      process.exit(1),
    );
  }
}

async function run(rssAtEntryBytes: number): Promise<void> {
  const args = parseAgentChildArgs(process.argv.slice(2));
  const requests = createRequestQueue();
  const clock = createRealClock();
  const recorder = createCallRecorder();
  // One connection for both services, as the example's CLI opens it.
  const transport = createGrpcTransport({ endpoint: args.endpoint });
  const cri = {
    runtimeService: createRuntimeService({ transport, clock, interceptors: [recorder.interceptor] }),
    imageService: createImageService({ transport, clock, interceptors: [recorder.interceptor] }),
  };
  const version = await cri.runtimeService.version({ version: "0.1.0" });
  const runtime = `${version.runtimeName} ${version.runtimeVersion}`;

  // The agent's own file source (20 s re-read, fs.watch with a 100 ms debounce); `podSeen` tells when it
  // first delivered each pod.
  const agent = createMinimalKubelet({
    nodeName: args.nodeName,
    cri,
    clock,
    staticPodPath: args.manifestDir,
    maxPods: Math.max(args.pods, 110),
    podLogsDir: args.podLogsDir,
    rootDir: args.rootDir,
    nodeIps: NODE_IPS,
  });

  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  let tracking = false;
  let sourceUpdates = 0;
  let updateAt: number | undefined;
  const seenAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  let allRunning: () => void = () => {};
  const allRunningDone = new Promise<void>((resolve) => {
    allRunning = resolve;
  });
  agent.on("podSeen", ({ uid }) => {
    if (!tracking) return;
    // The pods one source update adds are announced together, in one synchronous run: each run is one
    // update, and its pods share the update's time.
    if (updateAt === undefined) {
      updateAt = performance.now();
      sourceUpdates++;
      queueMicrotask(() => {
        updateAt = undefined;
      });
    }
    seenAt.set(uid, updateAt);
  });
  agent.on("podStatus", ({ pod, status }) => {
    if (!tracking || status.phase !== "Running") return;
    const uid = pod.metadata?.uid ?? "";
    if (runningAt.has(uid)) return;
    runningAt.set(uid, performance.now());
    if (runningAt.size === args.pods) allRunning();
  });
  agent.on("syncError", (event) => problem(`sync error: ${JSON.stringify(event).slice(0, 300)}`));
  agent.on("sourceError", ({ message }) => problem(`source error: ${message}`));

  // Resolves once the file source has read the (empty) manifest directory.
  await agent.start();
  await sleep(SETTLE_MS);
  const monitor = createResourceMonitor();
  const rssIdleBytes = process.memoryUsage.rss();
  send({ type: "ready", runtime, rssAtEntryBytes, rssIdleBytes });

  await requests.next("go");
  const session = args.profilePrefix !== undefined ? connectedSession() : undefined;
  const profiler = session !== undefined ? createCpuProfiler(500, session) : undefined;
  const heapProfiler = session !== undefined ? createHeapProfiler(32 * 1024, session) : undefined;
  const writeProfile = async (window: string): Promise<void> => {
    if (profiler === undefined) return;
    const file = `${args.profilePrefix}-${window}.cpuprofile`;
    const profile = await profiler.stop(file);
    process.stderr.write(
      `${formatProfileSummary(`${file} (${args.pods} pods)`, summarizeProfile(profile))}\n`,
    );
  };
  await heapProfiler?.start();
  await profiler?.start();
  recorder.startKeeping();
  monitor.begin();
  const goAt = performance.now();
  tracking = true;
  send({ type: "armed" });
  const timedOut = !(await Promise.race([
    allRunningDone.then(() => true),
    sleep(args.startTimeoutMs).then(() => false),
  ]));
  recorder.stopKeeping();
  send({ type: "all-running" });
  const calls = recorder.kept();
  const start = monitor.end(countCalls(calls).byMethod);
  await writeProfile("start");
  if (heapProfiler !== undefined) {
    const file = `${args.profilePrefix}-start.heapprofile`;
    process.stderr.write(
      `${formatHeapProfileSummary(`${file} (${args.pods} pods)`, await heapProfiler.stop(file))}\n`,
    );
  }
  await profiler?.start();
  const callsAtAllRunning = recorder.startedByMethod();
  monitor.begin();
  await sleep(args.afterMs);
  const afterStart = monitor.end(callsBetween(callsAtAllRunning, recorder.startedByMethod()));
  await writeProfile("after-start");
  const afterGc = collectGarbage();
  if (timedOut)
    problem(`only ${runningAt.size} of ${args.pods} pods Running after ${args.startTimeoutMs} ms`);
  send({
    type: "started",
    measurement: startMeasurement(args, {
      goAt,
      seenAt,
      runningAt,
      sourceUpdates,
      timedOut,
      rssAtEntryBytes,
      rssIdleBytes,
      afterGc,
      start,
      afterStart,
      calls: countCalls(calls),
      criTimes: podCriTimes(calls),
      runtime,
      problems,
    }),
  });

  await requests.next("stop-agent");
  const stopStartedAt = performance.now();
  await agent.stop();
  const removedSandboxes =
    args.target === "containerd" ? await removeNamespaceSandboxes(cri.runtimeService, args.namespace) : 0;
  send({ type: "agent-stopped", removedSandboxes, cleanupMs: performance.now() - stopStartedAt });
  transport.close();

  for (;;) {
    const request = await requests.next("replay", "exit");
    if (request.type === "exit") break;
    send({ type: "replayed", replay: await replay(request, calls, args.namespace) });
  }
  monitor.close();
  // Clients' and sources' timers must not keep the process up (and --cpu-prof writes its profile on exit).
  process.exit(0);
}

interface StartFigures {
  goAt: number;
  seenAt: ReadonlyMap<string, number>;
  runningAt: ReadonlyMap<string, number>;
  sourceUpdates: number;
  timedOut: boolean;
  rssAtEntryBytes: number;
  rssIdleBytes: number;
  afterGc: StartMeasurement["afterGc"];
  start: StartMeasurement["start"];
  afterStart: StartMeasurement["afterStart"];
  calls: StartMeasurement["calls"];
  criTimes: PodCriTimes;
  runtime: string;
  problems: readonly string[];
}

function startMeasurement(args: AgentChildArgs, f: StartFigures): StartMeasurement {
  const latencies: number[] = [];
  const toFirstCriCall: number[] = [];
  const criWork: number[] = [];
  const toRunningStatus: number[] = [];
  for (const [uid, running] of f.runningAt) {
    const seen = f.seenAt.get(uid);
    if (seen !== undefined) latencies.push(running - seen);
    const sandboxSent = f.criTimes.sandboxSentAt.get(uid);
    const containerStarted = f.criTimes.containerStartedAt.get(uid);
    if (seen === undefined || sandboxSent === undefined || containerStarted === undefined) continue;
    toFirstCriCall.push(sandboxSent - seen);
    criWork.push(containerStarted - sandboxSent);
    toRunningStatus.push(running - containerStarted);
  }
  const summary = (values: number[]) => (values.length > 0 ? summarize(values) : undefined);
  const since = (times: Iterable<number>, pick: (a: number, b: number) => number): number => {
    let result = Number.NaN;
    for (const t of times) result = Number.isNaN(result) ? t : pick(result, t);
    return result - f.goAt;
  };
  return {
    pods: args.pods,
    running: f.runningAt.size,
    timedOut: f.timedOut,
    totalMs: f.timedOut ? Number.NaN : since(f.runningAt.values(), Math.max),
    firstSeenMs: since(f.seenAt.values(), Math.min),
    allSeenMs: since(f.seenAt.values(), Math.max),
    firstRunningMs: since(f.runningAt.values(), Math.min),
    latency: summary(latencies),
    stages: {
      toFirstCriCall: summary(toFirstCriCall),
      criWork: summary(criWork),
      toRunningStatus: summary(toRunningStatus),
    },
    sourceUpdates: f.sourceUpdates,
    rssAtEntryBytes: f.rssAtEntryBytes,
    rssIdleBytes: f.rssIdleBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    afterGc: f.afterGc,
    start: f.start,
    afterStart: f.afterStart,
    calls: f.calls,
    runtime: f.runtime,
    problems: f.problems,
  };
}

async function replay(
  request: Extract<AgentChildRequest, { type: "replay" }>,
  calls: Parameters<typeof replayCalls>[0],
  namespace: string,
): Promise<ReplayMeasurement> {
  const clock = createRealClock();
  const transport = createGrpcTransport({ endpoint: request.endpoint });
  const runtime: RuntimeServiceClient = createRuntimeService({ transport, clock });
  const image: ImageServiceClient = createImageService({ transport, clock });
  try {
    // Connect first: the agent's connection was open before its pods started too.
    await runtime.version({ version: "0.1.0" });
    const cpuBefore = process.cpuUsage();
    const run = await replayCalls(calls, { runtime, image }, request.mode);
    const cpu = process.cpuUsage(cpuBefore);
    const removedSandboxes = request.cleanUp ? await removeNamespaceSandboxes(runtime, namespace) : 0;
    return {
      mode: request.mode,
      calls: run.calls,
      failed: run.failed,
      chains: run.chains,
      wallMs: run.wallMs,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      latency: run.latenciesMs.length > 0 ? summarize(run.latenciesMs) : undefined,
      removedSandboxes,
    };
  } finally {
    transport.close();
  }
}

/** Requests from the benchmark, in order. */
function createRequestQueue(): {
  next<T extends AgentChildRequest["type"]>(...types: T[]): Promise<Extract<AgentChildRequest, { type: T }>>;
} {
  const queue: AgentChildRequest[] = [];
  let wake: (() => void) | undefined;
  process.on("message", (request: AgentChildRequest) => {
    queue.push(request);
    wake?.();
  });
  // The benchmark died: do not outlive it.
  process.on("disconnect", () => process.exit(1));
  return {
    async next(...types) {
      for (;;) {
        const request = queue.shift();
        if (request !== undefined) {
          if ((types as string[]).includes(request.type)) return request as never;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

/** A full garbage collection, then the heap in use and RSS: what stays, not what was allocated. */
function collectGarbage(): StartMeasurement["afterGc"] {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  const usage = process.memoryUsage();
  return {
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external,
    rssBytes: usage.rss,
  };
}

function send(message: AgentChildMessage): void {
  sendToParent(message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
