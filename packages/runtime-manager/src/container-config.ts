import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { MountedVolume } from "@kubelet-kit/core";
import { KubeletKitError } from "@kubelet-kit/core";
import {
  type ContainerConfig,
  ContainerConfigSchema,
  type Mount,
  MountPropagation,
  type SecurityProfile,
  SecurityProfile_ProfileType,
} from "@kubelet-kit/cri-api";
import type { V1Container, V1Pod, V1SeccompProfile } from "@kubernetes/client-node";
import type { EnvVar } from "./env.js";
import { expandCommandAndArgs } from "./expand.js";
import { newContainerAnnotations, newContainerLabels } from "./labels.js";
import { linuxResourcesFor } from "./resources.js";
import { namespaceOptionsFor } from "./sandbox-config.js";

/** Inputs of {@link generateContainerConfig} besides the pod and container. */
export interface ContainerConfigContext {
  /** This instance's restart count: CRI `attempt`, the annotation and the log file name. */
  readonly restartCount: number;
  /** The image reference resolved by the image manager (usually the image ID). */
  readonly imageRef: string;
  /** The container's resolved environment (see `makeEnvironmentVariables`). */
  readonly envs: readonly EnvVar[];
  /** Volumes mounted for the pod by the volume manager, by name. Default: none. */
  readonly volumes?: ReadonlyMap<string, MountedVolume>;
  /** Host file bind-mounted at `terminationMessagePath`; none when the kubelet could not create it. */
  readonly terminationLogHostPath?: string;
  /** Enforce CPU limits with CFS quota (`--cpu-cfs-quota`, `cpuCFSQuota`). */
  readonly cpuCfsQuota: boolean;
  /** Where `Localhost` seccomp profiles live: `<rootDir>/seccomp`. */
  readonly seccompProfileRoot: string;
}

/** `<container>/<restartCount>.log`, relative to the pod log directory (`buildContainerLogsPath`). */
export function containerLogPath(containerName: string, restartCount: number): string {
  return join(containerName, `${restartCount}.log`);
}

function propagationOf(mode: string | undefined): MountPropagation {
  if (mode === "HostToContainer") return MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
  if (mode === "Bidirectional") return MountPropagation.PROPAGATION_BIDIRECTIONAL;
  return MountPropagation.PROPAGATION_PRIVATE;
}

function mountsFor(container: V1Container, context: ContainerConfigContext): Omit<Mount, "$typeName">[] {
  const mounts: Omit<Mount, "$typeName">[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = context.volumes?.get(mount.name);
    if (volume === undefined) {
      throw new KubeletKitError(
        "InvalidArgument",
        `cannot find volume "${mount.name}" to mount into container "${container.name}"`,
      );
    }
    mounts.push({
      containerPath: mount.mountPath,
      hostPath:
        mount.subPath !== undefined && mount.subPath !== ""
          ? join(volume.hostPath, mount.subPath)
          : volume.hostPath,
      readonly: mount.readOnly === true || volume.readOnly,
      selinuxRelabel: volume.selinuxRelabel,
      propagation: propagationOf(mount.mountPropagation),
      uidMappings: [],
      gidMappings: [],
      recursiveReadOnly: false,
      imageSubPath: "",
    });
  }
  const terminationPath = container.terminationMessagePath ?? "/dev/termination-log";
  if (context.terminationLogHostPath !== undefined && terminationPath !== "") {
    mounts.push({
      containerPath: terminationPath,
      hostPath: context.terminationLogHostPath,
      readonly: false,
      selinuxRelabel: false,
      propagation: MountPropagation.PROPAGATION_PRIVATE,
      uidMappings: [],
      gidMappings: [],
      recursiveReadOnly: false,
      imageSubPath: "",
    });
  }
  return mounts;
}

