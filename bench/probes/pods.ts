import type { V1ContainerStatus, V1Pod, V1PodStatus, V1Probe } from "@kubernetes/client-node";
import type { ProbeMode } from "./options.js";
import { HEALTH_PATH, type ProberChildArgs } from "./protocol.js";

/** The namespace, container name and probe settings of every synthetic pod. */
export const POD_NAMESPACE = "kubelet-kit-bench";
export const CONTAINER_NAME = "app";
const PERIOD_SECONDS = 1;
const TIMEOUT_SECONDS = 1;

/** The synthetic pods of one mode and the API statuses the prober's status source answers with. */
export interface SyntheticPods {
  readonly pods: readonly V1Pod[];
  /** Pod UID → status; {@link restartContainer} replaces entries. */
  readonly statuses: Map<string, V1PodStatus>;
}

/**
 * One pod per probed container: one container with one liveness probe of the mode's action (period 1 s,
 * timeout 1 s, thresholds left to their defaults: success 1, failure 3), and a status saying the
 * container runs, has started and has the pod's IP, as the status manager would hold it.
 */
export function syntheticPods(args: ProberChildArgs, nowMs: number): SyntheticPods {
  const pods: V1Pod[] = [];
  const statuses = new Map<string, V1PodStatus>();
  const startedAt = new Date(nowMs);
  for (let i = 0; i < args.containers; i++) {
    const uid = `probe-bench-${args.mode}-${i}`;
    const name = `probe-${args.mode}-${String(i).padStart(4, "0")}`;
    const containerId =
      args.mode === "exec" ? `fake://${args.containerIds[i] ?? ""}` : `bench://${args.mode}-${i}`;
    pods.push({
      metadata: { name, namespace: POD_NAMESPACE, uid },
      spec: {
        restartPolicy: "Always",
        containers: [
          {
            name: CONTAINER_NAME,
            image: "docker.io/library/busybox:latest",
            livenessProbe: livenessProbe(args.mode, args.port),
          },
        ],
      },
    });
    const containerStatus: V1ContainerStatus = {
      name: CONTAINER_NAME,
      containerID: containerId,
      image: "docker.io/library/busybox:latest",
      imageID: "",
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt } },
    };
    statuses.set(uid, { phase: "Running", podIP: args.podIp, containerStatuses: [containerStatus] });
  }
  return { pods, statuses };
}

function livenessProbe(mode: ProbeMode, port: number): V1Probe {
  const timing = { periodSeconds: PERIOD_SECONDS, timeoutSeconds: TIMEOUT_SECONDS };
  switch (mode) {
    case "http":
      return { ...timing, httpGet: { path: HEALTH_PATH, port } };
    case "tcp":
      return { ...timing, tcpSocket: { port } };
    case "grpc":
      return { ...timing, grpc: { port } };
    case "exec":
      return { ...timing, exec: { command: ["cat", "/tmp/healthy"] } };
  }
}

/**
 * Stands in for the kubelet's answer to a liveness failure: the container restarted, so the pod's status
 * names a new container ID (and a higher restart count), started now. The prober's worker, on hold since
 * the failure, then probes the new instance. Returns false when the pod is unknown.
 */
export function restartContainer(statuses: Map<string, V1PodStatus>, podUid: string, nowMs: number): boolean {
  const status = statuses.get(podUid);
  const current = status?.containerStatuses?.[0];
  if (status === undefined || current === undefined) return false;
  const restartCount = current.restartCount + 1;
  const baseId = (current.containerID ?? "").replace(/-restart-\d+$/, "");
  statuses.set(podUid, {
    ...status,
    containerStatuses: [
      {
        ...current,
        containerID: `${baseId}-restart-${restartCount}`,
        restartCount,
        state: { running: { startedAt: new Date(nowMs) } },
      },
    ],
  });
  return true;
}

/** Probes a mode's containers should run in `windowMs`: one per container per period. */
export function expectedProbes(containers: number, windowMs: number): number {
  return (containers * windowMs) / (PERIOD_SECONDS * 1000);
}
