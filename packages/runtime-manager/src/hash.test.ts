import { describe, expect, it } from "vitest";
import { hashContainer, parseContainerHash, stableContainerKey } from "./hash.js";

describe("hashContainer", () => {
  it("matches the kubelet's value for upstream's test container (v1.31+ hash of name and image)", () => {
    // pkg/kubelet/container/container_hash_test.go: sampleV131HashValue = 0x8e45cbd0
    expect(hashContainer({ name: "test_container", image: "foo/image:v1" })).toBe("8e45cbd0");
  });

  it("changes with the image and ignores everything but name and image", () => {
    const a = hashContainer({ name: "app", image: "busybox:1.36" });
    expect(hashContainer({ name: "app", image: "busybox:1.37" })).not.toBe(a);
    expect(
      hashContainer({ name: "app", image: "busybox:1.36", command: ["x"] } as {
        name: string;
        image: string;
      }),
    ).toBe(a);
  });

  it("parses hex annotations back, 0 for missing or junk", () => {
    expect(parseContainerHash("8e45cbd0")).toBe(0x8e45cbd0);
    expect(parseContainerHash(undefined)).toBe(0);
    expect(parseContainerHash("zz")).toBe(0);
  });

  it("keys the crash-loop back-off by pod, container and hash", () => {
    const key = stableContainerKey(
      { name: "web", namespace: "default", uid: "u1" },
      { name: "test_container", image: "foo/image:v1" },
    );
    expect(key).toBe("web_default_u1_test_container_8e45cbd0");
  });
});
