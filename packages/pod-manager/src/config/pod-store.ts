import type { PodUpdate } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import {
  ALL_SOURCES,
  buildPodFullName,
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  getPodFullName,
  getPodSource,
  isMirrorPod,
  isStaticPod,
} from "./pod-annotations.js";

/** Both directions of the mirror-pod UID translation (see {@link PodStore.getUidTranslations}). */
export interface UidTranslations {
  /** Static pod UID → its mirror pod's UID, or `""` when the static pod has no mirror pod yet. */
  readonly podToMirror: ReadonlyMap<string, string>;
  /** Mirror pod UID → the UID of the static pod it mirrors. */
  readonly mirrorToPod: ReadonlyMap<string, string>;
}

/**
 * The kubelet's pod manager (`pkg/kubelet/pod/pod_manager.go`): the desired pods bound to this node,
 * indexed by UID and by full name (`<name>_<namespace>`), with mirror pods (the API server's copies of static
 * pods, marked `kubernetes.io/config.mirror`) kept apart and mapped to their static pods by full name.
 *
 * Regular lookups never return mirror pods. Returned pods are the stored objects: do not mutate them.
 */
export interface PodStore {
  /** Replaces everything with `pods` (mirror pods among them are indexed as mirror pods). */
  setPods(pods: readonly V1Pod[]): void;
  /** Adds or replaces a pod (by UID and full name). Same as {@link PodStore.updatePod}. */
  addPod(pod: V1Pod): void;
  /** Adds or replaces a pod (by UID and full name). */
  updatePod(pod: V1Pod): void;
  /** Forgets a pod; for a mirror pod, forgets its mapping too. */
  removePod(pod: V1Pod): void;
  /**
   * Applies a pod config update as the kubelet's sync loop feeds its pod manager: `add`, `update`, `delete`
   * and `reconcile` store the pods, `remove` forgets them, and `set` replaces the pods of that source (all
   * pods when the source is `*`).
   */
  applyUpdate(update: PodUpdate<V1Pod>): void;
  /** The (non-mirror) pod with this UID. */
  getPodByUid(uid: string): V1Pod | undefined;
  /** The (non-mirror) pod with this full name (`<name>_<namespace>`). */
  getPodByFullName(fullName: string): V1Pod | undefined;
  /** The (non-mirror) pod with this namespace and name. */
  getPodByName(namespace: string, name: string): V1Pod | undefined;
  /** All regular (non-mirror) pods. */
  listPods(): V1Pod[];
  /** All mirror pods. */
  listMirrorPods(): V1Pod[];
  /** The mirror pod of a static pod (same full name), if known. */
  getMirrorPodByPod(pod: V1Pod): V1Pod | undefined;
  /** The static pod a mirror pod stands for (same full name), if known. */
  getPodByMirrorPod(mirrorPod: V1Pod): V1Pod | undefined;
  /**
   * The UID internal subsystems know a pod by: a mirror pod's UID becomes its static pod's UID; any other
   * UID (including unknown ones and `""`) is returned as is.
   */
  translatePodUid(uid: string): string;
  /** Every static pod's mirror UID (or `""`), and every mirror UID's static pod UID. */
  getUidTranslations(): UidTranslations;
  /** Full names of mirror pods whose static pod is gone (to be deleted from the API server). */
  getOrphanedMirrorPodNames(): string[];
  /** True when `mirrorPod` has the same full name as `pod` and carries `pod`'s config hash. */
  isMirrorPodOf(mirrorPod: V1Pod, pod: V1Pod): boolean;
}

