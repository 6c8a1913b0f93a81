import type { PodLike } from "./pod-like.js";

/** A volume mounted for a pod, as the runtime needs it to build CRI mounts. */
export interface MountedVolume {
  /** Name of the volume in the pod spec (`spec.volumes[].name`). */
  readonly name: string;
  /** Plugin that mounted it, e.g. `"kubernetes.io/empty-dir"`. */
  readonly pluginName: string;
  /** Host path the container mounts bind to (a directory, or a device for block volumes). */
  readonly hostPath: string;
  readonly kind: "filesystem" | "block";
  readonly readOnly: boolean;
  /** The runtime should apply the pod's SELinux label to the mount. */
  readonly selinuxRelabel: boolean;
}

/** Options of {@link VolumeManager.waitForAttachAndMount} and {@link VolumeManager.waitForUnmount}. */
export interface VolumeWaitOptions {
  /** Give up with `DeadlineExceeded` after this long. Default: 123 000 ms (the kubelet's 2 min 3 s). */
  timeoutMs?: number;
  /** Abort the wait (not the mounts) with `Canceled`. */
  signal?: AbortSignal;
}

/** Mounts and unmounts pod volumes (the kubelet's `volumemanager.VolumeManager`). */
export interface VolumeManager<P extends PodLike = PodLike> {
  /** Starts the desired-state populator and the reconciler loops. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once every volume of `pod` is mounted; the pod worker calls it before `syncPod`. */
  waitForAttachAndMount(pod: P, options?: VolumeWaitOptions): Promise<void>;
  /** Resolves once every volume of `pod` is unmounted; the pod worker calls it while cleaning up. */
  waitForUnmount(pod: P, options?: VolumeWaitOptions): Promise<void>;
  /** Volumes currently mounted for the pod, keyed by volume name. */
  getMountedVolumesForPod(podUid: string): ReadonlyMap<string, MountedVolume>;
}
