import { performance } from "node:perf_hooks";
import type { Interceptor } from "@kubelet-kit/cri-client";
import type { CallCounts } from "./protocol.js";

/** One unary CRI call the agent made, kept for the replay. */
export interface RecordedCall {
  readonly service: "runtime" | "image";
  /** The RPC, e.g. `RunPodSandbox`. */
  readonly method: string;
  /** The client method, e.g. `runPodSandbox`. */
  readonly localName: string;
  /** The request as the agent sent it (a protobuf-es message; not copied, the agent does not change it). */
  readonly request: unknown;
  /** `performance.now()` when it was sent. */
  readonly startedAtMs: number;
  /** `performance.now()` when it was answered or failed; undefined while in flight. */
  endedAtMs: number | undefined;
  failed: boolean;
  /** The id it created: RunPodSandbox's `podSandboxId`, CreateContainer's `containerId`. */
  createdId: string | undefined;
}

/** Counts every CRI call through its interceptor, and keeps the calls of a window for the replay. */
export interface CallRecorder {
  readonly interceptor: Interceptor;
  /** Keeps every call started from now on, until {@link stopKeeping}. */
  startKeeping(): void;
  stopKeeping(): void;
  /** The calls kept, in the order they were sent. */
  kept(): readonly RecordedCall[];
  /** Calls started since the recorder was created, by RPC (a copy). */
  startedByMethod(): Record<string, number>;
}

/** A recorder for both CRI clients of one agent (the runtime and the image service). */
export function createCallRecorder(): CallRecorder {
  let keeping = false;
  const byMethod: Record<string, number> = {};
  const kept: RecordedCall[] = [];
  const interceptor: Interceptor = (next) => async (req) => {
    byMethod[req.ctx.method.name] = (byMethod[req.ctx.method.name] ?? 0) + 1;
    if (!keeping) return next(req);
    const call: RecordedCall = {
      service: req.ctx.service.typeName.endsWith("ImageService") ? "image" : "runtime",
      method: req.ctx.method.name,
      localName: req.ctx.method.localName,
      request: req.message,
      startedAtMs: performance.now(),
      endedAtMs: undefined,
      failed: false,
      createdId: undefined,
    };
    kept.push(call);
    try {
      const response = await next(req);
      call.createdId = createdIdOf(call.method, response);
      return response;
    } catch (err) {
      call.failed = true;
      throw err;
    } finally {
      call.endedAtMs = performance.now();
    }
  };
  return {
    interceptor,
    startKeeping() {
      keeping = true;
    },
    stopKeeping() {
      keeping = false;
    },
    kept: () => kept,
    startedByMethod: () => ({ ...byMethod }),
  };
}

/** The id a call created, for translating later requests in a replay. */
export function createdIdOf(method: string, response: unknown): string | undefined {
  const fields = response as { podSandboxId?: unknown; containerId?: unknown } | undefined;
  if (method === "RunPodSandbox" && typeof fields?.podSandboxId === "string") return fields.podSandboxId;
  if (method === "CreateContainer" && typeof fields?.containerId === "string") return fields.containerId;
  return undefined;
}

/** The calls by RPC made between two {@link CallRecorder.startedByMethod} readings. */
export function callsBetween(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [method, count] of Object.entries(after)) {
    const made = count - (before[method] ?? 0);
    if (made > 0) diff[method] = made;
  }
  return diff;
}

/** Calls by RPC. */
export function countCalls(calls: readonly RecordedCall[]): CallCounts {
  const byMethod: Record<string, number> = {};
  let failed = 0;
  for (const call of calls) {
    byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
    if (call.failed) failed++;
  }
  return { total: calls.length, failed, byMethod };
}

/** When each pod's first RunPodSandbox was sent and its first StartContainer answered, by pod UID. */
export interface PodCriTimes {
  readonly sandboxSentAt: ReadonlyMap<string, number>;
  readonly containerStartedAt: ReadonlyMap<string, number>;
}

/** Finds each pod's first RunPodSandbox and StartContainer in recorded calls (pods by sandbox config UID). */
export function podCriTimes(calls: readonly RecordedCall[]): PodCriTimes {
  const podOfSandbox = new Map<string, string>();
  const podOfContainer = new Map<string, string>();
  const sandboxSentAt = new Map<string, number>();
  const containerStartedAt = new Map<string, number>();
  for (const call of calls) {
    const request = call.request as {
      config?: { metadata?: { uid?: string } };
      podSandboxId?: string;
      containerId?: string;
    };
    if (call.method === "RunPodSandbox") {
      const uid = request.config?.metadata?.uid ?? "";
      if (!sandboxSentAt.has(uid)) sandboxSentAt.set(uid, call.startedAtMs);
      if (call.createdId !== undefined) podOfSandbox.set(call.createdId, uid);
    } else if (call.method === "CreateContainer" && call.createdId !== undefined) {
      const uid = podOfSandbox.get(request.podSandboxId ?? "");
      if (uid !== undefined) podOfContainer.set(call.createdId, uid);
    } else if (call.method === "StartContainer" && !call.failed && call.endedAtMs !== undefined) {
      const uid = podOfContainer.get(request.containerId ?? "");
      if (uid !== undefined && !containerStartedAt.has(uid)) containerStartedAt.set(uid, call.endedAtMs);
    }
  }
  return { sandboxSentAt, containerStartedAt };
}
