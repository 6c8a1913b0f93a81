import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CONFIG_HASH_ANNOTATION } from "./pod-annotations.js";
import { applyStaticPodDefaults, computeStaticPodUid, type StaticPodOrigin } from "./static-pod.js";

const FILE_ORIGIN: StaticPodOrigin = {
  nodeName: "Node-1",
  source: "file",
  location: "/etc/kubernetes/manifests/web.yaml",
};

function pod(overrides: Partial<V1Pod> = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: { containers: [{ name: "web", image: "busybox" }] },
    ...overrides,
  };
}

describe("static pod defaults", () => {
  it("names the pod after the node, in lower case, and binds it to the node", () => {
    const result = applyStaticPodDefaults(pod(), FILE_ORIGIN);
    expect(result.metadata?.name).toBe("web-node-1");
    expect(result.spec?.nodeName).toBe("Node-1");
  });

  it("puts the pod in the default namespace unless it names one", () => {
    expect(applyStaticPodDefaults(pod(), FILE_ORIGIN).metadata?.namespace).toBe("default");
    const inSystem = pod({ metadata: { name: "web", namespace: "kube-system" } });
    expect(applyStaticPodDefaults(inSystem, FILE_ORIGIN).metadata?.namespace).toBe("kube-system");
  });

  it("generates a 32-hex-digit UID and records it as the config hash", () => {
    const result = applyStaticPodDefaults(pod(), FILE_ORIGIN);
    expect(result.metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(result.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]).toBe(result.metadata?.uid);
  });

  it("keeps a UID the manifest sets itself", () => {
    const result = applyStaticPodDefaults(pod({ metadata: { name: "web", uid: "fixed-uid" } }), FILE_ORIGIN);
    expect(result.metadata?.uid).toBe("fixed-uid");
    expect(result.metadata?.annotations?.[CONFIG_HASH_ANNOTATION]).toBe("fixed-uid");
  });

  it("marks the pod Pending", () => {
    expect(applyStaticPodDefaults(pod(), FILE_ORIGIN).status?.phase).toBe("Pending");
  });

  it("gives file pods the NoExecute toleration once, and http pods none", () => {
    const fromFile = applyStaticPodDefaults(pod(), FILE_ORIGIN);
    expect(fromFile.spec?.tolerations).toEqual([{ operator: "Exists", effect: "NoExecute" }]);
    const again = applyStaticPodDefaults(fromFile, FILE_ORIGIN);
    expect(again.spec?.tolerations).toEqual([{ operator: "Exists", effect: "NoExecute" }]);
    const fromHttp = applyStaticPodDefaults(pod(), {
      nodeName: "n",
      source: "http",
      location: "http://x/pods",
    });
    expect(fromHttp.spec?.tolerations).toBeUndefined();
  });

  it("keeps the manifest's own tolerations next to the added one", () => {
    const tolerated = pod({
      spec: {
        containers: [{ name: "web", image: "busybox" }],
        tolerations: [{ key: "gpu", operator: "Exists" }],
      },
    });
    expect(applyStaticPodDefaults(tolerated, FILE_ORIGIN).spec?.tolerations).toEqual([
      { key: "gpu", operator: "Exists" },
      { operator: "Exists", effect: "NoExecute" },
    ]);
  });

  it("leaves the input pod untouched", () => {
    const input = pod();
    const before = structuredClone(input);
    applyStaticPodDefaults(input, FILE_ORIGIN);
    expect(input).toEqual(before);
  });
});

describe("static pod UID", () => {
  it("is the same for the same content, node and path", () => {
    expect(computeStaticPodUid(pod(), FILE_ORIGIN)).toBe(computeStaticPodUid(pod(), { ...FILE_ORIGIN }));
  });

  it("does not depend on key order", () => {
    const reordered: V1Pod = {
      spec: { containers: [{ image: "busybox", name: "web" }] },
      metadata: { name: "web" },
      kind: "Pod",
      apiVersion: "v1",
    };
    expect(computeStaticPodUid(reordered, FILE_ORIGIN)).toBe(computeStaticPodUid(pod(), FILE_ORIGIN));
  });

  it("changes with the node name, the file path, the URL and the content", () => {
    const base = computeStaticPodUid(pod(), FILE_ORIGIN);
    const uids = [
      computeStaticPodUid(pod(), { ...FILE_ORIGIN, nodeName: "node-2" }),
      computeStaticPodUid(pod(), { ...FILE_ORIGIN, location: "/etc/kubernetes/manifests/other.yaml" }),
      computeStaticPodUid(pod(), { nodeName: "Node-1", source: "http", location: "http://a/pods" }),
      computeStaticPodUid(pod(), { nodeName: "Node-1", source: "http", location: "http://b/pods" }),
      computeStaticPodUid(pod({ spec: { containers: [{ name: "web", image: "busybox:2" }] } }), FILE_ORIGIN),
    ];
    expect(new Set([base, ...uids]).size).toBe(uids.length + 1);
  });

  it("ignores the node name for http pods, as the kubelet does", () => {
    const a = computeStaticPodUid(pod(), { nodeName: "a", source: "http", location: "http://x/pods" });
    const b = computeStaticPodUid(pod(), { nodeName: "b", source: "http", location: "http://x/pods" });
    expect(a).toBe(b);
  });
});
