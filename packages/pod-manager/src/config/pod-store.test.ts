import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
} from "./pod-annotations.js";
import { createPodStore } from "./pod-store.js";

function pod(
  uid: string,
  name: string,
  annotations: Record<string, string> = {},
  namespace = "default",
): V1Pod {
  return { metadata: { uid, name, namespace, annotations }, spec: { containers: [] } };
}

const staticPod = pod("static-uid", "etcd-node-1", {
  [CONFIG_SOURCE_ANNOTATION]: "file",
  [CONFIG_HASH_ANNOTATION]: "h1",
});
const mirrorPod = pod("mirror-uid", "etcd-node-1", {
  [CONFIG_SOURCE_ANNOTATION]: "api",
  [CONFIG_MIRROR_ANNOTATION]: "h1",
});
const apiPod = pod("api-uid", "web", { [CONFIG_SOURCE_ANNOTATION]: "api" });

describe("pod store", () => {
  it("finds pods by UID, full name and namespace/name", () => {
    const store = createPodStore();
    store.setPods([apiPod, staticPod]);
    expect(store.getPodByUid("api-uid")).toBe(apiPod);
    expect(store.getPodByFullName("etcd-node-1_default")).toBe(staticPod);
    expect(store.getPodByName("default", "web")).toBe(apiPod);
    expect(store.getPodByName("other", "web")).toBeUndefined();
    expect(store.listPods()).toHaveLength(2);
  });

  it("keeps mirror pods apart from regular pods and maps them to their static pods", () => {
    const store = createPodStore();
    store.setPods([mirrorPod, staticPod, apiPod]);
    expect(store.getPodByUid("mirror-uid")).toBeUndefined();
    expect(store.listPods().map((p) => p.metadata?.uid)).toEqual(["static-uid", "api-uid"]);
    expect(store.listMirrorPods()).toEqual([mirrorPod]);
    expect(store.getMirrorPodByPod(staticPod)).toBe(mirrorPod);
    expect(store.getPodByMirrorPod(mirrorPod)).toBe(staticPod);
    expect(store.translatePodUid("mirror-uid")).toBe("static-uid");
    expect(store.translatePodUid("api-uid")).toBe("api-uid");
    expect(store.translatePodUid("")).toBe("");
    expect(store.isMirrorPodOf(mirrorPod, staticPod)).toBe(true);
  });

  it("lists UID translations both ways, with an empty mirror UID for static pods without a mirror", () => {
    const store = createPodStore();
    const lonely = pod("lonely-uid", "kube-proxy-node-1", { [CONFIG_SOURCE_ANNOTATION]: "file" });
    store.setPods([staticPod, mirrorPod, lonely, apiPod]);
    const { podToMirror, mirrorToPod } = store.getUidTranslations();
    expect([...podToMirror]).toEqual([
      ["static-uid", "mirror-uid"],
      ["lonely-uid", ""],
    ]);
    expect([...mirrorToPod]).toEqual([["mirror-uid", "static-uid"]]);
  });

  it("does not take a mirror pod with another hash for the static pod's mirror", () => {
    const store = createPodStore();
    const stale = pod("stale", "etcd-node-1", { [CONFIG_MIRROR_ANNOTATION]: "old-hash" });
    expect(store.isMirrorPodOf(stale, staticPod)).toBe(false);
    expect(store.isMirrorPodOf(pod("m", "other", { [CONFIG_MIRROR_ANNOTATION]: "h1" }), staticPod)).toBe(
      false,
    );
  });

  it("reports mirror pods whose static pod is gone as orphans", () => {
    const store = createPodStore();
    store.setPods([staticPod, mirrorPod]);
    expect(store.getOrphanedMirrorPodNames()).toEqual([]);
    store.removePod(staticPod);
    expect(store.getOrphanedMirrorPodNames()).toEqual(["etcd-node-1_default"]);
    store.removePod(mirrorPod);
    expect(store.translatePodUid("mirror-uid")).toBe("mirror-uid");
  });

  it("applies pod config updates: add/update/delete/reconcile store, remove forgets, set replaces one source", () => {
    const store = createPodStore();
    store.applyUpdate({ type: "add", source: "file", pods: [staticPod] });
    store.applyUpdate({ type: "add", source: "api", pods: [apiPod] });
    const updated = { ...apiPod, spec: { containers: [{ name: "c", image: "i" }] } };
    store.applyUpdate({ type: "update", source: "api", pods: [updated] });
    expect(store.getPodByUid("api-uid")).toBe(updated);
    store.applyUpdate({ type: "remove", source: "api", pods: [apiPod] });
    expect(store.getPodByUid("api-uid")).toBeUndefined();
    const replacement = pod("other-static", "sched-node-1", { [CONFIG_SOURCE_ANNOTATION]: "file" });
    store.applyUpdate({ type: "add", source: "api", pods: [apiPod] });
    store.applyUpdate({ type: "set", source: "file", pods: [replacement] });
    expect(store.listPods().map((p) => p.metadata?.uid)).toEqual(["api-uid", "other-static"]);
    store.applyUpdate({ type: "set", source: "*", pods: [] });
    expect(store.listPods()).toEqual([]);
  });
});
