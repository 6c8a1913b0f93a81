import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ImageSchema } from "@kubelet-kit/cri-api";
import { clockNs, type FakeState } from "./fake-state.js";
import { chunks, type ImageHandlers } from "./handler-types.js";
import type { ImageRecord } from "./image-store.js";

/** The ImageService RPCs, with containerd 1.6's semantics. */
export function createImageHandlers(state: FakeState, pullDelayMs: number): ImageHandlers {
  const listed = () => state.images.list().map(toCriImage);
  return {
    // containerd 1.6 ignores the filter (crictl filters on its side), and so does the fake.
    listImages() {
      return { images: listed() };
    },

    async *streamImages() {
      for (const images of chunks(listed())) yield { images };
    },

    imageStatus(request) {
      const record = state.images.resolve(request.image?.image ?? "");
      // An absent image is not an error: the answer simply has no image.
      if (record === undefined) return {};
      const info: Record<string, string> = request.verbose ? { info: JSON.stringify(imageInfo(record)) } : {};
      return { image: toCriImage(record), info };
    },

    async pullImage(request, ctx) {
      if (pullDelayMs > 0) await state.clock.sleep(pullDelayMs, ctx.signal);
      // containerd answers the image id (the config digest), not the reference.
      return { imageRef: state.images.pull(request.image?.image ?? "").id };
    },

    removeImage(request) {
      const record = state.images.resolve(request.image?.image ?? "");
      if (record !== undefined) state.images.remove(record);
      return {};
    },

    imageFsInfo() {
      const images = state.images.list();
      return {
        imageFilesystems: [
          {
            timestamp: clockNs(state.clock),
            fsId: { mountpoint: state.settings.imageFsMountpoint },
            usedBytes: { value: state.images.usedBytes() },
            inodesUsed: { value: BigInt(images.length * 16) },
          },
        ],
        containerFilesystems: [],
      };
    },
  };
}

/** An image as ListImages and ImageStatus describe it (no `uid`/`username`: the images run as root by default). */
export function toCriImage(record: ImageRecord): MessageInitShape<typeof ImageSchema> {
  return {
    id: record.id,
    repoTags: [...record.repoTags],
    repoDigests: [...record.repoDigests],
    size: record.sizeBytes,
  };
}

function imageInfo(record: ImageRecord): Record<string, unknown> {
  return {
    chainID: record.id,
    imageSpec: {
      architecture: "amd64",
      os: "linux",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: [record.id] },
    },
  };
}
