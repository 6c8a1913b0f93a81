import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  NamespaceMode,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxSchema,
  PodSandboxState,
  type PodSandboxStatusSchema,
} from "@kubelet-kit/cri-api";
import { lookupError } from "./containerd-errors.js";
import type { IdLookup } from "./ids.js";
import type { PodAddressPool } from "./pod-subnet.js";
import { RecordIndex } from "./record-index.js";
import { createStateKeyedEncodings } from "./wire-encoder.js";

/** A pod sandbox as the fake keeps it. */
export interface SandboxRecord {
  readonly id: string;
  /** The reserved name, `<name>_<namespace>_<uid>_<attempt>` as containerd builds it. */
  readonly name: string;
  readonly config: PodSandboxConfig;
  readonly runtimeHandler: string;
  readonly createdAtNs: bigint;
  readonly hostNetwork: boolean;
  /** The address while the network namespace is open; "" for host network. */
  readonly ip: string;
  readonly pid: number;
  state: PodSandboxState;
}

/** Pod sandboxes by id, the name registrar and the pod-network address pool (the fake's `podSubnet`). */
export class SandboxStore {
  readonly #records = new RecordIndex<SandboxRecord>((record) => record.config.labels);
  readonly #names = new Map<string, string>();
  readonly #addresses: PodAddressPool;

  constructor(addresses: PodAddressPool) {
    this.#addresses = addresses;
  }

  /** The id owning `name`, if reserved. */
  nameOwner(name: string): string | undefined {
    return this.#names.get(name);
  }

  add(record: SandboxRecord): void {
    this.#records.add(record);
    this.#names.set(record.name, record.id);
  }

  remove(record: SandboxRecord): void {
    this.#records.remove(record.id);
    if (this.#names.get(record.name) === record.id) this.#names.delete(record.name);
  }

  /**
   * The next pod address for the sandbox `sandboxId`: 10.88.0.2, 10.88.0.3, … by default. An address comes
   * back only after the whole range was handed out once, and never while a READY sandbox holds it.
   */
  allocateIp(sandboxId: string): string {
    const held = new Set<string>();
    for (const record of this.#records.list()) {
      if (!record.hostNetwork && record.state === PodSandboxState.SANDBOX_READY) held.add(record.ip);
    }
    return this.#addresses.allocate(held, sandboxId);
  }

  /** Exact id or unique prefix, as containerd's truncated index resolves it. */
  lookup(idOrPrefix: string): IdLookup<SandboxRecord> {
    return this.#records.lookup(idOrPrefix);
  }

  /** Like {@link lookup}, but throws containerd's error (`<context>: not found`, …) on a miss. */
  get(idOrPrefix: string, context: string): SandboxRecord {
    const lookup = this.lookup(idOrPrefix);
    if ("found" in lookup) return lookup.found;
    throw lookupError(lookup, context);
  }

  /** Exact id or unique prefix, or undefined. */
  find(idOrPrefix: string): SandboxRecord | undefined {
    const lookup = this.lookup(idOrPrefix);
    return "found" in lookup ? lookup.found : undefined;
  }

  list(): SandboxRecord[] {
    return this.#records.list();
  }

  /** ListPodSandbox's filter: id (a unique prefix is expanded first), state, every selector label. */
  filter(
    filter:
      | (Pick<PodSandboxFilter, "id" | "labelSelector"> & { state?: PodSandboxFilter["state"] })
      | undefined,
  ): SandboxRecord[] {
    if (filter === undefined) return this.list();
    const state = filter.state;
    return this.#records.select({
      id: filter.id === "" ? "" : (this.find(filter.id)?.id ?? filter.id),
      labelSelector: filter.labelSelector,
      ...(state === undefined ? {} : { keep: (record: SandboxRecord) => record.state === state.state }),
    });
  }
}

/** `<name>_<namespace>_<uid>_<attempt>`: the name containerd reserves for a sandbox. */
export function sandboxName(config: PodSandboxConfig): string {
  const m = config.metadata;
  return [m?.name ?? "", m?.namespace ?? "", m?.uid ?? "", String(m?.attempt ?? 0)].join("_");
}

export function isHostNetwork(config: PodSandboxConfig): boolean {
  return config.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE;
}

/** Each sandbox's list item encoding, for its current state (the only part of the item that changes). */
const reuseListEncoding = createStateKeyedEncodings<SandboxRecord, PodSandboxState>();

/** The ListPodSandbox item. A served fake encodes it once per state of the sandbox. */
export function toCriSandbox(record: SandboxRecord): MessageInitShape<typeof PodSandboxSchema> {
  const item = {
    id: record.id,
    metadata: record.config.metadata,
    state: record.state,
    createdAt: record.createdAtNs,
    labels: record.config.labels,
    annotations: record.config.annotations,
    runtimeHandler: record.runtimeHandler,
  };
  reuseListEncoding(record, record.state, item);
  return item;
}

/** The PodSandboxStatus status: no address for host network or once the network namespace is gone. */
export function toCriSandboxStatus(record: SandboxRecord): MessageInitShape<typeof PodSandboxStatusSchema> {
  const ip = record.hostNetwork || record.state !== PodSandboxState.SANDBOX_READY ? "" : record.ip;
  return {
    id: record.id,
    metadata: record.config.metadata,
    state: record.state,
    createdAt: record.createdAtNs,
    network: { ip, additionalIps: [] },
    linux: { namespaces: { options: record.config.linux?.securityContext?.namespaceOptions } },
    labels: record.config.labels,
    annotations: record.config.annotations,
    runtimeHandler: record.runtimeHandler,
  };
}
