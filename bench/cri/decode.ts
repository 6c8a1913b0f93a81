import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type ListContainersResponse, ListContainersResponseSchema } from "@kubelet-kit/cri-api";
import type { BenchPlan } from "./plan.js";
import type { LatencySummary } from "./stats.js";

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
  readonly encode: LatencySummary;
}

/**
 * Times protobuf-es decoding and encoding of `response` as the runtime sent it, in a child process: a fresh
 * heap, so the figure is the decoder's and not the state of the benchmark's process.
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
  return {
    source,
    containers: response.containers.length,
    bytes: bytes.byteLength,
    iterations: plan.decodeIterations,
    ...output,
  };
}
