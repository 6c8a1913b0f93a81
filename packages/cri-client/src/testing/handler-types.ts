import type { ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import type { ServiceHandlers } from "../types.js";

/** Every RuntimeService handler, none optional. */
export type RuntimeHandlers = Required<ServiceHandlers<typeof RuntimeService>>;
/** Every ImageService handler, none optional. */
export type ImageHandlers = Required<ServiceHandlers<typeof ImageService>>;

/** Messages per chunk of the streaming list RPCs (`StreamContainers`, …). */
export const STREAM_CHUNK_SIZE = 100;

/** Splits `items` into chunks of {@link STREAM_CHUNK_SIZE}; an empty list gives no chunk. */
export function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += STREAM_CHUNK_SIZE) yield items.slice(i, i + STREAM_CHUNK_SIZE);
}
