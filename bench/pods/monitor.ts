import { performance } from "node:perf_hooks";
import { createLoopDelayHistogram, readLoopDelay } from "../lib/loop-delay.js";
import type { WindowUsage } from "./protocol.js";

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
  const histogram = createLoopDelayHistogram();
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
      const loopDelay = readLoopDelay(histogram);
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
