import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import {
  NamespaceMode,
  type PodSandboxConfig,
  PodSandboxConfigSchema,
  type PortMapping,
  Protocol,
  SecurityProfile_ProfileType,
} from "@kubelet-kit/cri-api";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { type DnsOptions, podDnsConfig } from "./dns.js";
import { newPodAnnotations, newPodLabels } from "./labels.js";
import {
  containersOf,
  ephemeralContainersOf,
  initContainersOf,
  podRefOf,
  portProtocolOf,
} from "./pod-spec.js";

/** Inputs of {@link generatePodSandboxConfig} besides the pod. */
export interface SandboxConfigContext {
  /** Root of pod log directories (`podLogsDir`). */
  readonly podLogsDir: string;
  readonly dns: DnsOptions;
  /** The pod's cgroup parent; the kubelet's container manager decides it. Default: "" (runtime default). */
  readonly cgroupParent?: string;
}

/** `<podLogsDir>/<namespace>_<name>_<uid>`: the pod's log directory (`BuildPodLogsDirectory`). */
export function podLogsDirectory(
  podLogsDir: string,
  pod: { namespace: string; name: string; uid: string },
): string {
  return join(podLogsDir, `${pod.namespace}_${pod.name}_${pod.uid}`);
}

/** `<pod log dir>/<container>`: one container's log directory (`BuildContainerLogsDirectory`). */
export function containerLogsDirectory(
  podLogsDir: string,
  pod: { namespace: string; name: string; uid: string },
  containerName: string,
): string {
  return join(podLogsDirectory(podLogsDir, pod), containerName);
}

const HOSTNAME_MAX_LENGTH = 63;
const FQDN_MAX_LENGTH = 64;

/**
 * The pod's hostname (`GeneratePodHostNameAndDomain` + `GetNodenameForKernel`): `spec.hostname` or the pod
 * name, cut to 63 characters without a trailing `-` or `.`; with `setHostnameAsFQDN` and a subdomain, the
 * FQDN `<host>.<subdomain>.<namespace>.svc.<clusterDomain>` (at most 64 characters).
 */
export function podHostname(pod: V1Pod, clusterDomain: string): string {
  const ref = podRefOf(pod);
  let hostname = pod.spec?.hostname !== undefined && pod.spec.hostname !== "" ? pod.spec.hostname : ref.name;
  if (hostname.length > HOSTNAME_MAX_LENGTH) {
    hostname = hostname.slice(0, HOSTNAME_MAX_LENGTH).replace(/[-.]+$/, "");
    if (hostname === "")
      throw new KubeletKitError("InvalidArgument", `hostname for pod "${ref.name}" was invalid`);
  }
  const subdomain = pod.spec?.subdomain ?? "";
  if (pod.spec?.setHostnameAsFQDN !== true || subdomain === "") return hostname;
  const fqdn = `${hostname}.${subdomain}.${ref.namespace}.svc.${clusterDomain}`;
  if (fqdn.length > FQDN_MAX_LENGTH) {
    throw new KubeletKitError(
      "InvalidArgument",
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LENGTH} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}

function toProtocol(protocol: string): Protocol {
  if (protocol === "UDP") return Protocol.UDP;
  if (protocol === "SCTP") return Protocol.SCTP;
  return Protocol.TCP;
}

/** `MakePortMappings` for one container: ports deduplicated by name (or by family/protocol/IP/ports). */
export function portMappingsOf(container: V1Container): Omit<PortMapping, "$typeName">[] {
  const seen = new Set<string>();
  const out: Omit<PortMapping, "$typeName">[] = [];
  for (const port of container.ports ?? []) {
    const hostIp = port.hostIP ?? "";
    const protocol = portProtocolOf(port);
    const family = hostIp === "" ? "any" : hostIp.includes(":") ? "v6" : "v4";
    const name =
      port.name !== undefined && port.name !== ""
        ? port.name
        : `${family}-${protocol}-${hostIp}:${port.containerPort}:${port.hostPort ?? 0}`;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({
      protocol: toProtocol(protocol),
      containerPort: port.containerPort,
      hostPort: port.hostPort ?? 0,
      hostIp,
    });
  }
  return out;
}

/** `NamespacesForPod`: host IPC/network/PID namespaces, or a shared PID namespace. */
export function namespaceOptionsFor(pod: V1Pod): {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
} {
  const spec = pod.spec;
  return {
    ipc: spec?.hostIPC === true ? NamespaceMode.NODE : NamespaceMode.POD,
    network: spec?.hostNetwork === true ? NamespaceMode.NODE : NamespaceMode.POD,
    pid:
      spec?.hostPID === true
        ? NamespaceMode.NODE
        : spec?.shareProcessNamespace === true
          ? NamespaceMode.POD
          : NamespaceMode.CONTAINER,
  };
}

/**
 * The CRI sandbox config of a pod (`generatePodSandboxConfig`): metadata with the attempt, the pod's labels
 * and annotations (plus the three `io.kubernetes.pod.*` labels), DNS, hostname (not for host-network pods),
 * log directory, host port mappings of the regular containers, and the Linux part (namespaces, run-as
 * user/group, supplemental groups incl. fsGroup, sysctls, SELinux, privileged if any container is, seccomp
 * `RuntimeDefault` for the sandbox itself).
 */
export function generatePodSandboxConfig(
  pod: V1Pod,
  attempt: number,
  context: SandboxConfigContext,
): PodSandboxConfig {
  const ref = podRefOf(pod);
  const dns = podDnsConfig(pod, context.dns);
  const sc = pod.spec?.securityContext;
  const privileged = [...initContainersOf(pod), ...containersOf(pod), ...ephemeralContainersOf(pod)].some(
    (c) => c.securityContext?.privileged === true,
  );
  const sysctls: Record<string, string> = {};
  for (const sysctl of sc?.sysctls ?? []) sysctls[sysctl.name.replace(/\//g, ".")] = sysctl.value;
  const supplementalGroups = [
    ...(sc?.fsGroup !== undefined ? [BigInt(sc.fsGroup)] : []),
    ...(sc?.supplementalGroups ?? []).map((g) => BigInt(g)),
  ];
  return create(PodSandboxConfigSchema, {
    metadata: { name: ref.name, namespace: ref.namespace, uid: ref.uid, attempt },
    hostname: pod.spec?.hostNetwork === true ? "" : podHostname(pod, context.dns.clusterDomain ?? ""),
    logDirectory: podLogsDirectory(context.podLogsDir, ref),
    dnsConfig: { servers: [...dns.servers], searches: [...dns.searches], options: [...dns.options] },
    portMappings: containersOf(pod).flatMap(portMappingsOf),
    labels: newPodLabels(pod),
    annotations: newPodAnnotations(pod),
    linux: {
      cgroupParent: context.cgroupParent ?? "",
      sysctls,
      securityContext: {
        privileged,
        seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault },
        namespaceOptions: namespaceOptionsFor(pod),
        ...(sc?.runAsUser !== undefined ? { runAsUser: { value: BigInt(sc.runAsUser) } } : {}),
        ...(sc?.runAsGroup !== undefined ? { runAsGroup: { value: BigInt(sc.runAsGroup) } } : {}),
        supplementalGroups,
        ...(sc?.seLinuxOptions !== undefined
          ? {
              selinuxOptions: {
                user: sc.seLinuxOptions.user ?? "",
                role: sc.seLinuxOptions.role ?? "",
                type: sc.seLinuxOptions.type ?? "",
                level: sc.seLinuxOptions.level ?? "",
              },
            }
          : {}),
      },
    },
  });
}