/** Creates an empty {@link PodStore}. */
export function createPodStore(): PodStore {
  let podByUid = new Map<string, V1Pod>();
  let podByFullName = new Map<string, V1Pod>();
  let mirrorByUid = new Map<string, V1Pod>();
  let mirrorByFullName = new Map<string, V1Pod>();
  let translationByUid = new Map<string, string>();

  const uidOf = (pod: V1Pod): string => pod.metadata?.uid ?? "";

  function store(pod: V1Pod): void {
    const fullName = getPodFullName(pod);
    if (isMirrorPod(pod)) {
      const mirrorUid = uidOf(pod);
      mirrorByUid.set(mirrorUid, pod);
      mirrorByFullName.set(fullName, pod);
      const staticPod = podByFullName.get(fullName);
      if (staticPod !== undefined) translationByUid.set(mirrorUid, uidOf(staticPod));
    } else {
      const uid = uidOf(pod);
      podByUid.set(uid, pod);
      podByFullName.set(fullName, pod);
      const mirror = mirrorByFullName.get(fullName);
      if (mirror !== undefined) translationByUid.set(uidOf(mirror), uid);
    }
  }

  function remove(pod: V1Pod): void {
    const fullName = getPodFullName(pod);
    if (isMirrorPod(pod)) {
      const mirrorUid = uidOf(pod);
      mirrorByUid.delete(mirrorUid);
      mirrorByFullName.delete(fullName);
      translationByUid.delete(mirrorUid);
    } else {
      podByUid.delete(uidOf(pod));
      podByFullName.delete(fullName);
    }
  }

  const podStore: PodStore = {
    setPods(pods) {
      podByUid = new Map();
      podByFullName = new Map();
      mirrorByUid = new Map();
      mirrorByFullName = new Map();
      translationByUid = new Map();
      for (const pod of pods) store(pod);
    },
    addPod: (pod) => store(pod),
    updatePod: (pod) => store(pod),
    removePod: (pod) => remove(pod),
    applyUpdate(update) {
      switch (update.type) {
        case "add":
        case "update":
        case "delete":
        case "reconcile":
          for (const pod of update.pods) store(pod);
          break;
        case "remove":
          for (const pod of update.pods) remove(pod);
          break;
        case "set": {
          const replaced = [...podByUid.values(), ...mirrorByUid.values()].filter(
            (pod) => update.source === ALL_SOURCES || getPodSource(pod) === update.source,
          );
          for (const pod of replaced) remove(pod);
          for (const pod of update.pods) store(pod);
          break;
        }
      }
    },
    getPodByUid: (uid) => podByUid.get(uid),
    getPodByFullName: (fullName) => podByFullName.get(fullName),
    getPodByName: (namespace, name) => podByFullName.get(buildPodFullName(name, namespace)),
    listPods: () => [...podByUid.values()],
    listMirrorPods: () => [...mirrorByUid.values()],
    getMirrorPodByPod: (pod) => mirrorByFullName.get(getPodFullName(pod)),
    getPodByMirrorPod: (mirrorPod) => podByFullName.get(getPodFullName(mirrorPod)),
    translatePodUid(uid) {
      if (uid === "") return uid;
      return translationByUid.get(uid) ?? uid;
    },
    getUidTranslations() {
      const podToMirror = new Map<string, string>();
      const mirrorToPod = new Map<string, string>();
      for (const [uid, pod] of podByUid) if (isStaticPod(pod)) podToMirror.set(uid, "");
      for (const [mirrorUid, uid] of translationByUid) {
        mirrorToPod.set(mirrorUid, uid);
        podToMirror.set(uid, mirrorUid);
      }
      return { podToMirror, mirrorToPod };
    },
    getOrphanedMirrorPodNames() {
      return [...mirrorByFullName.keys()].filter((fullName) => !podByFullName.has(fullName));
    },
    isMirrorPodOf(mirrorPod, pod) {
      if (mirrorPod.metadata?.name !== pod.metadata?.name) return false;
      if (mirrorPod.metadata?.namespace !== pod.metadata?.namespace) return false;
      const hash = mirrorPod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION];
      return hash !== undefined && hash === (pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] ?? "");
    },
  };
  return podStore;
}
