import { performance } from "node:perf_hooks";
import type { CommandRunner } from "@kubelet-kit/core";
import { createRealClock } from "@kubelet-kit/core";
import { createRuntimeService, type RuntimeServiceClient } from "@kubelet-kit/cri-client";
import {
  createMemoryProberMetrics,
  createProbeHandlers,
  createProbeManager,
  type MemoryProberMetrics,
  PROBE_DURATION_BUCKETS_SECONDS,
  type ProbeHandlers,
  type Prober,
} from "@kubelet-kit/prober";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { runBenchChildMain, sendToParent } from "../lib/child.js";
import { createLoopDelayHistogram, readLoopDelay } from "../lib/loop-delay.js";
import { CONTAINER_NAME, POD_NAMESPACE, restartContainer, syntheticPods } from "./pods.js";
import {
  type ProberChildArgs,
  type ProberChildMessage,
  type ProberChildRequest,
  type ProberMeasurement,
  parseChildArgs,
} from "./protocol.js";

/** How often RSS and the V8 heap are sampled. */
const MEMORY_SAMPLE_INTERVAL_MS = 1_000;
/** The CRI client's deadline on top of an exec's own timeout, as the runtime manager sets it (2 min). */
const RUNTIME_REQUEST_TIMEOUT_MS = 120_000;

/** Runs the prober's process; `rssAtEntryBytes` was taken before this module loaded. */
export function runProberChild(rssAtEntryBytes: number): void {
  runBenchChildMain(() => run(rssAtEntryBytes));
}

