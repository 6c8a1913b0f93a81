import { KubeletKitError } from "@kubelet-kit/core";
import type { V1Container, V1ObjectFieldSelector, V1Pod } from "@kubernetes/client-node";
import { expand, mappingFor } from "./expand.js";
import { goQuote } from "./go-format.js";
import { terminationGracePeriodSecondsOf } from "./pod-spec.js";

/** One environment variable of a container, resolved. */
export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

/** What env resolution needs beyond the pod: its IPs and the node's. */
export interface EnvContext {
  /** Pod IPs, primary first (from the sandbox). */
  readonly podIps: readonly string[];
  /** The node's IPs, primary first, for `status.hostIP(s)`. */
  readonly nodeIps: readonly string[];
}

/**
 * The container's environment, as `makeEnvironmentVariables` builds it: `env` in declaration order, each
 * literal value `$(VAR)`-expanded against the variables declared before it, `fieldRef` values from the pod
 * (downward API). ConfigMap, Secret and resource references need an API client this package does not have:
 * they fail (optional ones are skipped), as the kubelet fails without a kube client. Service-link variables
 * are not generated. Throws a `KubeletKitError` (`InvalidArgument`) whose message becomes the
 * `CreateContainerConfigError` message.
 */
export function makeEnvironmentVariables(pod: V1Pod, container: V1Container, context: EnvContext): EnvVar[] {
  const namespace = pod.metadata?.namespace ?? "";
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (ref === undefined) continue;
    if (ref.optional === true) continue;
    const kind = from.configMapRef !== undefined ? "configMap" : "secret";
    throw configError(`couldn't get ${kind} ${namespace}/${ref.name ?? ""}, no kubeClient defined`);
  }
  const mapping = mappingFor(env);
  for (const variable of container.env ?? []) {
    let value = variable.value ?? "";
    if (value !== "") {
      value = expand(value, mapping);
    } else if (variable.valueFrom !== undefined) {
      const source = variable.valueFrom;
      if (source.fieldRef !== undefined) {
        value = fieldSelectorValue(source.fieldRef, pod, context);
      } else if (source.configMapKeyRef !== undefined || source.secretKeyRef !== undefined) {
        const ref = source.configMapKeyRef ?? source.secretKeyRef;
        if (ref?.optional === true) continue;
        const kind = source.configMapKeyRef !== undefined ? "configMap" : "secret";
        throw configError(`couldn't get ${kind} ${namespace}/${ref?.name ?? ""}, no kubeClient defined`);
      } else if (source.resourceFieldRef !== undefined) {
        throw configError(`resourceFieldRef ${goQuote(source.resourceFieldRef.resource)} is not supported`);
      }
    }
    env.set(variable.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** `podFieldSelectorRuntimeValue` plus `fieldpath.ExtractFieldPathAsString` for the fields env vars accept. */
export function fieldSelectorValue(selector: V1ObjectFieldSelector, pod: V1Pod, context: EnvContext): string {
  const path = selector.fieldPath;
  const meta = pod.metadata ?? {};
  switch (path) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels ?? {});
    case "metadata.annotations":
      return formatMap(meta.annotations ?? {});
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "spec.terminationGracePeriodSeconds":
      return String(terminationGracePeriodSecondsOf(pod));
    case "status.podIP":
      return context.podIps[0] ?? "";
    case "status.podIPs":
      return context.podIps.join(",");
    case "status.hostIP":
      return context.nodeIps[0] ?? "";
    case "status.hostIPs":
      return context.nodeIps.join(",");
  }
  const subscript = SUBSCRIPT.exec(path);
  if (subscript !== null) {
    const map = subscript[1] === "labels" ? meta.labels : meta.annotations;
    return map?.[subscript[2] ?? ""] ?? "";
  }
  throw configError(`field label not supported: ${path}`);
}

/** `fieldpath.FormatMap`: `key="value"` lines, keys sorted. */
function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${goQuote(map[key] ?? "")}`)
    .join("\n");
}

function configError(message: string): KubeletKitError {
  return new KubeletKitError("InvalidArgument", message);
}
