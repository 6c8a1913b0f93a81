// Child process of the decode benchmark: a fresh heap, so the figures do not depend on what the benchmark
// did before (garbage from the round trips, a large heap to scan). Run by decode.ts, never on its own.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ListContainersResponseSchema } from "@kubelet-kit/cri-api";
import { decodeListContainersResponse } from "@kubelet-kit/cri-client";
import { summarize } from "../lib/stats.js";
import type { DecodeChildInput, DecodeChildOutput } from "./decode.js";
import { measureSync } from "./measure.js";

/** Rounds of the decode measurement; each runs both decoders, starting with a different one. */
const ROUNDS = 6;

process.once("message", (input: DecodeChildInput) => {
  const { bytes, decodeIterations, decodeWarmup, encodeIterations } = input;
  const decoded = fromBinary(ListContainersResponseSchema, bytes);
  const decoders = [
    () => fromBinary(ListContainersResponseSchema, bytes),
    () => decodeListContainersResponse(bytes),
  ] as const;
  for (const decode of decoders) for (let i = 0; i < decodeWarmup; i++) decode();
  // Alternating rounds, so drift (other work on the machine, the heap growing) falls on both decoders.
  const samples = [new Float64Array(decodeIterations), new Float64Array(decodeIterations)] as const;
  const perRound = Math.ceil(decodeIterations / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < decoders.length; k++) {
      const which = (round + k) % decoders.length;
      const decode = decoders[which] ?? decoders[0];
      const into = samples[which] ?? samples[0];
      const stop = Math.min(decodeIterations, (round + 1) * perRound);
      for (let i = round * perRound; i < stop; i++) {
        const start = performance.now();
        decode();
        into[i] = performance.now() - start;
      }
    }
  }
  const encode = measureSync(
    () => toBinary(ListContainersResponseSchema, decoded),
    encodeIterations,
    Math.min(decodeWarmup, encodeIterations),
  );
  const output: DecodeChildOutput = {
    decode: summarize(samples[0]),
    fastDecode: summarize(samples[1]),
    encode: encode.latency,
  };
  process.send?.(output, () => process.disconnect?.());
});