async function run(rssAtEntryBytes: number): Promise<void> {
  const args = parseChildArgs<ProberChildArgs>(process.argv.slice(2), "prober-child");
  const clock = createRealClock();
  const metrics = createMemoryProberMetrics();
  const runtimeService =
    args.mode === "exec" ? createRuntimeService({ endpoint: args.endpoint, clock }) : undefined;
  const { pods, statuses } = syntheticPods(args, clock.now());
  /** Start times (performance.now) of the handler calls not settled yet. */
  const inFlight = new Set<{ readonly startedAt: number }>();
  const prober = createProbeManager({
    statusManager: { getPodStatus: (podUid) => statuses.get(podUid) },
    handlers: trackInFlight(createProbeHandlers({ runner: commandRunner(runtimeService), clock }), inFlight),
    clock,
    metrics,
    ...(args.maxConcurrentProbes === undefined
      ? {}
      : { maxConcurrentProbes: args.maxConcurrentProbes ?? Number.POSITIVE_INFINITY }),
  });

  const counts = { errored: 0, livenessFailures: 0, events: {} as Record<string, number> };
  const messages = new Set<string>();
  prober.on("event", (event) => {
    counts.events[event.reason] = (counts.events[event.reason] ?? 0) + 1;
    if (event.message.includes("errored and resulted in unknown state")) counts.errored++;
    if (messages.size < 5) messages.add(event.message);
  });
  // A published liveness failure is a restart in the kubelet. Network modes stand in for it with a new
  // container ID (exec containers are real ones in the fake runtime: their worker stays on hold).
  prober.on("result", (event) => {
    if (event.kind !== "liveness" || event.result !== "failure") return;
    counts.livenessFailures++;
    if (args.mode !== "exec") restartContainer(statuses, event.podUid, clock.now());
  });

  const histogram = createLoopDelayHistogram();
  histogram.enable();
  let peakRss = 0;
  let peakHeap = 0;
  const sampleMemory = (): void => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const sampler = setInterval(sampleMemory, MEMORY_SAMPLE_INTERVAL_MS);
  sampler.unref();

  const rssBeforePodsBytes = process.memoryUsage.rss();
  // Workers created within one period of the manager's creation start after a random part of their
  // period, as after a kubelet restart: the probes spread over the second instead of firing at once.
  for (const pod of pods) prober.addPod(pod);
  send({ type: "ready" });

  let baseline: Snapshot | undefined;
  let warmup: ProberMeasurement["warmup"] = { failed: 0, errored: 0, livenessFailuresPublished: 0 };
  let cpuAtBegin = process.cpuUsage();
  let begunAt = performance.now();
  let begunAtUs = monotonicUs();
  await new Promise<void>((resolve, reject) => {
    process.on("message", (request: ProberChildRequest) => {
      if (request.type === "begin") {
        void (async () => {
          baseline = snapshot(metrics, pods);
          warmup = {
            failed: baseline.failed + baseline.unknown,
            errored: counts.errored,
            livenessFailuresPublished: counts.livenessFailures,
          };
          counts.errored = 0;
          counts.livenessFailures = 0;
          counts.events = {};
          messages.clear();
          sampleMemory();
          peakRss = process.memoryUsage.rss();
          peakHeap = process.memoryUsage().heapUsed;
          histogram.reset();
          begunAt = performance.now();
          begunAtUs = monotonicUs();
          cpuAtBegin = process.cpuUsage();
          send({ type: "begun" });
        })().catch(reject);
      }
      if (request.type === "end") {
        const cpu = process.cpuUsage(cpuAtBegin);
        const windowMs = performance.now() - begunAt;
        const endedAtUs = monotonicUs();
        const loopDelay = readLoopDelay(histogram);
        sampleMemory();
        const end = snapshot(metrics, pods);
        const start = baseline ?? emptySnapshot();
        const measurement: ProberMeasurement = {
          windowMs,
          windowUs: [begunAtUs, endedAtUs],
          workers: prober.workerCount,
          probes: {
            successful: end.successful - start.successful,
            failed: end.failed - start.failed,
            unknown: end.unknown - start.unknown,
          },
          errored: counts.errored,
          events: { ...counts.events },
          sampleMessages: [...messages],
          livenessFailuresPublished: counts.livenessFailures,
          warmup,
          onHold: onHold(prober, statuses),
          stuck: stuckProbes(inFlight),
          duration: durationFigures(start, end),
          cpuUserSeconds: cpu.user / 1e6,
          cpuSystemSeconds: cpu.system / 1e6,
          loopDelay,
          rssAtEntryBytes,
          rssBeforePodsBytes,
          peakRssBytes: peakRss,
          peakHeapUsedBytes: peakHeap,
        };
        void (async () => {
          send({ type: "measured", measurement });
          histogram.disable();
          clearInterval(sampler);
          await prober.stop();
          runtimeService?.close();
          resolve();
        })().catch(reject);
      }
    });
  });
  process.disconnect?.();
}

/**
 * exec probes go through the CRI client's `ExecSync`, converted as the runtime manager's `execSync` does:
 * the timeout in whole seconds for the runtime, and the client's deadline 2 min beyond it.
 */
function commandRunner(runtime: RuntimeServiceClient | undefined): CommandRunner {
  return {
    async execSync(containerId, cmd, timeoutMs, options) {
      if (runtime === undefined) throw new Error("no runtime: exec probes run only in the exec mode");
      const timeoutSeconds = timeoutMs > 0 ? Math.ceil(timeoutMs / 1000) : 0;
      const response = await runtime.execSync(
        { containerId, cmd: [...cmd], timeout: BigInt(timeoutSeconds) },
        {
          timeoutMs: timeoutMs > 0 ? RUNTIME_REQUEST_TIMEOUT_MS + timeoutMs : Number.POSITIVE_INFINITY,
          signal: options?.signal,
        },
      );
      return { stdout: response.stdout, stderr: response.stderr, exitCode: response.exitCode };
    },
  };
}

