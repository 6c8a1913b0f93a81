import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type ListContainersResponse, ListContainersResponseSchema } from "@kubelet-kit/cri-api";
// Not exported by the package: the client's transport uses it for ListContainers responses.
import { decodeListContainersResponse } from "@kubelet-kit/cri-client";
import type { LatencySummary } from "../lib/stats.js";
import { kib, ms, ratio } from "../lib/table.js";
import type { BenchPlan } from "./plan.js";
import { DECODE_GOAL_MS } from "./report.js";

/** Decode (and encode) cost of one `ListContainersResponse`. */
export interface DecodeResult {
  /** Where the response came from (`fake`, `containerd`). */
  readonly source: string;
  readonly containers: number;
  /** Encoded size of the response, in bytes. */
  readonly bytes: number;
  /** Decode iterations (encode makes fewer: `plan.encodeIterations`). */
  readonly iterations: number;
  /** `fromBinary(ListContainersResponseSchema, bytes)`. */
  readonly decode: LatencySummary;
  /**
   * `decodeListContainersResponse(bytes)`: the hand-written decoder our client's transport uses, checked to
   * return exactly fromBinary's message first. Measured in the same rounds as `decode`, alternately.
   */
  readonly fastDecode: LatencySummary;
  /** `toBinary(ListContainersResponseSchema, message)`, for comparison (what a server in Node pays). */
  readonly encode: LatencySummary;
}

type DecodePlan = Pick<BenchPlan, "decodeIterations" | "decodeWarmup" | "encodeIterations">;

/** What `decode-child.ts` receives. */
export interface DecodeChildInput extends DecodePlan {
  readonly bytes: Uint8Array;
}

/** What `decode-child.ts` answers. */
export interface DecodeChildOutput {
  readonly decode: LatencySummary;
  readonly fastDecode: LatencySummary;
  readonly encode: LatencySummary;
}

/**
 * Times protobuf-es decoding, our fast decoder and protobuf-es encoding of `response` as the runtime sent it,
 * in a child process: a fresh heap, so the figure is the decoder's and not the state of the benchmark's
 * process. Prints the two decoders side by side, with their ratio and the goal.
 */
export async function benchDecode(
  source: string,
  response: ListContainersResponse,
  plan: DecodePlan,
): Promise<DecodeResult> {
  const bytes = toBinary(ListContainersResponseSchema, response);
  const check = fromBinary(ListContainersResponseSchema, bytes);
  if (check.containers.length !== response.containers.length) {
    throw new Error(`decoding lost containers: ${check.containers.length} of ${response.containers.length}`);
  }
  if (!isDeepStrictEqual(decodeListContainersResponse(bytes), check)) {
    throw new Error("the fast decoder's message differs from fromBinary's");
  }
  const input: DecodeChildInput = {
    bytes,
    decodeIterations: plan.decodeIterations,
    decodeWarmup: plan.decodeWarmup,
    encodeIterations: plan.encodeIterations,
  };
  // Same Node flags as this process (`--conditions`, `--import tsx`), so the child runs TypeScript too.
  // "advanced" serialization: the bytes travel as a Uint8Array, not as JSON.
  const child = fork(fileURLToPath(new URL("./decode-child.ts", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  const output = await new Promise<DecodeChildOutput>((resolve, reject) => {
    child.once("message", (message: DecodeChildOutput) => resolve(message));
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`the decode process exited (code ${code}) without a result`)),
    );
    child.send(input);
  }).finally(() => {
    if (child.exitCode === null) child.kill();
  });
  const result: DecodeResult = {
    source,
    containers: response.containers.length,
    bytes: bytes.byteLength,
    iterations: plan.decodeIterations,
    ...output,
  };
  process.stdout.write(`${renderDecodeComparison(result)}\n`);
  return result;
}

/** protobuf-es against the fast decoder on one response, as a few lines of text. */
export function renderDecodeComparison(result: DecodeResult): string {
  const { decode, fastDecode } = result;
  const verdict = (p99Ms: number): string => (p99Ms <= DECODE_GOAL_MS ? "meets goal" : "misses goal");
  const line = (name: string, s: LatencySummary): string =>
    `  ${name.padEnd(30)} mean ${ms(s.meanMs).padStart(5)} ms, p99 ${ms(s.p99Ms).padStart(5)} ms, ` +
    `${((s.meanMs * 1000) / Math.max(1, result.containers)).toFixed(2)} µs per container: ${verdict(s.p99Ms)}`;
  return [
    `ListContainersResponse decode, ${result.source} response (${result.containers} containers, ` +
      `${kib(result.bytes)}, ${result.iterations} iterations each; goal p99 ≤ ${DECODE_GOAL_MS} ms):`,
    line("protobuf-es fromBinary", decode),
    line("fast decoder (our client)", fastDecode),
    `  fast decoder vs fromBinary: ${ratio(decode.meanMs / fastDecode.meanMs)} faster (mean), ` +
      `${ratio(decode.p99Ms / fastDecode.p99Ms)} (p99)`,
  ].join("\n");
}
