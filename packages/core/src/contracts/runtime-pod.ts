/**
 * Runtime-side state of a container as the kubelet sees it. Mirrors CRI `ContainerState` without the
 * `CONTAINER_` prefix.
 */
export type RuntimeContainerState = "created" | "running" | "exited" | "unknown";

/**
 * One container instance as reported by the runtime: the kubelet's `kubecontainer.Status`, merged with
 * the lighter `kubecontainer.Container` of pod listings. Times are ms since the epoch.
 */
export interface RuntimeContainer {
  /** Runtime-assigned ID (CRI container ID), without prefix. */
  readonly id: string;
  /** Runtime name, e.g. `"containerd"`; the API shows container IDs as `<runtimeType>://<id>`. */
  readonly runtimeType: string;
  /** Container name from the pod spec (CRI metadata name). */
  readonly name: string;
  /** Image as written in the pod spec (e.g. `busybox:1.36`). */
  readonly image: string;
  /** Image reference the runtime resolved, preferably by digest; the API's `imageID`. */
  readonly imageRef: string;
  readonly state: RuntimeContainerState;
  readonly createdAtMs: number;
  /** Set once the container has started. */
  readonly startedAtMs?: number;
  /** Set once the container has exited. */
  readonly finishedAtMs?: number;
  /** Set once the container has exited. */
  readonly exitCode?: number;
  /** Runtime's short reason for the state (e.g. `"Error"`, `"OOMKilled"`, `"Completed"`). */
  readonly reason?: string;
  /** Runtime's or termination-log message. */
  readonly message?: string;
  /**
   * How many times the kubelet restarted this container before this instance: the CRI metadata `attempt`
   * of kubelet-created containers (also kept in the `io.kubernetes.container.restartCount` annotation).
   */
  readonly restartCount: number;
  /** The kubelet's spec hash (annotation `io.kubernetes.container.hash`), hex; used to detect spec changes. */
  readonly hash?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Whether a sandbox is usable. Mirrors CRI `PodSandboxState` (`SANDBOX_READY` / `SANDBOX_NOTREADY`). */
export type RuntimeSandboxState = "ready" | "notready";

/** A pod sandbox (the pause container and its namespaces) as reported by the runtime. */
export interface RuntimeSandbox {
  /** Runtime-assigned sandbox ID. */
  readonly id: string;
  /** CRI metadata: pod name, namespace, uid and the kubelet's creation attempt. */
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
  readonly state: RuntimeSandboxState;
  readonly createdAtMs: number;
  /** Pod IPs, primary first; empty for host-network sandboxes or before networking is set up. */
  readonly ips: readonly string[];
  /** True when the sandbox uses the node's network namespace. */
  readonly hostNetwork: boolean;
  /** RuntimeClass handler the sandbox runs under; empty for the default. */
  readonly runtimeHandler?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A pod as the runtime knows it (the kubelet's `kubecontainer.Pod`), e.g. in `PodRuntime.listPods()`. */
export interface RuntimePod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly containers: readonly RuntimeContainer[];
  readonly sandboxes: readonly RuntimeSandbox[];
}

/**
 * Everything the runtime reports about one pod at one moment (the kubelet's `kubecontainer.PodStatus`):
 * the input of `PodRuntime.syncPod` and of API status generation.
 */
export interface PodStatusSnapshot {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Pod IPs from the newest ready sandbox, primary first. */
  readonly ips: readonly string[];
  /** Sandboxes, newest first. */
  readonly sandboxes: readonly RuntimeSandbox[];
  /** Every container instance, running and exited, newest first (so the first per name is the latest). */
  readonly containers: readonly RuntimeContainer[];
  /** When the snapshot was taken, in ms since the epoch (the PLEG cache compares these). */
  readonly timestampMs: number;
}

/**
 * The running part of a status snapshot, in the shape `PodRuntime.killPod` takes: its running containers
 * and all its sandboxes (the kubelet's `ConvertPodStatusToRunningPod`).
 */
export function toRunningPod(status: PodStatusSnapshot): RuntimePod {
  return {
    uid: status.uid,
    name: status.name,
    namespace: status.namespace,
    containers: status.containers.filter((c) => c.state === "running"),
    sandboxes: status.sandboxes,
  };
}
