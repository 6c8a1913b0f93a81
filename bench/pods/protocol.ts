// The messages between the benchmark and its agent child process (Node IPC, JSON: no bigints).

import type { LatencySummary } from "../lib/stats.js";

/** What the agent child needs, passed as one JSON argument. */
export interface AgentChildArgs {
  readonly target: "fake" | "containerd";
  /** The CRI endpoint the agent uses (`unix:///…`). */
  readonly endpoint: string;
  readonly pods: number;
  readonly nodeName: string;
  /** The namespace of every benchmark pod (what cleanup removes on containerd). */
  readonly namespace: string;
  readonly manifestDir: string;
  readonly podLogsDir: string;
  readonly rootDir: string;
  /** How long to keep measuring after all pods run. */
  readonly afterMs: number;
  /** Give up waiting for all pods to run after this long. */
  readonly startTimeoutMs: number;
  /**
   * Profile the agent: CPU in the start and after-start windows (`<prefix>-start.cpuprofile`, `-after-start`), and
   * the
   * allocations of the start window still alive when all pods run (`<prefix>-start.heapprofile`). The
   * figures of a profiled run are not comparable with others (profiling costs CPU).
   */
  readonly profilePrefix?: string;
}

import type { LoopDelay } from "../lib/loop-delay.js";

export type { LoopDelay };

/** Resource use of the agent process over one window. */
export interface WindowUsage {
  readonly durationMs: number;
  /** User + system CPU time of the whole process (`process.cpuUsage`), in seconds. */
  readonly cpuSeconds: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  /** Highest sampled `process.memoryUsage.rss()`. */
  readonly peakRssBytes: number;
  /** Highest sampled V8 heap in use. */
  readonly peakHeapUsedBytes: number;
  readonly loopDelay: LoopDelay;
  /** CRI calls started in the window. */
  readonly criCalls: number;
  /** The same, by RPC. */
  readonly criCallsByMethod: Readonly<Record<string, number>>;
}

/** The CRI calls of one window, by RPC. */
export interface CallCounts {
  readonly total: number;
  readonly failed: number;
  readonly byMethod: Readonly<Record<string, number>>;
}

/** What one agent process measured while its pods started. */
export interface StartMeasurement {
  readonly pods: number;
  /** Pods that reached Running before the timeout. */
  readonly running: number;
  readonly timedOut: boolean;
  /** From `go` (just before the manifests were moved in) until the last pod was Running. */
  readonly totalMs: number;
  /** From `go` until the file source first reported a benchmark pod. */
  readonly firstSeenMs: number;
  /** From `go` until the file source had reported every pod. */
  readonly allSeenMs: number;
  /** From `go` until the first pod was Running. */
  readonly firstRunningMs: number;
  /** Per pod: the file source's first update naming it → its first status with phase Running. */
  readonly latency: LatencySummary | undefined;
  /**
   * The per-pod latency in three stages: seen → its RunPodSandbox sent (admission, pod worker start), →
   * its StartContainer answered (the CRI work: sandbox, image status, create, start), → status Running
   * (the PLEG relist that sees the container running, status generation).
   */
  readonly stages: {
    readonly toFirstCriCall: LatencySummary | undefined;
    readonly criWork: LatencySummary | undefined;
    readonly toRunningStatus: LatencySummary | undefined;
  };
  /** Updates of the file source that named at least one new pod. */
  readonly sourceUpdates: number;
  /** RSS when the child started: Node (and with `--source` the TypeScript loader), nothing else loaded yet. */
  readonly rssAtEntryBytes: number;
  /** RSS with the agent started and idle, just before `go`. */
  readonly rssIdleBytes: number;
  /** The kernel's high-water mark of the process (`process.resourceUsage().maxRSS`), at the end. */
  readonly maxRssBytes: number;
  /** After the after-start window and a full garbage collection: what the agent keeps for N running pods. */
  readonly afterGc: {
    readonly heapUsedBytes: number;
    /** The V8 heap's committed size: freed pages V8 has not given back yet. */
    readonly heapTotalBytes: number;
    /** Memory of Buffers and other objects outside the V8 heap. */
    readonly externalBytes: number;
    readonly rssBytes: number;
  };
  /** `go` → all Running. */
  readonly start: WindowUsage;
  /**
   * All Running → `afterMs` later: the PLEG notices the started containers and the workers sync the pods
   * again, then relists of N running pods.
   */
  readonly afterStart: WindowUsage;
  /** Calls made in the start window, which the replay repeats. */
  readonly calls: CallCounts;
  /** The runtime's name and version, as `Version` answers. */
  readonly runtime: string;
  readonly problems: readonly string[];
}

/** One replay of the recorded calls, directly through the CRI client. */
export interface ReplayMeasurement {
  readonly mode: "sequential" | "parallel";
  readonly calls: number;
  readonly failed: number;
  /** Independent call chains run at once: 1 sequentially; in parallel one per pod plus one for the rest. */
  readonly chains: number;
  readonly wallMs: number;
  /** CPU time of the replaying process (user + system, all threads) over the replay, in seconds. */
  readonly cpuSeconds: number;
  /** Per-call latency. */
  readonly latency: LatencySummary | undefined;
  /** Sandboxes removed afterwards (containerd only). */
  readonly removedSandboxes: number;
}

/** Agent child → benchmark. */
export type AgentChildMessage =
  | {
      readonly type: "ready";
      readonly runtime: string;
      readonly rssAtEntryBytes: number;
      readonly rssIdleBytes: number;
    }
  | { readonly type: "armed" }
  /** Every pod is Running (or the start timed out); the after-start window begins. */
  | { readonly type: "all-running" }
  | { readonly type: "started"; readonly measurement: StartMeasurement }
  | { readonly type: "agent-stopped"; readonly removedSandboxes: number; readonly cleanupMs: number }
  | { readonly type: "replayed"; readonly replay: ReplayMeasurement }
  | { readonly type: "error"; readonly message: string };

/** Benchmark → agent child. */
export type AgentChildRequest =
  | { readonly type: "go" }
  /** Stop the agent (pods are left running) and, on containerd, remove the benchmark's sandboxes. */
  | { readonly type: "stop-agent" }
  /** Replay the start window's calls against `endpoint` (a fresh fake, or the cleaned containerd). */
  | {
      readonly type: "replay";
      readonly mode: "sequential" | "parallel";
      readonly endpoint: string;
      /** Remove the replay's sandboxes afterwards (containerd: the same runtime is reused). */
      readonly cleanUp: boolean;
    }
  | { readonly type: "exit" };

export function parseAgentChildArgs(argv: readonly string[]): AgentChildArgs {
  const parsed: unknown = JSON.parse(argv[0] ?? "null");
  if (typeof parsed !== "object" || parsed === null)
    throw new TypeError("agent-child: expected one JSON argument");
  const args = parsed as AgentChildArgs;
  for (const key of ["endpoint", "nodeName", "namespace", "manifestDir", "podLogsDir", "rootDir"] as const) {
    if (typeof args[key] !== "string") throw new TypeError(`agent-child: ${key} is required`);
  }
  return args;
}
