import { ContainerState, type PodSandboxState } from "@kubelet-kit/cri-api";
import type { ContainerRecord } from "./container-store.js";
import type { ImageRecord } from "./image-store.js";
import type { SandboxRecord } from "./sandbox-store.js";

/** A sandbox as the fake holds it, copied out. */
export interface FakeSandboxSnapshot {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
  readonly state: PodSandboxState;
  readonly createdAtNs: bigint;
  readonly hostNetwork: boolean;
  /** The pod address ("" for host network); kept after the sandbox stops. */
  readonly ip: string;
  readonly runtimeHandler: string;
  readonly logDirectory: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A container as the fake holds it, copied out. */
export interface FakeContainerSnapshot {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly attempt: number;
  readonly state: ContainerState;
  /** The image as requested. */
  readonly image: string;
  readonly imageId: string;
  readonly argv: readonly string[];
  readonly createdAtNs: bigint;
  readonly startedAtNs: bigint;
  readonly finishedAtNs: bigint;
  readonly exitCode: number;
  /** As ContainerStatus reports it: `Completed`/`Error` filled in for an EXITED container without one. */
  readonly reason: string;
  readonly message: string;
  /** "" when the sandbox or the container has no log path. */
  readonly logPath: string;
  readonly pid: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** An image as the fake holds it, copied out. */
export interface FakeImageSnapshot {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly sizeBytes: bigint;
}

export function snapshotSandbox(record: SandboxRecord): FakeSandboxSnapshot {
  const metadata = record.config.metadata;
  return {
    id: record.id,
    name: metadata?.name ?? "",
    namespace: metadata?.namespace ?? "",
    uid: metadata?.uid ?? "",
    attempt: metadata?.attempt ?? 0,
    state: record.state,
    createdAtNs: record.createdAtNs,
    hostNetwork: record.hostNetwork,
    ip: record.ip,
    runtimeHandler: record.runtimeHandler,
    logDirectory: record.config.logDirectory,
    labels: { ...record.config.labels },
    annotations: { ...record.config.annotations },
  };
}

export function snapshotContainer(record: ContainerRecord): FakeContainerSnapshot {
  let reason = record.reason;
  if (record.state === ContainerState.CONTAINER_EXITED && reason === "") {
    reason = record.exitCode === 0 ? "Completed" : "Error";
  }
  return {
    id: record.id,
    sandboxId: record.sandboxId,
    name: record.config.metadata?.name ?? "",
    attempt: record.config.metadata?.attempt ?? 0,
    state: record.state,
    image: record.config.image?.image ?? "",
    imageId: record.imageId,
    argv: [...record.argv],
    createdAtNs: record.createdAtNs,
    startedAtNs: record.startedAtNs,
    finishedAtNs: record.finishedAtNs,
    exitCode: record.exitCode,
    reason,
    message: record.message,
    logPath: record.logPath,
    pid: record.pid,
    labels: { ...record.config.labels },
    annotations: { ...record.config.annotations },
  };
}

export function snapshotImage(record: ImageRecord): FakeImageSnapshot {
  return {
    id: record.id,
    repoTags: [...record.repoTags],
    repoDigests: [...record.repoDigests],
    sizeBytes: record.sizeBytes,
  };
}
