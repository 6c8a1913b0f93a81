import { createFakeClock } from "@kubelet-kit/core";
import { NamespaceMode } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { createImageService, createRuntimeService } from "../client.js";
import { rejection } from "./fake-runtime.test-helpers.js";
import { parseImageRef } from "./image-ref.js";
import { createFakeRuntime, type FakeRuntimeOptions } from "./index.js";

const setup = (options: FakeRuntimeOptions = {}) => {
  const fake = createFakeRuntime({ clock: createFakeClock(), ...options });
  return { fake, images: createImageService({ transport: fake.transport }) };
};

describe("fake runtime: images", () => {
  it("starts with busybox and pause, each with a sha256 id, its tag, no digest and a size", async () => {
    const { images } = setup();
    const listed = (await images.listImages({})).images;
    expect(listed.map((image) => image.repoTags)).toEqual([
      ["docker.io/library/busybox:latest"],
      ["registry.k8s.io/pause:3.10"],
    ]);
    for (const image of listed) {
      expect(image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(image.repoDigests).toEqual([]);
      expect(image.size).toBeGreaterThan(0n);
    }
  });

  it("finds an image by short name, full reference, id and id prefix; an absent one is no error", async () => {
    const { images } = setup();
    const status = async (image: string) => (await images.imageStatus({ image: { image } })).image;
    const busybox = await status("busybox");
    expect(busybox?.repoTags).toEqual(["docker.io/library/busybox:latest"]);
    expect((await status("docker.io/library/busybox:latest"))?.id).toBe(busybox?.id);
    expect((await status(busybox?.id ?? ""))?.id).toBe(busybox?.id);
    expect((await status(busybox?.id.slice(7, 19) ?? ""))?.id).toBe(busybox?.id);
    expect(await status("docker.io/library/nope:1")).toBeUndefined();
    const verbose = await images.imageStatus({ image: { image: "busybox" }, verbose: true });
    expect(JSON.parse(verbose.info.info ?? "{}")).toHaveProperty("imageSpec");
  });

  it("pulls an allowed image: the answer is its id, it gains a tag and a repo digest, and pulling again changes nothing", async () => {
    const { images } = setup({ pullable: ["registry.local:5000/app:1"] });
    const first = await images.pullImage({ image: { image: "registry.local:5000/app:1" } });
    expect(first.imageRef).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = (await images.imageStatus({ image: { image: "registry.local:5000/app:1" } })).image;
    expect(image?.id).toBe(first.imageRef);
    expect(image?.repoTags).toEqual(["registry.local:5000/app:1"]);
    expect(image?.repoDigests[0]).toMatch(/^registry\.local:5000\/app@sha256:[0-9a-f]{64}$/);
    expect((await images.pullImage({ image: { image: "registry.local:5000/app:1" } })).imageRef).toBe(
      first.imageRef,
    );
    expect((await images.listImages({})).images).toHaveLength(3);
  });

  it("fails a pull the registry cannot serve with NotFound and containerd's message", async () => {
    const { images } = setup();
    const err = await rejection(images.pullImage({ image: { image: "nope:1" } }));
    expect(err.code).toBe("NotFound");
    expect(err.rawMessage).toBe(
      'failed to pull and unpack image "docker.io/library/nope:1": failed to resolve reference "docker.io/library/nope:1": docker.io/library/nope:1: not found',
    );
    expect((await images.imageStatus({ image: { image: "nope:1" } })).image).toBeUndefined();
  });

  it("accepts a predicate as pull policy", async () => {
    const { images } = setup({ pullable: (ref) => ref.startsWith("registry.local/") });
    await images.pullImage({ image: { image: "registry.local/anything:2" } });
    expect((await rejection(images.pullImage({ image: { image: "other.io/x:1" } }))).code).toBe("NotFound");
  });

  it("lists two tags of one image as one image, and removing one tag removes both", async () => {
    const { images } = setup({ pullable: ["r.io/a:1", "r.io/b:1"], aliases: [["r.io/a:1", "r.io/b:1"]] });
    const a = await images.pullImage({ image: { image: "r.io/a:1" } });
    const b = await images.pullImage({ image: { image: "r.io/b:1" } });
    expect(b.imageRef).toBe(a.imageRef);
    const listed = (await images.listImages({})).images.filter((image) => image.id === a.imageRef);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.repoTags).toEqual(["r.io/a:1", "r.io/b:1"]);
    await images.removeImage({ image: { image: "r.io/a:1" } });
    expect((await images.imageStatus({ image: { image: "r.io/b:1" } })).image).toBeUndefined();
  });

  it("removes by id, and removes an absent image without error", async () => {
    const { images, fake } = setup();
    const id = fake.addImage("quay.io/x/y:z");
    await images.removeImage({ image: { image: id } });
    expect(fake.images().map((image) => image.id)).not.toContain(id);
    await images.removeImage({ image: { image: id } });
    await images.removeImage({ image: { image: "never-there:1" } });
  });

  it("reports one image filesystem whose usage is the images' sizes", async () => {
    const { images, fake } = setup();
    const { imageFilesystems } = await images.imageFsInfo({});
    expect(imageFilesystems).toHaveLength(1);
    expect(imageFilesystems[0]?.fsId?.mountpoint).toBe(
      "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
    );
    const total = fake.images().reduce((sum, image) => sum + image.sizeBytes, 0n);
    expect(imageFilesystems[0]?.usedBytes?.value).toBe(total);
  });

  it("pulls an absent sandbox image when RunPodSandbox needs it, and fails the sandbox when it cannot", async () => {
    const fake = createFakeRuntime({ images: ["busybox"], pullable: [] });
    const runtime = createRuntimeService({ transport: fake.transport });
    const err = await rejection(
      runtime.runPodSandbox({
        config: {
          metadata: { name: "p", uid: "u", namespace: "n" },
          linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
        },
      }),
    );
    expect(err.code).toBe("NotFound");
    expect(err.rawMessage).toMatch(
      /^failed to get sandbox image "registry\.k8s\.io\/pause:3\.10": failed to pull image/,
    );
  });
});

describe("image references", () => {
  it("normalises like containerd's ParseDockerRef", () => {
    const ref = (input: string) => {
      const parsed = parseImageRef(input);
      return "ok" in parsed ? parsed.ok.ref : `error: ${parsed.error}`;
    };
    expect(ref("busybox")).toBe("docker.io/library/busybox:latest");
    expect(ref("library/busybox:1.36")).toBe("docker.io/library/busybox:1.36");
    expect(ref("foo/bar")).toBe("docker.io/foo/bar:latest");
    expect(ref("index.docker.io/busybox")).toBe("docker.io/library/busybox:latest");
    expect(ref("localhost/app")).toBe("localhost/app:latest");
    expect(ref("127.0.0.1:5000/a/b:c")).toBe("127.0.0.1:5000/a/b:c");
    expect(ref(`busybox:1@sha256:${"a".repeat(64)}`)).toBe(
      `docker.io/library/busybox@sha256:${"a".repeat(64)}`,
    );
    expect(ref("Busybox")).toMatch(/^error/);
    expect(ref("a".repeat(64))).toMatch(/^error/);
    expect(ref("")).toMatch(/^error/);
  });
});
