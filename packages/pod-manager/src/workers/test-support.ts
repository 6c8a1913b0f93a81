// Test-only fakes of the core contracts the pod workers, PLEG and sync loop use. Not exported from the
// package: the real behavioural fakes live with the packages that implement the contracts.
import type {
  Clock,
  ContainerGcPolicy,
  GarbageCollectOptions,
  KillPodOptions,
  ListPodsOptions,
  PodStatusInput,
  PodStatusSnapshot,
  RuntimeContainer,
  RuntimeContainerEvent,
  RuntimePod,
  RuntimeSandbox,
  SyncPodOptions,
  SyncResult,
} from "@kubelet-kit/core";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { CONFIG_SOURCE_ANNOTATION, isStaticPod } from "../config/pod-annotations.js";

/** Options of {@link makePod}. */
export interface MakePodOptions {
  uid?: string;
  name?: string;
  namespace?: string;
  containers?: string[];
  terminationGracePeriodSeconds?: number;
  deletionGracePeriodSeconds?: number;
  deleting?: boolean;
  phase?: string;
  source?: string;
  hostNetwork?: boolean;
  restartPolicy?: string;
  createdAtMs?: number;
}

export function makePod(options: MakePodOptions = {}): V1Pod {
  const uid = options.uid ?? "uid-1";
  return {
    metadata: {
      uid,
      name: options.name ?? `pod-${uid}`,
      namespace: options.namespace ?? "default",
      annotations: options.source === undefined ? {} : { [CONFIG_SOURCE_ANNOTATION]: options.source },
      ...(options.deleting ? { deletionTimestamp: new Date(0) } : {}),
      ...(options.deletionGracePeriodSeconds === undefined
        ? {}
        : { deletionGracePeriodSeconds: options.deletionGracePeriodSeconds }),
      ...(options.createdAtMs === undefined ? {} : { creationTimestamp: new Date(options.createdAtMs) }),
    },
    spec: {
      containers: (options.containers ?? ["app"]).map((name) => ({ name, image: "busybox" })),
      ...(options.terminationGracePeriodSeconds === undefined
        ? {}
        : { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }),
      ...(options.hostNetwork === undefined ? {} : { hostNetwork: options.hostNetwork }),
      ...(options.restartPolicy === undefined ? {} : { restartPolicy: options.restartPolicy }),
    },
    status: { phase: options.phase ?? "Pending" },
  };
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise chain run (one macrotask). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A call the fake runtime recorded. */
export type RuntimeCall =
  | { readonly method: "getPodStatus"; readonly uid: string }
  | { readonly method: "syncPod"; readonly uid: string }
  | {
      readonly method: "killPod";
      readonly uid: string;
      readonly gracePeriodMs?: number;
      readonly hasPod: boolean;
    }
  | { readonly method: "listPods"; readonly all: boolean }
  | {
      readonly method: "garbageCollect";
      readonly policy: ContainerGcPolicy;
      readonly options: GarbageCollectOptions;
    };

/**
 * An in-memory runtime: pods are sets of containers and sandboxes that `syncPod` starts and `killPod`
 * stops. Every call is recorded; hooks script results, failures and blocking.
 */
export class FakeRuntime {
  readonly calls: RuntimeCall[] = [];
  readonly pods = new Map<string, RuntimePod>();
  /** Replaces the default `syncPod` behaviour (start every spec container). */
  onSyncPod: ((pod: V1Pod, status: PodStatusSnapshot) => Promise<SyncResult> | SyncResult) | undefined;
  /** Runs before the default `killPod` behaviour; may block or throw. */
  onKillPod: ((uid: string, options: KillPodOptions | undefined) => Promise<void> | void) | undefined;
  /** Runs after the default `killPod` behaviour (e.g. to leave a container running). */
  onAfterKillPod: ((uid: string) => void) | undefined;
  /** Makes `getPodStatus` throw for these UIDs. */
  readonly failStatusFor = new Set<string>();
  /** Makes `listPods` throw while set. */
  listError: Error | undefined;
  /** When set, the runtime offers a container event stream. */
  watchContainerEvents: ((signal: AbortSignal) => AsyncIterable<RuntimeContainerEvent>) | undefined;
  /** Syncs in flight per UID, and the highest number seen at once (per UID and overall). */
  readonly inFlight = new Map<string, number>();
  maxInFlightPerPod = 0;
  maxInFlightOverall = 0;
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  setContainer(uid: string, container: Partial<RuntimeContainer> & { id: string; name: string }): void {
    const pod = this.pods.get(uid) ?? {
      uid,
      name: `pod-${uid}`,
      namespace: "default",
      containers: [],
      sandboxes: [],
    };
    const full: RuntimeContainer = {
      runtimeType: "fake",
      image: "busybox",
      imageRef: "busybox",
      state: "running",
      createdAtMs: this.clock.now(),
      restartCount: 0,
      ...container,
    };
    this.pods.set(uid, { ...pod, containers: [...pod.containers.filter((c) => c.id !== full.id), full] });
  }

  setSandbox(uid: string, sandbox: Partial<RuntimeSandbox> & { id: string }): void {
    const pod = this.pods.get(uid) ?? {
      uid,
      name: `pod-${uid}`,
      namespace: "default",
      containers: [],
      sandboxes: [],
    };
    const full: RuntimeSandbox = {
      name: pod.name,
      namespace: pod.namespace,
      uid,
      attempt: 0,
      state: "ready",
      createdAtMs: this.clock.now(),
      ips: [],
      hostNetwork: false,
      ...sandbox,
    };
    this.pods.set(uid, { ...pod, sandboxes: [...pod.sandboxes.filter((s) => s.id !== full.id), full] });
  }

  removeContainer(uid: string, id: string): void {
    const pod = this.pods.get(uid);
    if (pod === undefined) return;
    this.pods.set(uid, { ...pod, containers: pod.containers.filter((c) => c.id !== id) });
  }

  exitAll(uid: string, exitCode = 0): void {
    const pod = this.pods.get(uid);
    if (pod === undefined) return;
    this.pods.set(uid, {
      ...pod,
      containers: pod.containers.map((c) =>
        c.state === "running" ? { ...c, state: "exited", exitCode, finishedAtMs: this.clock.now() } : c,
      ),
    });
  }

  countCalls(method: RuntimeCall["method"], uid?: string): number {
    return this.calls.filter(
      (c) => c.method === method && (uid === undefined || ("uid" in c && c.uid === uid)),
    ).length;
  }

  killCalls(): Extract<RuntimeCall, { method: "killPod" }>[] {
    return this.calls.filter((c): c is Extract<RuntimeCall, { method: "killPod" }> => c.method === "killPod");
  }

  getPodStatus = async (uid: string, name: string, namespace: string): Promise<PodStatusSnapshot> => {
    this.calls.push({ method: "getPodStatus", uid });
    if (this.failStatusFor.has(uid)) throw new Error(`status of ${uid} unavailable`);
    const pod = this.pods.get(uid);
    return {
      uid,
      name,
      namespace,
      ips: [],
      sandboxes: pod?.sandboxes ?? [],
      containers: pod?.containers ?? [],
      timestampMs: this.clock.now(),
    };
  };

  syncPod = async (pod: V1Pod, status: PodStatusSnapshot, _options?: SyncPodOptions): Promise<SyncResult> => {
    const uid = pod.metadata?.uid ?? "";
    this.calls.push({ method: "syncPod", uid });
    const now = (this.inFlight.get(uid) ?? 0) + 1;
    this.inFlight.set(uid, now);
    this.maxInFlightPerPod = Math.max(this.maxInFlightPerPod, now);
    this.maxInFlightOverall = Math.max(
      this.maxInFlightOverall,
      [...this.inFlight.values()].reduce((a, b) => a + b, 0),
    );
    try {
      if (this.onSyncPod !== undefined) return await this.onSyncPod(pod, status);
      return this.startContainers(pod);
    } finally {
      this.inFlight.set(uid, (this.inFlight.get(uid) ?? 1) - 1);
    }
  };

  killPod = async (
    pod: V1Pod | undefined,
    runningPod: RuntimePod,
    options?: KillPodOptions,
  ): Promise<void> => {
    this.calls.push({
      method: "killPod",
      uid: runningPod.uid,
      hasPod: pod !== undefined,
      ...(options?.gracePeriodOverrideMs === undefined
        ? {}
        : { gracePeriodMs: options.gracePeriodOverrideMs }),
    });
    await this.onKillPod?.(runningPod.uid, options);
    this.exitAll(runningPod.uid, 137);
    const current = this.pods.get(runningPod.uid);
    if (current !== undefined) {
      this.pods.set(runningPod.uid, {
        ...current,
        sandboxes: current.sandboxes.map((s) => ({ ...s, state: "notready" as const })),
      });
    }
    this.onAfterKillPod?.(runningPod.uid);
  };

  listPods = async (options?: ListPodsOptions): Promise<RuntimePod[]> => {
    const all = options?.all ?? false;
    this.calls.push({ method: "listPods", all });
    if (this.listError !== undefined) throw this.listError;
    const pods: RuntimePod[] = [];
    for (const pod of this.pods.values()) {
      const containers = all ? pod.containers : pod.containers.filter((c) => c.state === "running");
      const sandboxes = all ? pod.sandboxes : pod.sandboxes.filter((s) => s.state === "ready");
      if (containers.length > 0 || sandboxes.length > 0) pods.push({ ...pod, containers, sandboxes });
    }
    return pods;
  };

  garbageCollect = async (policy: ContainerGcPolicy, options?: GarbageCollectOptions): Promise<void> => {
    this.calls.push({ method: "garbageCollect", policy, options: options ?? {} });
  };

  private startContainers(pod: V1Pod): SyncResult {
    const uid = pod.metadata?.uid ?? "";
    const current = this.pods.get(uid);
    if (current === undefined || !current.sandboxes.some((s) => s.state === "ready")) {
      this.pods.set(uid, {
        uid,
        name: pod.metadata?.name ?? "",
        namespace: pod.metadata?.namespace ?? "",
        containers: current?.containers ?? [],
        sandboxes: current?.sandboxes ?? [],
      });
      this.setSandbox(uid, { id: `sb-${this.nextId++}` });
    }
    const results: SyncResult["results"][number][] = [];
    for (const container of pod.spec?.containers ?? []) {
      const running = this.pods
        .get(uid)
        ?.containers.some((c) => c.name === container.name && c.state === "running");
      if (running) continue;
      this.setContainer(uid, {
        id: `c-${this.nextId++}`,
        name: container.name,
        startedAtMs: this.clock.now(),
      });
      results.push({ action: "StartContainer", target: container.name });
    }
    return { results };
  }
}

/** A call the fake status manager recorded. */
export type StatusCall =
  | { readonly method: "setPodStatus"; readonly uid: string; readonly status: V1PodStatus }
  | { readonly method: "terminatePod"; readonly uid: string }
  | { readonly method: "removeOrphanedStatuses"; readonly uids: ReadonlySet<string> };

/** Keeps the newest status per pod and records every call. */
export class FakeStatusManager {
  readonly calls: StatusCall[] = [];
  readonly statuses = new Map<string, V1PodStatus>();

  getPodStatus = (uid: string): V1PodStatus | undefined => this.statuses.get(uid);

  setPodStatus = (pod: V1Pod, status: V1PodStatus): void => {
    const uid = pod.metadata?.uid ?? "";
    this.calls.push({ method: "setPodStatus", uid, status });
    this.statuses.set(uid, status);
  };

  terminatePod = (pod: V1Pod): void => {
    this.calls.push({ method: "terminatePod", uid: pod.metadata?.uid ?? "" });
  };

  removeOrphanedStatuses = (uids: ReadonlySet<string>): void => {
    this.calls.push({ method: "removeOrphanedStatuses", uids });
    for (const uid of [...this.statuses.keys()]) if (!uids.has(uid)) this.statuses.delete(uid);
  };

  phases(uid: string): (string | undefined)[] {
    return this.calls
      .filter(
        (c): c is Extract<StatusCall, { method: "setPodStatus" }> =>
          c.method === "setPodStatus" && c.uid === uid,
      )
      .map((c) => c.status.phase);
  }
}

/**
 * A small status generator: `Running` while a container runs; once all have exited, `Succeeded`/`Failed`
 * by exit code when the pod is terminal (and not static) or does not restart; `Pending` otherwise. The first failed sync
 * step's reason becomes the status reason. Records every input.
 */
export class FakeGenerator {
  readonly inputs: PodStatusInput<V1Pod>[] = [];

  generate = (input: PodStatusInput<V1Pod>): V1PodStatus => {
    this.inputs.push(input);
    const containers = input.runtimeStatus.containers;
    const failure = input.lastSyncResult?.results.find((r) => r.error !== undefined)?.error;
    const reason = failure === undefined ? {} : { reason: failure.reason };
    if (containers.some((c) => c.state === "running")) return { phase: "Running", ...reason };
    const exited = containers.filter((c) => c.state === "exited");
    const restarts = (input.pod.spec?.restartPolicy ?? "Always") !== "Never";
    // As upstream (#116484), a static pod does not get a terminal phase just because it was stopped.
    const terminal = input.podIsTerminal === true && !isStaticPod(input.pod);
    if (exited.length > 0 && (terminal || !restarts)) {
      return { phase: exited.every((c) => c.exitCode === 0) ? "Succeeded" : "Failed", ...reason };
    }
    return { phase: "Pending", ...reason };
  };
}
