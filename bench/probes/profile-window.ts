import type { CpuProfile } from "../lib/profile.js";

/** A node of a V8 CPU profile with its children, as `--cpu-prof` writes it. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

/**
 * The samples of `profile` taken between `fromUs` and `toUs` (V8's timestamps, µs of the monotonic clock
 * `process.hrtime` reads too), as a profile of its own: what the prober's process did in the window, not
 * while it loaded and warmed up.
 */
export function sliceProfile(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  let last = fromUs;
  const all = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < all.length; i++) {
    t += deltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    samples.push(all[i] ?? 0);
    timeDeltas.push(t - last);
    last = t;
  }
  return { ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas };
}

/** Inclusive (self + callees) CPU time of one function, and its share of the busy time. */
export interface InclusiveEntry {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/** V8's pseudo-frames that are not work of a function: left out of the busy time. */
const NOT_BUSY = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/**
 * Inclusive time by function over the busy samples (idle, program and GC left out; GC is shown apart):
 * where a probe's cost goes, by the calls that own it rather than by leaf.
 */
export function inclusiveTimes(
  profile: CpuProfile,
  top: number,
): { readonly busyMs: number; readonly gcMs: number; readonly entries: readonly InclusiveEntry[] } {
  const nodes = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes as readonly ProfileNode[]) {
    nodes.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  let gcUs = 0;
  for (const [id, us] of selfUs) {
    const leaf = nodes.get(id);
    if (leaf === undefined) continue;
    if (leaf.callFrame.functionName === "(garbage collector)") gcUs += us;
    if (NOT_BUSY.has(leaf.callFrame.functionName)) continue;
    busyUs += us;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = nodes.get(at);
      if (node === undefined || NOT_BUSY.has(node.callFrame.functionName)) continue;
      const name = frameName(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const entries = [...inclusive]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs === 0 ? 0 : us / busyUs }));
  return { busyMs: busyUs / 1000, gcMs: gcUs / 1000, entries };
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const path = url.replace(/^file:\/\//, "");
  const short =
    path.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/(.*)$/)?.[1] ??
    path.match(/\/((?:packages|examples|bench)\/.*)$/)?.[1] ??
    path;
  return `${functionName || "(anonymous)"}${short === "" ? "" : ` ${short}:${lineNumber + 1}`}`;
}

/** The inclusive listing as text lines. */
export function formatInclusiveTimes(title: string, times: ReturnType<typeof inclusiveTimes>): string {
  return [
    `  ${title}: ${times.busyMs.toFixed(0)} ms busy (idle and GC left out; GC ${times.gcMs.toFixed(0)} ms)`,
    "   by function, inclusive (self + callees):",
    ...times.entries.map(
      (entry) =>
        `    ${entry.ms.toFixed(0).padStart(6)} ms ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.name}`,
    ),
  ].join("\n");
}
