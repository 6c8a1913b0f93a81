import type {
  IntOrString,
  V1Container,
  V1ContainerPort,
  V1LifecycleHandler,
  V1Pod,
} from "@kubernetes/client-node";
import { goJsonMarshal } from "./go-format.js";
import { hashContainer } from "./hash.js";
import {
  podRefOf,
  portProtocolOf,
  terminationGracePeriodSecondsOf,
  terminationMessagePathOf,
  terminationMessagePolicyOf,
} from "./pod-spec.js";

// The labels and annotations the kubelet puts on CRI sandboxes and containers, and reads back
// (`pkg/kubelet/kuberuntime/labels.go`, `pkg/kubelet/types/labels.go`).

export const POD_NAME_LABEL = "io.kubernetes.pod.name";
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

export const POD_DELETION_GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.deletionGracePeriod";
export const POD_TERMINATION_GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";
export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
export const CONTAINER_RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
export const CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION = "io.kubernetes.container.terminationMessagePath";
export const CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION =
  "io.kubernetes.container.terminationMessagePolicy";
export const CONTAINER_PRESTOP_HANDLER_ANNOTATION = "io.kubernetes.container.preStopHandler";
export const CONTAINER_PORTS_ANNOTATION = "io.kubernetes.container.ports";

/** Sandbox labels: the pod's labels plus its name, namespace and UID. */
export function newPodLabels(pod: V1Pod): Record<string, string> {
  const ref = podRefOf(pod);
  return {
    ...pod.metadata?.labels,
    [POD_NAME_LABEL]: ref.name,
    [POD_NAMESPACE_LABEL]: ref.namespace,
    [POD_UID_LABEL]: ref.uid,
  };
}

/** Sandbox annotations: the pod's annotations, unchanged. */
export function newPodAnnotations(pod: V1Pod): Record<string, string> {
  return { ...pod.metadata?.annotations };
}

/** Container labels: the pod's name, namespace, UID and the container name (pod labels are not copied). */
export function newContainerLabels(container: V1Container, pod: V1Pod): Record<string, string> {
  const ref = podRefOf(pod);
  return {
    [POD_NAME_LABEL]: ref.name,
    [POD_NAMESPACE_LABEL]: ref.namespace,
    [POD_UID_LABEL]: ref.uid,
    [CONTAINER_NAME_LABEL]: container.name,
  };
}

/**
 * Container annotations: hash, restart count, termination message path and policy, the pod's deletion and
 * termination grace periods, and the preStop handler and ports as JSON (what `killContainer` needs when the
 * pod spec is gone).
 */
export function newContainerAnnotations(
  container: V1Container,
  pod: V1Pod,
  restartCount: number,
): Record<string, string> {
  const annotations: Record<string, string> = {
    [CONTAINER_HASH_ANNOTATION]: hashContainer(container),
    [CONTAINER_RESTART_COUNT_ANNOTATION]: String(restartCount),
    [CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION]: terminationMessagePathOf(container),
    [CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION]: terminationMessagePolicyOf(container),
  };
  const deletionGrace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletionGrace !== undefined) annotations[POD_DELETION_GRACE_PERIOD_ANNOTATION] = String(deletionGrace);
  annotations[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] = String(terminationGracePeriodSecondsOf(pod));
  const preStop = container.lifecycle?.preStop;
  if (preStop !== undefined)
    annotations[CONTAINER_PRESTOP_HANDLER_ANNOTATION] = lifecycleHandlerJson(preStop);
  if ((container.ports ?? []).length > 0)
    annotations[CONTAINER_PORTS_ANNOTATION] = containerPortsJson(container.ports ?? []);
  return annotations;
}

/** What the kubelet reads back from a container's labels. */
export interface LabeledContainerInfo {
  readonly containerName: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly podUid: string;
}

export function containerInfoFromLabels(labels: Readonly<Record<string, string>>): LabeledContainerInfo {
  return {
    containerName: labels[CONTAINER_NAME_LABEL] ?? "",
    podName: labels[POD_NAME_LABEL] ?? "",
    podNamespace: labels[POD_NAMESPACE_LABEL] ?? "",
    podUid: labels[POD_UID_LABEL] ?? "",
  };
}

