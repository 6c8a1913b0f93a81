// A PodRuntime that is not CRI: pods "run" in memory, the way a virtual-kubelet-style backend would hand
// them to some other system. The build-your-own-node-agent guide plugs it into the agent in place of the
// runtime manager; everything else (sources, workers, PLEG, status) stays the same.

import type {
  Clock,
  ContainerGcPolicy,
  ContainerLogEntry,
  PodRuntime,
  PodStatusSnapshot,
  RuntimeContainer,
  RuntimePod,
  RuntimeSandbox,
  SyncActionResult,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";

/** Options of {@link createVirtualRuntime}. */
export interface VirtualRuntimeOptions {
  /** Timestamps of sandboxes and containers. Required (the agent's clock). */
  clock: Clock;
  /** Name reported by `version()` and used in container IDs (`<name>://<id>`). Default: `"virtual"`. */
  runtimeName?: string;
}

/** The in-memory state of one pod. */
interface VirtualPod {
  uid: string;
  name: string;
  namespace: string;
  sandbox: RuntimeSandbox;
  containers: RuntimeContainer[];
}

/**
 * Creates a `PodRuntime<V1Pod>` whose pods exist only in memory: `syncPod` "starts" every regular container
 * that is not running (init containers count as completed at once) unless the restart policy says
 * otherwise, `killPod` marks them exited with 137, and the status reads come from that state. A real
 * backend would call its own API in `syncPod` / `killPod` and report what it sees in `getPodStatus`.
 */
export function createVirtualRuntime(options: VirtualRuntimeOptions): PodRuntime<V1Pod> {
  const { clock } = options;
  const runtimeType = options.runtimeName ?? "virtual";
  const pods = new Map<string, VirtualPod>();
  let nextId = 1;
  const id = (): string => String(nextId++).padStart(12, "0");

  const snapshot = (uid: string, name: string, namespace: string): PodStatusSnapshot => {
    const pod = pods.get(uid);
    return {
      uid,
      name,
      namespace,
      ips: pod?.sandbox.state === "ready" ? pod.sandbox.ips : [],
      sandboxes: pod === undefined ? [] : [pod.sandbox],
      // Newest first, as the contract asks.
      containers: pod === undefined ? [] : [...pod.containers].reverse(),
      timestampMs: clock.now(),
    };
  };

  const toRuntimePod = (pod: VirtualPod, all: boolean): RuntimePod => ({
    uid: pod.uid,
    name: pod.name,
    namespace: pod.namespace,
    containers: pod.containers.filter((c) => all || c.state === "running"),
    sandboxes: all || pod.sandbox.state === "ready" ? [pod.sandbox] : [],
  });

  return {
    async syncPod(pod) {
      const uid = pod.metadata?.uid ?? "";
      const results: SyncActionResult[] = [];
      let state = pods.get(uid);
      if (state === undefined || state.sandbox.state !== "ready") {
        const sandbox: RuntimeSandbox = {
          id: id(),
          name: pod.metadata?.name ?? "",
          namespace: pod.metadata?.namespace ?? "default",
          uid,
          attempt: state === undefined ? 0 : state.sandbox.attempt + 1,
          state: "ready",
          createdAtMs: clock.now(),
          ips: ["10.244.0.10"],
          hostNetwork: false,
        };
        state = { uid, name: sandbox.name, namespace: sandbox.namespace, sandbox, containers: [] };
        pods.set(uid, state);
        results.push({ action: "CreatePodSandbox", target: `${sandbox.name}_${sandbox.namespace}` });
      }
      const current = state;
      const start = (name: string, image: string, exitAtOnce: boolean): void => {
        const previous = current.containers.filter((c) => c.name === name);
        const now = clock.now();
        current.containers.push({
          id: id(),
          runtimeType,
          name,
          image,
          imageRef: image,
          state: exitAtOnce ? "exited" : "running",
          createdAtMs: now,
          startedAtMs: now,
          ...(exitAtOnce ? { finishedAtMs: now, exitCode: 0, reason: "Completed" } : {}),
          restartCount: previous.length,
        });
      };
      for (const init of pod.spec?.initContainers ?? []) {
        if (!current.containers.some((c) => c.name === init.name)) start(init.name, init.image ?? "", true);
      }
      const policy = pod.spec?.restartPolicy ?? "Always";
      for (const container of pod.spec?.containers ?? []) {
        const latest = current.containers.findLast((c) => c.name === container.name);
        if (latest?.state === "running") continue;
        const mayRestart =
          latest === undefined || policy === "Always" || (policy === "OnFailure" && latest.exitCode !== 0);
        if (!mayRestart) continue;
        start(container.name, container.image ?? "", false);
        results.push({ action: "StartContainer", target: container.name });
      }
      return { results };
    },
    async killPod(_pod, runningPod) {
      const state = pods.get(runningPod.uid);
      if (state === undefined) return;
      const now = clock.now();
      state.containers = state.containers.map((c) =>
        c.state === "running"
          ? { ...c, state: "exited", finishedAtMs: now, exitCode: 137, reason: "Error" }
          : c,
      );
      state.sandbox = { ...state.sandbox, state: "notready" };
    },
    async getPodStatus(uid, name, namespace) {
      return snapshot(uid, name, namespace);
    },
    async listPods(listOptions) {
      const all = listOptions?.all ?? false;
      return [...pods.values()]
        .map((pod) => toRuntimePod(pod, all))
        .filter((pod) => all || pod.sandboxes.length > 0 || pod.containers.length > 0);
    },
    async garbageCollect(_policy: ContainerGcPolicy, gcOptions) {
      for (const [uid, pod] of pods) {
        if (pod.sandbox.state === "notready" && gcOptions?.podState?.shouldPodContentBeRemoved(uid))
          pods.delete(uid);
      }
    },
    async execSync() {
      return { stdout: new Uint8Array(), stderr: new Uint8Array(), exitCode: 0 };
    },
    async *readContainerLogs(): AsyncIterable<ContainerLogEntry> {
      // No logs in memory.
    },
    async status() {
      const conditions = [
        { type: "RuntimeReady", status: true },
        { type: "NetworkReady", status: true },
      ];
      return { runtimeReady: true, networkReady: true, conditions };
    },
    async version() {
      return { runtimeName: runtimeType, runtimeVersion: "0.1.0", runtimeApiVersion: "v1" };
    },
  };
}
