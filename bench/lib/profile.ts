import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

/** The parts of a V8 CPU profile (`.cpuprofile`) the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Samples this process's CPU with V8's profiler between `start()` and `stop()`, as `--cpu-prof` does. */
export interface CpuProfiler {
  start(): Promise<void>;
  /** Stops and writes the profile to `file` (open it in Chrome DevTools or VS Code). */
  stop(file: string): Promise<CpuProfile>;
}

/** A profiler on an inspector session of this thread; `intervalUs` is V8's sampling interval. */
export function createCpuProfiler(intervalUs = 500, session = connectedSession()): CpuProfiler {
  return {
    async start() {
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
      await session.post("Profiler.start");
    },
    async stop(file) {
      const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
      await writeFile(file, JSON.stringify(profile));
      return profile;
    },
  };
}

/** An inspector session on this thread, for the profilers. */
export function connectedSession(): Session {
  const session = new Session();
  session.connect();
  return session;
}

/** A node of a V8 sampling heap profile: the allocation site and the bytes of its samples. */
interface HeapProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly HeapProfileNode[];
}

/**
 * Samples allocations between `start()` and `stop()`, the collected ones included: where the window's
 * allocation (and so its garbage-collection work and transient heap) comes from.
 */
export interface HeapProfiler {
  start(): Promise<void>;
  /** Stops and writes the profile to `file` (`.heapprofile`, for Chrome DevTools). */
  stop(file: string): Promise<HeapProfileSummary>;
}

/** Bytes allocated by site (function) and by area, as {@link summarizeProfile} groups CPU time. */
export interface HeapProfileSummary {
  readonly totalBytes: number;
  readonly sites: readonly { readonly name: string; readonly bytes: number }[];
  readonly areas: readonly { readonly name: string; readonly bytes: number }[];
  /** Bytes by the nearest caller in a workspace package or benchmark (`packages/…`, `bench/…`). */
  readonly workspaceCallers: readonly { readonly name: string; readonly bytes: number }[];
}

/** V8's sampling heap profiler (one sample per `intervalBytes` allocated, on average). */
export function createHeapProfiler(intervalBytes = 32 * 1024, session = connectedSession()): HeapProfiler {
  return {
    async start() {
      await session.post("HeapProfiler.enable");
      await session.post("HeapProfiler.startSampling", {
        samplingInterval: intervalBytes,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    async stop(file) {
      const { profile } = (await session.post("HeapProfiler.stopSampling")) as {
        profile: { head: HeapProfileNode };
      };
      await writeFile(file, JSON.stringify(profile));
      const sites = new Map<string, number>();
      const areas = new Map<string, number>();
      const callers = new Map<string, number>();
      let total = 0;
      const walk = (node: HeapProfileNode, workspaceCaller: string | undefined): void => {
        const { functionName, url, lineNumber } = node.callFrame;
        const short = url === "" ? "" : shortUrl(url);
        const here =
          short.startsWith("packages/") || short.startsWith("examples/") || short.startsWith("bench/")
            ? `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`
            : workspaceCaller;
        if (node.selfSize > 0) {
          total += node.selfSize;
          const site = `${functionName || "(anonymous)"}${short === "" ? "" : ` ${short}:${lineNumber + 1}`}`;
          sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
          const area = areaOf(functionName, url);
          areas.set(area, (areas.get(area) ?? 0) + node.selfSize);
          const caller = here ?? "(no workspace frame)";
          callers.set(caller, (callers.get(caller) ?? 0) + node.selfSize);
        }
        for (const child of node.children) walk(child, here);
      };
      walk(profile.head, undefined);
      const top = (map: Map<string, number>) =>
        [...map]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 15)
          .map(([name, bytes]) => ({ name, bytes }));
      return { totalBytes: total, sites: top(sites), areas: top(areas), workspaceCallers: top(callers) };
    },
  };
}

/** The heap summary as text lines. */
export function formatHeapProfileSummary(title: string, summary: HeapProfileSummary): string {
  const line = (entry: { name: string; bytes: number }): string =>
    `    ${(entry.bytes / 1024 / 1024).toFixed(1).padStart(7)} MiB  ${entry.name}`;
  return [
    `  ${title}: ${(summary.totalBytes / 1024 / 1024).toFixed(1)} MiB allocated (sampled, collected included)`,
    "   by area:",
    ...summary.areas.map(line),
    "   by nearest workspace caller:",
    ...summary.workspaceCallers.map(line),
    "   by allocation site:",
    ...summary.sites.map(line),
  ].join("\n");
}

/** Self time of one entry of a {@link summarizeProfile} list. */
export interface ProfileEntry {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Where a profile's time went: by function (self time) and by package or file area. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly ProfileEntry[];
  readonly areas: readonly ProfileEntry[];
}

/**
 * Self time by function (`name file:line`) and by area: a workspace package (`packages/cri-client`), a
 * dependency (`@grpc/grpc-js`), `node:` internals, or V8's own entries (`(garbage collector)`, `(idle)`, …).
 */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the delta that follows it (the last one gets the mean).
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    const us = deltas[i + 1] ?? (profile.endTime - profile.startTime) / Math.max(1, samples.length);
    byNode.set(id, (byNode.get(id) ?? 0) + us);
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === "" ? "" : ` ${shortUrl(url)}:${lineNumber + 1}`;
    const name = `${functionName || "(anonymous)"}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(functionName, url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const list = (map: Map<string, number>): ProfileEntry[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: total === 0 ? 0 : us / total }));
  return { totalMs: total / 1000, functions: list(functions), areas: list(areas) };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  const pnpm = path.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/(.*)$/);
  if (pnpm?.[1] !== undefined) return pnpm[1];
  const workspace = path.match(/\/((?:packages|examples|bench)\/.*)$/);
  return workspace?.[1] ?? path;
}

function areaOf(functionName: string, url: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node: internals";
  const short = shortUrl(url);
  const scoped = short.match(/^(@[^/]+\/[^/]+|[^/]+)\//);
  if (short.startsWith("packages/") || short.startsWith("examples/") || short.startsWith("bench/")) {
    return short.split("/").slice(0, 2).join("/");
  }
  return scoped?.[1] ?? short;
}

/** The summary as text lines, for the benchmark's progress output. */
export function formatProfileSummary(title: string, summary: ProfileSummary): string {
  const line = (entry: ProfileEntry): string =>
    `    ${entry.selfMs.toFixed(0).padStart(6)} ms ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.name}`;
  return [
    `  ${title}: ${summary.totalMs.toFixed(0)} ms sampled`,
    "   by area:",
    ...summary.areas.map(line),
    "   by function (self time):",
    ...summary.functions.map(line),
  ].join("\n");
}