function seccompFor(profile: V1SeccompProfile | undefined, root: string): Omit<SecurityProfile, "$typeName"> {
  if (profile?.type === "RuntimeDefault")
    return { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: "" };
  if (profile?.type === "Localhost") {
    if (profile.localhostProfile === undefined || profile.localhostProfile === "") {
      throw new KubeletKitError(
        "InvalidArgument",
        "localhostProfile must be set if seccompProfile type is Localhost.",
      );
    }
    return {
      profileType: SecurityProfile_ProfileType.Localhost,
      localhostRef: join(root, profile.localhostProfile),
    };
  }
  return { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: "" };
}

/**
 * The CRI container config (`generateContainerConfig`): metadata `{name, attempt: restartCount}`, the
 * resolved image with the image as written, `$(VAR)`-expanded command and args, working dir, env, labels
 * and annotations, volume mounts plus the termination-log mount, log path `<name>/<n>.log`, stdin/tty, and
 * the Linux part: CPU shares, CFS quota/period and memory limit, and the effective security context
 * (container settings over pod settings: run-as user/group, privileged, read-only rootfs, capabilities,
 * no-new-privileges, SELinux, seccomp, namespaces, supplemental groups). Throws `InvalidArgument` for a spec
 * it cannot turn into a config (→ `CreateContainerConfigError`).
 */
export function generateContainerConfig(
  pod: V1Pod,
  container: V1Container,
  context: ContainerConfigContext,
): ContainerConfig {
  const { command, args } = expandCommandAndArgs(container, context.envs);
  const resources = linuxResourcesFor(container.resources, context.cpuCfsQuota);
  const podSc = pod.spec?.securityContext;
  const sc = container.securityContext;
  const runAsUser = sc?.runAsUser ?? podSc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? podSc?.runAsGroup;
  const seLinux = sc?.seLinuxOptions ?? podSc?.seLinuxOptions;
  const supplementalGroups = [
    ...(podSc?.fsGroup !== undefined ? [BigInt(podSc.fsGroup)] : []),
    ...(podSc?.supplementalGroups ?? []).map((g) => BigInt(g)),
  ];
  return create(ContainerConfigSchema, {
    metadata: { name: container.name, attempt: context.restartCount },
    image: { image: context.imageRef, userSpecifiedImage: container.image ?? "" },
    command,
    args,
    workingDir: container.workingDir ?? "",
    envs: context.envs.map((e) => ({ key: e.name, value: e.value })),
    mounts: mountsFor(container, context),
    labels: newContainerLabels(container, pod),
    annotations: newContainerAnnotations(container, pod, context.restartCount),
    logPath: containerLogPath(container.name, context.restartCount),
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: {
        cpuShares: BigInt(resources.cpuShares),
        memoryLimitInBytes: BigInt(resources.memoryLimitInBytes),
        ...(resources.cpuPeriod !== undefined ? { cpuPeriod: BigInt(resources.cpuPeriod) } : {}),
        ...(resources.cpuQuota !== undefined ? { cpuQuota: BigInt(resources.cpuQuota) } : {}),
      },
      securityContext: {
        privileged: sc?.privileged === true,
        readonlyRootfs: sc?.readOnlyRootFilesystem === true,
        noNewPrivs: sc?.allowPrivilegeEscalation === false,
        namespaceOptions: namespaceOptionsFor(pod),
        supplementalGroups,
        seccomp: seccompFor(sc?.seccompProfile ?? podSc?.seccompProfile, context.seccompProfileRoot),
        ...(sc?.capabilities !== undefined
          ? {
              capabilities: {
                addCapabilities: [...(sc.capabilities.add ?? [])],
                dropCapabilities: [...(sc.capabilities.drop ?? [])],
              },
            }
          : {}),
        ...(runAsUser !== undefined ? { runAsUser: { value: BigInt(runAsUser) } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: BigInt(runAsGroup) } } : {}),
        ...(seLinux !== undefined
          ? {
              selinuxOptions: {
                user: seLinux.user ?? "",
                role: seLinux.role ?? "",
                type: seLinux.type ?? "",
                level: seLinux.level ?? "",
              },
            }
          : {}),
      },
    },
  });
}
