import { afterEach, describe, expect, it } from "vitest";
import { container, createHarness, type Harness, makePod } from "./fixtures.test-util.js";
import { applyDefaultImageTag, credentialsFor } from "./image-manager.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const startError = (result: Awaited<ReturnType<Harness["sync"]>>) =>
  result.results.find((r) => r.action === "StartContainer")?.error;
const eventLines = (h: Harness) => h.events.map((e) => `${e.type} ${e.reason} ${e.message}`);

describe("image pull policy and back-off", () => {
  it("fails with ErrImagePull, then ImagePullBackOff for 10 s, then pulls again and backs off 20 s", async () => {
    h = await createHarness();
    const pod = makePod({
      containers: [container("app", { image: "nginx:1.25", imagePullPolicy: "IfNotPresent" })],
    });
    const notFound =
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.25": failed to resolve reference "docker.io/library/nginx:1.25": docker.io/library/nginx:1.25: not found';
    expect(startError(await h.sync(pod))).toMatchObject({ reason: "ErrImagePull", message: notFound });
    expect(eventLines(h)).toEqual([
      'Normal Pulling Pulling image "nginx:1.25"',
      `Warning Failed Failed to pull image "nginx:1.25": ${notFound}`,
      "Warning Failed Error: ErrImagePull",
    ]);
    h.events.length = 0;
    // The waiting message carries the last pull error; the event does not.
    expect(startError(await h.sync(pod))).toMatchObject({
      reason: "ImagePullBackOff",
      message: `Back-off pulling image "nginx:1.25": ErrImagePull: ${notFound}`,
    });
    expect(eventLines(h)).toEqual([
      'Normal BackOff Back-off pulling image "nginx:1.25"',
      "Warning Failed Error: ImagePullBackOff",
    ]);

    h.clock.advance(9_999);
    expect(startError(await h.sync(pod))?.reason).toBe("ImagePullBackOff");
    h.clock.advance(1);
    expect(startError(await h.sync(pod))?.reason).toBe("ErrImagePull");
    h.clock.advance(19_999);
    expect(startError(await h.sync(pod))?.reason).toBe("ImagePullBackOff");
    h.clock.advance(1);
    expect(startError(await h.sync(pod))?.reason).toBe("ErrImagePull");
    expect(h.fake.callsTo("PullImage")).toHaveLength(3);
  });

  it("says when an image pull back-off ends (retryAtMs), so the pod worker can retry the pull then", async () => {
    h = await createHarness();
    const pod = makePod({
      containers: [container("app", { image: "nginx:1.25", imagePullPolicy: "IfNotPresent" })],
    });
    const failedAt = h.clock.now();
    expect(startError(await h.sync(pod))?.retryAtMs).toBeUndefined();
    h.clock.advance(4_000);
    expect(startError(await h.sync(pod))).toMatchObject({
      reason: "ImagePullBackOff",
      retryAtMs: failedAt + 10_000,
    });
    h.clock.advance(6_000);
    expect(startError(await h.sync(pod))?.reason).toBe("ErrImagePull");
    const failedAgainAt = h.clock.now();
    expect(startError(await h.sync(pod))?.retryAtMs).toBe(failedAgainAt + 20_000);
  });

  it("never pulls with policy Never: ErrImageNeverPull when absent", async () => {
    h = await createHarness();
    const pod = makePod({
      containers: [container("app", { image: "nginx:1.25", imagePullPolicy: "Never" })],
    });
    expect(startError(await h.sync(pod))).toEqual({
      reason: "ErrImageNeverPull",
      message: 'Container image "nginx:1.25" is not present with pull policy of Never',
    });
    expect(eventLines(h)[0]).toBe(
      'Warning ErrImageNeverPull Container image "nginx:1.25" is not present with pull policy of Never',
    );
    expect(h.fake.callsTo("PullImage")).toHaveLength(0);
  });

  it("pulls with Always even when present, and defaults an untagged image to :latest", async () => {
    h = await createHarness({
      images: [{ ref: "docker.io/library/busybox:latest", sizeBytes: 1234 }, "registry.k8s.io/pause:3.10"],
    });
    const pod = makePod({ containers: [container("app", { image: "busybox", imagePullPolicy: undefined })] });
    expect(startError(await h.sync(pod))).toBeUndefined();
    expect(
      h.fake.callsTo("PullImage").map((c) => (c.request as { image?: { image: string } }).image?.image),
    ).toEqual(["busybox:latest"]);
    expect(eventLines(h)[0]).toBe('Normal Pulling Pulling image "busybox"');
    expect(eventLines(h)[1]).toBe(
      'Normal Pulled Successfully pulled image "busybox" in 0s (0s including waiting). Image size: 1234 bytes.',
    );
    const created = h.fake.containers()[0];
    expect(created?.imageId).toMatch(/^sha256:/);
    expect(created?.annotations["io.kubernetes.container.hash"]).toBeDefined();
  });

  it("reports InvalidImageName for a reference that does not parse", async () => {
    h = await createHarness();
    const pod = makePod({ containers: [container("app", { image: "Not Valid" })] });
    expect(startError(await h.sync(pod))?.reason).toBe("InvalidImageName");
    expect(h.events[0]?.reason).toBe("InspectFailed");
  });
});

describe("image references and credentials", () => {
  it.each([
    ["busybox", "busybox:latest"],
    ["busybox:1.36", "busybox:1.36"],
    ["localhost:5000/app", "localhost:5000/app:latest"],
    [`registry.example/app@sha256:${"a".repeat(64)}`, `registry.example/app@sha256:${"a".repeat(64)}`],
    ["", undefined],
    ["UPPER/case", undefined],
  ])("defaults %j to %j", (image, expected) => {
    expect(applyDefaultImageTag(image)).toBe(expected);
  });

  it("takes pull credentials for the image's registry from dockerconfigjson secrets", () => {
    const config = {
      auths: {
        "https://index.docker.io/v1/": { auth: Buffer.from("u:p").toString("base64") },
        "quay.io": { username: "q", password: "w" },
      },
    };
    const secret = {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") },
    };
    expect(credentialsFor("busybox", [secret])).toEqual([
      expect.objectContaining({ username: "u", password: "p", serverAddress: "https://index.docker.io/v1/" }),
    ]);
    expect(credentialsFor("quay.io/org/app:1", [secret])).toEqual([
      expect.objectContaining({ username: "q", password: "w" }),
    ]);
    expect(credentialsFor("ghcr.io/x", [secret])).toEqual([]);
  });

  it("passes the credentials to PullImage", async () => {
    h = await createHarness({ pullable: () => true });
    const config = { auths: { "registry.example": { username: "me", password: "pw" } } };
    const secret = { data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") } };
    const pod = makePod({ containers: [container("app", { image: "registry.example/app:1" })] });
    await h.sync(pod, { pullSecrets: [secret] });
    const request = h.fake.callsTo("PullImage")[0]?.request as {
      auth?: { username: string; password: string };
    };
    expect(request.auth).toMatchObject({ username: "me", password: "pw" });
  });
});
