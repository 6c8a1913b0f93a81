import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { LoopDelay, WindowUsage } from "./protocol.js";

/** Sampling interval of the event-loop delay histogram (Node's default). */
export const LOOP_DELAY_RESOLUTION_MS = 10;
/** How often RSS and the V8 heap are sampled. */
const MEMORY_SAMPLE_INTERVAL_MS = 50;

/** Measures this process in consecutive windows: CPU, peak RSS and heap, event-loop delay. */
export interface ResourceMonitor {
  /** Starts a window: CPU baseline, peaks and the delay histogram start afresh. */
  begin(): void;
  /** Ends the window begun last; `criCalls` is what the caller counted in it, by RPC. */
  end(criCalls: Readonly<Record<string, number>>): WindowUsage;
  /** Stops sampling. */
  close(): void;
}

/**
 * Samples `process.memoryUsage` every 50 ms (a timer on this process's own loop, as cheap as a timer gets)
 * and records event-loop delay with `monitorEventLoopDelay` at Node's default 10 ms resolution. Node's
 * histogram records the time between two of its 10 ms ticks, so an idle loop shows 10 ms: the resolution is
 * subtracted from every figure reported here.
 */
export function createResourceMonitor(): ResourceMonitor {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  let startedAt = performance.now();
  let cpuAtStart = process.cpuUsage();
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) peakRss = usage.rss;
    if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed;
  };
  const timer = setInterval(sample, MEMORY_SAMPLE_INTERVAL_MS);
  timer.unref();
  histogram.enable();
  return {
    begin() {
      sample();
      const usage = process.memoryUsage();
      peakRss = usage.rss;
      peakHeap = usage.heapUsed;
      histogram.reset();
      startedAt = performance.now();
      cpuAtStart = process.cpuUsage();
    },
    end(criCalls) {
      const cpu = process.cpuUsage(cpuAtStart);
      const durationMs = performance.now() - startedAt;
      sample();
      const loopDelay = readHistogram(histogram);
      return {
        durationMs,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        cpuUserSeconds: cpu.user / 1e6,
        cpuSystemSeconds: cpu.system / 1e6,
        peakRssBytes: peakRss,
        peakHeapUsedBytes: peakHeap,
        loopDelay,
        criCalls: Object.values(criCalls).reduce((sum, count) => sum + count, 0),
        criCallsByMethod: criCalls,
      };
    },
    close() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

function readHistogram(histogram: ReturnType<typeof monitorEventLoopDelay>): LoopDelay {
  const samples = histogram.count;
  const delay = (ns: number): number =>
    samples === 0 ? Number.NaN : Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
  return {
    p50Ms: delay(histogram.percentile(50)),
    p99Ms: delay(histogram.percentile(99)),
    maxMs: delay(histogram.max),
    samples,
  };
}
