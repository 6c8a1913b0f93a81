// Child process of the decode benchmark: a fresh heap, so the figures do not depend on what the benchmark
// did before (garbage from the round trips, a large heap to scan). Run by decode.ts, never on its own.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ListContainersResponseSchema } from "@kubelet-kit/cri-api";
import type { DecodeChildInput, DecodeChildOutput } from "./decode.js";
import { measureSync } from "./measure.js";

process.once("message", (input: DecodeChildInput) => {
  const { bytes, decodeIterations, decodeWarmup, encodeIterations } = input;
  const decoded = fromBinary(ListContainersResponseSchema, bytes);
  const decode = measureSync(
    () => fromBinary(ListContainersResponseSchema, bytes),
    decodeIterations,
    decodeWarmup,
  );
  const encode = measureSync(
    () => toBinary(ListContainersResponseSchema, decoded),
    encodeIterations,
    Math.min(decodeWarmup, encodeIterations),
  );
  const output: DecodeChildOutput = { decode: decode.latency, encode: encode.latency };
  process.send?.(output, () => process.disconnect?.());
});
