import type { MessageInitShape } from "@bufbuild/protobuf";
import type { TimerHandle } from "@kubelet-kit/core";
import {
  type ContainerConfig,
  type ContainerFilter,
  type ContainerSchema,
  ContainerState,
  type ContainerStatusSchema,
  type LinuxContainerResources,
} from "@kubelet-kit/cri-api";
import type { ContainerBehaviour, FakeContainerStats } from "./behaviour.js";
import type { ContainerListeners } from "./container-listeners.js";
import { lookupError } from "./containerd-errors.js";
import type { IdLookup } from "./ids.js";
import type { ImageRecord } from "./image-store.js";
import { RecordIndex } from "./record-index.js";
import { createStateKeyedEncodings } from "./wire-encoder.js";

/** A container as the fake keeps it. Mutable fields change only through the container lifecycle. */
export interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  /** The reserved name, `<name>_<pod name>_<namespace>_<uid>_<attempt>` as containerd builds it. */
  readonly name: string;
  readonly config: ContainerConfig;
  /** `command` followed by `args`. */
  readonly argv: readonly string[];
  /** The id of the image it was created from (`sha256:…`). */
  readonly imageId: string;
  /** The sandbox's log directory joined with the container's log path; "" when either is empty. */
  readonly logPath: string;
  readonly behaviour: ContainerBehaviour;
  readonly createdAtNs: bigint;
  state: ContainerState;
  startedAtNs: bigint;
  finishedAtNs: bigint;
  exitCode: number;
  reason: string;
  message: string;
  pid: number;
  resources: LinuxContainerResources | undefined;
  /** Overrides set through the container handle, on top of the behaviour's stats. */
  statsOverride: FakeContainerStats;
  /** Timers of the running process (scripted exit, logs, OOM, SIGTERM exit); cleared when it ends. */
  readonly timers: Set<TimerHandle>;
  /** True once a StopContainer sent SIGTERM (containerd sends it once). */
  sigtermSent: boolean;
  /** Called once when the container leaves RUNNING. */
  readonly exitWaiters: Set<() => void>;
  /**
   * Its scripted listeners (behaviour `listen`), from StartContainer on; undefined for a container without
   * any. Set while still CREATED means the start is binding them (containerd's "starting" state).
   */
  listeners: ContainerListeners | undefined;
}

/** Containers by id (and by sandbox, and by label) and the container name registrar. */
export class ContainerStore {
  readonly #records = new RecordIndex<ContainerRecord>(
    (record) => record.config.labels,
    (record) => record.sandboxId,
  );
  readonly #names = new Map<string, string>();

  nameOwner(name: string): string | undefined {
    return this.#names.get(name);
  }

  add(record: ContainerRecord): void {
    this.#records.add(record);
    this.#names.set(record.name, record.id);
  }

  remove(record: ContainerRecord): void {
    this.#records.remove(record.id);
    if (this.#names.get(record.name) === record.id) this.#names.delete(record.name);
  }

  /** Exact id or unique prefix, as containerd's truncated index resolves it. */
  lookup(idOrPrefix: string): IdLookup<ContainerRecord> {
    return this.#records.lookup(idOrPrefix);
  }

  /** Like {@link lookup}, but throws containerd's error (`<context>: not found`, …) on a miss. */
  get(idOrPrefix: string, context: string): ContainerRecord {
    const lookup = this.lookup(idOrPrefix);
    if ("found" in lookup) return lookup.found;
    throw lookupError(lookup, context);
  }

  /** Exact id or unique prefix, or undefined. */
  find(idOrPrefix: string): ContainerRecord | undefined {
    const lookup = this.lookup(idOrPrefix);
    return "found" in lookup ? lookup.found : undefined;
  }

  list(): ContainerRecord[] {
    return this.#records.list();
  }

  /** The sandbox's containers, oldest first. */
  inSandbox(sandboxId: string): ContainerRecord[] {
    return this.#records.inGroup(sandboxId);
  }

  /**
   * ListContainers' filter: id and pod_sandbox_id (unique prefixes expanded first, as containerd does),
   * state, every selector label. `expandSandboxId` resolves a sandbox id prefix.
   */
  filter(
    filter: Pick<ContainerFilter, "id" | "podSandboxId" | "labelSelector"> & {
      state?: ContainerFilter["state"];
    },
    expandSandboxId: (prefix: string) => string,
  ): ContainerRecord[] {
    const state = filter.state;
    return this.#records.select({
      id: filter.id === "" ? "" : (this.find(filter.id)?.id ?? filter.id),
      group: filter.podSandboxId === "" ? undefined : expandSandboxId(filter.podSandboxId),
      labelSelector: filter.labelSelector,
      ...(state === undefined ? {} : { keep: (record: ContainerRecord) => record.state === state.state }),
    });
  }
}

/** `<name>_<pod name>_<namespace>_<uid>_<attempt>`: the name containerd reserves for a container. */
export function containerName(
  config: ContainerConfig,
  pod: { name: string; namespace: string; uid: string } | undefined,
): string {
  const m = config.metadata;
  return [m?.name ?? "", pod?.name ?? "", pod?.namespace ?? "", pod?.uid ?? "", String(m?.attempt ?? 0)].join(
    "_",
  );
}

/** `CONTAINER_RUNNING` etc., as containerd names states in its messages. */
export function stateName(state: ContainerState): string {
  return ContainerState[state] ?? `UNKNOWN_STATE_${state}`;
}

/** Each container's list item encoding, for its current state (the only part of the item that changes). */
const reuseListEncoding = createStateKeyedEncodings<ContainerRecord, ContainerState>();

/**
 * The ListContainers item: image as requested, image_ref the image id (what containerd 1.6 lists). A served
 * fake encodes it once per state of the container.
 */
export function toCriContainer(record: ContainerRecord): MessageInitShape<typeof ContainerSchema> {
  const item = {
    id: record.id,
    podSandboxId: record.sandboxId,
    metadata: record.config.metadata,
    image: record.config.image,
    imageRef: record.imageId,
    state: record.state,
    createdAt: record.createdAtNs,
    labels: record.config.labels,
    annotations: record.config.annotations,
  };
  reuseListEncoding(record, record.state, item);
  return item;
}

/**
 * The ContainerStatus status, as containerd 1.6 builds it: `image` is the image's first tag and
 * `image_ref` its first repo digest (falling back to the requested image and the image id when the image
 * has no tag / no digest or is gone); an EXITED container without a reason gets `Completed` (exit 0) or
 * `Error`.
 */
export function toCriContainerStatus(
  record: ContainerRecord,
  image: ImageRecord | undefined,
): MessageInitShape<typeof ContainerStatusSchema> {
  let reason = record.reason;
  if (record.state === ContainerState.CONTAINER_EXITED && reason === "") {
    reason = record.exitCode === 0 ? "Completed" : "Error";
  }
  const tag = image?.repoTags[0];
  return {
    id: record.id,
    metadata: record.config.metadata,
    state: record.state,
    createdAt: record.createdAtNs,
    startedAt: record.startedAtNs,
    finishedAt: record.finishedAtNs,
    exitCode: record.exitCode,
    image: tag === undefined ? record.config.image : { image: tag },
    imageRef: image?.repoDigests[0] ?? record.imageId,
    reason,
    message: record.message,
    labels: record.config.labels,
    annotations: record.config.annotations,
    mounts: record.config.mounts,
    logPath: record.logPath,
    resources: record.resources === undefined ? undefined : { linux: record.resources },
  };
}
