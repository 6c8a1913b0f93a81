import { performance } from "node:perf_hooks";
import type { ImageServiceClient, RuntimeServiceClient } from "@kubelet-kit/cri-client";
import { createdIdOf, type RecordedCall } from "./recorder.js";

/** The clients a replay calls through, on a runtime that has none of the recorded pods yet. */
export interface ReplayClients {
  readonly runtime: RuntimeServiceClient;
  readonly image: ImageServiceClient;
}

/** What a replay took. */
export interface ReplayRun {
  readonly calls: number;
  readonly failed: number;
  readonly chains: number;
  readonly wallMs: number;
  /** Per-call latency, in ms, in completion order. */
  readonly latenciesMs: Float64Array;
}

/**
 * Makes the recorded calls again, with the same requests, directly through the CRI clients: no agent, no
 * work between calls beyond swapping ids. The runtime hands out new ids, so every id a recorded
 * RunPodSandbox or CreateContainer created is replaced in later requests by the one the replay got.
 *
 * - `sequential`: one call at a time, in the recorded order: the sum of the round trips.
 * - `parallel`: one chain per pod (its calls in the recorded order, each after the previous one answered)
 *   plus one chain of the calls that name no pod (relists, image status, runtime status), all chains at
 *   once: about the least time the same calls can take with the runtime's own concurrency.
 */
export async function replayCalls(
  calls: readonly RecordedCall[],
  clients: ReplayClients,
  mode: "sequential" | "parallel",
): Promise<ReplayRun> {
  const chains = mode === "sequential" ? [calls] : chainsByPod(calls);
  const ids = new Map<string, string>();
  const latencies = new Float64Array(calls.length);
  let done = 0;
  let failed = 0;
  const run = async (call: RecordedCall): Promise<void> => {
    const client = call.service === "image" ? clients.image : clients.runtime;
    const method = (client as unknown as Record<string, (request: unknown) => Promise<unknown>>)[
      call.localName
    ];
    if (method === undefined) throw new Error(`replay: the CRI client has no method ${call.localName}`);
    const request = translateIds(call.request, ids);
    const startedAt = performance.now();
    try {
      const response = await method.call(client, request);
      const created = createdIdOf(call.method, response);
      if (created !== undefined && call.createdId !== undefined) ids.set(call.createdId, created);
    } catch {
      failed++;
    }
    latencies[done++] = performance.now() - startedAt;
  };
  const startedAt = performance.now();
  await Promise.all(
    chains.map(async (chain) => {
      for (const call of chain) await run(call);
    }),
  );
  return {
    calls: calls.length,
    failed,
    chains: chains.length,
    wallMs: performance.now() - startedAt,
    latenciesMs: latencies,
  };
}

/** Splits calls into one chain per pod (keyed by the pod's UID) and one chain for every other call. */
export function chainsByPod(calls: readonly RecordedCall[]): RecordedCall[][] {
  const podOfId = new Map<string, string>();
  const byPod = new Map<string, RecordedCall[]>();
  const rest: RecordedCall[] = [];
  for (const call of calls) {
    const pod = podOf(call, podOfId);
    if (pod === undefined) {
      rest.push(call);
      continue;
    }
    if (call.createdId !== undefined) podOfId.set(call.createdId, pod);
    const chain = byPod.get(pod);
    if (chain === undefined) byPod.set(pod, [call]);
    else chain.push(call);
  }
  return [...byPod.values(), ...(rest.length > 0 ? [rest] : [])];
}

/** The pod a call belongs to: its sandbox config's UID, or the pod of a sandbox or container it names. */
function podOf(call: RecordedCall, podOfId: ReadonlyMap<string, string>): string | undefined {
  const request = call.request as {
    config?: { metadata?: { uid?: unknown } };
    podSandboxId?: unknown;
    containerId?: unknown;
    filter?: { id?: unknown; podSandboxId?: unknown };
  };
  if (call.method === "RunPodSandbox") {
    const uid = request.config?.metadata?.uid;
    return typeof uid === "string" ? uid : undefined;
  }
  for (const id of [
    request.podSandboxId,
    request.containerId,
    request.filter?.podSandboxId,
    request.filter?.id,
  ]) {
    if (typeof id === "string" && id !== "") {
      const pod = podOfId.get(id);
      if (pod !== undefined) return pod;
    }
  }
  return undefined;
}

/**
 * `value` with every string equal to a key of `ids` replaced by its value, copying only the objects and
 * arrays on the way to a replaced string (a protobuf-es message stays a message: `$typeName` is copied).
 */
export function translateIds(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (ids.size === 0) return value;
  if (typeof value === "string") return ids.get(value) ?? value;
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const translated = translateIds(item, ids);
      if (translated !== item) {
        copy ??= [...value];
        copy[i] = translated;
      }
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const translated = translateIds(item, ids);
    if (translated !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = translated;
    }
  }
  return copy ?? value;
}