/** What the kubelet reads back from a container's annotations. */
export interface AnnotatedContainerInfo {
  readonly hash: string | undefined;
  readonly restartCount: number;
  readonly podDeletionGracePeriodSeconds?: number;
  readonly podTerminationGracePeriodSeconds?: number;
  readonly terminationMessagePath: string;
  readonly terminationMessagePolicy: string;
  readonly preStopHandler?: V1LifecycleHandler;
  readonly containerPorts?: V1ContainerPort[];
}

export function containerInfoFromAnnotations(
  annotations: Readonly<Record<string, string>>,
): AnnotatedContainerInfo {
  const restart = annotations[CONTAINER_RESTART_COUNT_ANNOTATION];
  const int = (key: string): number | undefined => {
    const value = annotations[key];
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
  };
  const json = <T>(key: string): T | undefined => {
    const value = annotations[key];
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as T;
    } catch {
      return undefined;
    }
  };
  const info: {
    -readonly [K in keyof AnnotatedContainerInfo]: AnnotatedContainerInfo[K];
  } = {
    hash: annotations[CONTAINER_HASH_ANNOTATION],
    restartCount: restart !== undefined && /^-?\d+$/.test(restart) ? Number(restart) : 0,
    terminationMessagePath: annotations[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION] ?? "",
    terminationMessagePolicy: annotations[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION] ?? "",
  };
  const deletion = int(POD_DELETION_GRACE_PERIOD_ANNOTATION);
  if (deletion !== undefined) info.podDeletionGracePeriodSeconds = deletion;
  const termination = int(POD_TERMINATION_GRACE_PERIOD_ANNOTATION);
  if (termination !== undefined) info.podTerminationGracePeriodSeconds = termination;
  const preStop = json<V1LifecycleHandler>(CONTAINER_PRESTOP_HANDLER_ANNOTATION);
  if (preStop !== undefined) info.preStopHandler = preStop;
  const ports = json<V1ContainerPort[]>(CONTAINER_PORTS_ANNOTATION);
  if (ports !== undefined) info.containerPorts = ports;
  return info;
}

// JSON in the field order and with the omitempty rules of the Go API types (k8s.io/api/core/v1), so the
// annotations match what the Go kubelet writes.

function intOrString(value: IntOrString | undefined): IntOrString {
  return value ?? 0;
}

function withoutEmpty(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (value === undefined || value === "" || value === 0 || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}

/** A `LifecycleHandler` as Go's encoding/json writes it. */
export function lifecycleHandlerJson(handler: V1LifecycleHandler): string {
  const out: Record<string, unknown> = {};
  if (handler.exec !== undefined) out.exec = withoutEmpty([["command", handler.exec.command]]);
  if (handler.httpGet !== undefined) {
    const h = handler.httpGet;
    out.httpGet = {
      ...withoutEmpty([["path", h.path]]),
      port: intOrString(h.port),
      ...withoutEmpty([
        ["host", h.host],
        ["scheme", h.scheme],
        ["httpHeaders", h.httpHeaders?.map((header) => ({ name: header.name, value: header.value }))],
      ]),
    };
  }
  if (handler.tcpSocket !== undefined) {
    out.tcpSocket = {
      port: intOrString(handler.tcpSocket.port),
      ...withoutEmpty([["host", handler.tcpSocket.host]]),
    };
  }
  if (handler.sleep !== undefined) out.sleep = { seconds: handler.sleep.seconds };
  return goJsonMarshal(out);
}

/** A container's ports as Go's encoding/json writes them. */
export function containerPortsJson(ports: readonly V1ContainerPort[]): string {
  return goJsonMarshal(
    ports.map((port) => ({
      ...withoutEmpty([
        ["name", port.name],
        ["hostPort", port.hostPort],
      ]),
      containerPort: port.containerPort,
      ...withoutEmpty([
        ["protocol", portProtocolOf(port)],
        ["hostIP", port.hostIP],
      ]),
    })),
  );
}