/** Containers whose current instance has a published liveness failure: their worker waits for a restart. */
function onHold(prober: Prober, statuses: ReadonlyMap<string, V1PodStatus>): number {
  let count = 0;
  for (const status of statuses.values()) {
    const id = status.containerStatuses?.[0]?.containerID?.replace(/^[a-z]+:\/\//, "");
    if (id !== undefined && prober.result("liveness", id) === "failure") count++;
  }
  return count;
}

/** Handler calls in flight for longer than this at the end of the window count as stuck (timeout 1 s). */
const STUCK_AFTER_MS = 5_000;

/**
 * Wraps each handler to keep its calls in flight in `inFlight` (one Set insert and delete per probe): a
 * call that never settles stops its worker for good, and shows up here.
 */
function trackInFlight(
  handlers: ProbeHandlers,
  inFlight: Set<{ readonly startedAt: number }>,
): ProbeHandlers {
  const track =
    <R, T>(handler: (request: R) => Promise<T>) =>
    async (request: R): Promise<T> => {
      const entry = { startedAt: performance.now() };
      inFlight.add(entry);
      try {
        return await handler(request);
      } finally {
        inFlight.delete(entry);
      }
    };
  return {
    exec: track(handlers.exec),
    httpGet: track(handlers.httpGet),
    tcpSocket: track(handlers.tcpSocket),
    grpc: track(handlers.grpc),
  };
}

function stuckProbes(inFlight: ReadonlySet<{ readonly startedAt: number }>): ProberMeasurement["stuck"] {
  const now = performance.now();
  let count = 0;
  let oldestMs = 0;
  for (const { startedAt } of inFlight) {
    const age = now - startedAt;
    if (age > STUCK_AFTER_MS) count++;
    oldestMs = Math.max(oldestMs, age);
  }
  return { count, inFlight: inFlight.size, oldestMs };
}

/** `prober_probe_total` by result and the successful runs' duration histogram, summed over every pod. */
interface Snapshot {
  readonly successful: number;
  readonly failed: number;
  readonly unknown: number;
  readonly durationCount: number;
  readonly durationSum: number;
  readonly buckets: readonly number[];
}

function emptySnapshot(): Snapshot {
  return {
    successful: 0,
    failed: 0,
    unknown: 0,
    durationCount: 0,
    durationSum: 0,
    buckets: PROBE_DURATION_BUCKETS_SECONDS.map(() => 0),
  };
}

function snapshot(metrics: MemoryProberMetrics, pods: readonly V1Pod[]): Snapshot {
  const totals = { successful: 0, failed: 0, unknown: 0 };
  for (const { labels, value } of metrics.totals()) totals[labels.result] += value;
  let durationCount = 0;
  let durationSum = 0;
  const buckets = PROBE_DURATION_BUCKETS_SECONDS.map(() => 0);
  for (const pod of pods) {
    const histogram = metrics.duration({
      probe_type: "Liveness",
      container: CONTAINER_NAME,
      pod: pod.metadata?.name ?? "",
      namespace: POD_NAMESPACE,
    });
    if (histogram === undefined) continue;
    durationCount += histogram.count;
    durationSum += histogram.sum;
    histogram.buckets.forEach((value, i) => {
      buckets[i] = (buckets[i] ?? 0) + value;
    });
  }
  return { ...totals, durationCount, durationSum, buckets };
}

/** Mean duration of the window's successful runs, and the upper bound of the bucket holding their p99. */
function durationFigures(start: Snapshot, end: Snapshot): ProberMeasurement["duration"] {
  const count = end.durationCount - start.durationCount;
  if (count <= 0) return { meanMs: Number.NaN, p99BucketMs: Number.NaN };
  let p99BucketMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < PROBE_DURATION_BUCKETS_SECONDS.length; i++) {
    const cumulative = (end.buckets[i] ?? 0) - (start.buckets[i] ?? 0);
    if (cumulative >= 0.99 * count) {
      p99BucketMs = (PROBE_DURATION_BUCKETS_SECONDS[i] ?? Number.NaN) * 1000;
      break;
    }
  }
  return { meanMs: ((end.durationSum - start.durationSum) * 1000) / count, p99BucketMs };
}

/** The monotonic clock's µs, the time base of V8's CPU profiles (`--cpu-prof`). */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function send(message: ProberChildMessage): void {
  sendToParent(message);
}
