import type { MessageInitShape } from "@bufbuild/protobuf";
import { ContainerState, type ContainerStatsSchema, type PodSandboxStatsSchema } from "@kubelet-kit/cri-api";
import type { FakeContainerStats } from "./behaviour.js";
import type { ContainerRecord } from "./container-store.js";
import type { SandboxRecord } from "./sandbox-store.js";

/** Defaults for a container whose behaviour sets no stats: a small idle process. */
const DEFAULT_MEMORY_WORKING_SET_BYTES = 1024n * 1024n;
/** 1 % of a core: the default CPU usage grows by 10 ms of CPU time per second of running time. */
const DEFAULT_NANO_CORES = 10_000_000n;

type ContainerStatsInit = MessageInitShape<typeof ContainerStatsSchema>;

const u64 = (value: bigint): { value: bigint } => ({ value: value < 0n ? 0n : value });
const big = (value: number | bigint | undefined): bigint | undefined =>
  value === undefined ? undefined : typeof value === "bigint" ? value : BigInt(Math.trunc(value));

/** The effective stats of a container: handle overrides over behaviour stats over defaults. */
export function effectiveStats(
  record: ContainerRecord,
  nowNs: bigint,
): Required<{ [K in keyof FakeContainerStats]: bigint }> {
  const merged: FakeContainerStats = { ...record.behaviour.stats, ...record.statsOverride };
  const runningNs =
    record.state === ContainerState.CONTAINER_RUNNING && record.startedAtNs > 0n
      ? nowNs - record.startedAtNs
      : 0n;
  const workingSet = big(merged.memoryWorkingSetBytes) ?? DEFAULT_MEMORY_WORKING_SET_BYTES;
  const limit =
    record.resources?.memoryLimitInBytes ?? record.config.linux?.resources?.memoryLimitInBytes ?? 0n;
  return {
    cpuUsageCoreNanoSeconds:
      big(merged.cpuUsageCoreNanoSeconds) ?? (runningNs * DEFAULT_NANO_CORES) / 1_000_000_000n,
    cpuUsageNanoCores: big(merged.cpuUsageNanoCores) ?? DEFAULT_NANO_CORES,
    memoryWorkingSetBytes: workingSet,
    memoryUsageBytes: big(merged.memoryUsageBytes) ?? workingSet,
    memoryRssBytes: big(merged.memoryRssBytes) ?? workingSet / 2n,
    memoryAvailableBytes: big(merged.memoryAvailableBytes) ?? (limit > 0n ? limit - workingSet : 0n),
    memoryPageFaults: big(merged.memoryPageFaults) ?? 0n,
    memoryMajorPageFaults: big(merged.memoryMajorPageFaults) ?? 0n,
    writableLayerUsedBytes: big(merged.writableLayerUsedBytes) ?? 4096n,
    writableLayerInodesUsed: big(merged.writableLayerInodesUsed) ?? 2n,
  };
}

/**
 * ContainerStats as containerd reports them: attributes and writable layer for every container, CPU and
 * memory only for a running one (the others have no task, hence no metrics).
 */
export function toCriContainerStats(
  record: ContainerRecord,
  nowNs: bigint,
  mountpoint: string,
): ContainerStatsInit {
  const s = effectiveStats(record, nowNs);
  const attributes = {
    id: record.id,
    metadata: record.config.metadata,
    labels: record.config.labels,
    annotations: record.config.annotations,
  };
  const writableLayer = {
    timestamp: nowNs,
    fsId: { mountpoint },
    usedBytes: u64(s.writableLayerUsedBytes),
    inodesUsed: u64(s.writableLayerInodesUsed),
  };
  if (record.state !== ContainerState.CONTAINER_RUNNING) return { attributes, writableLayer };
  return {
    attributes,
    writableLayer,
    cpu: {
      timestamp: nowNs,
      usageCoreNanoSeconds: u64(s.cpuUsageCoreNanoSeconds),
      usageNanoCores: u64(s.cpuUsageNanoCores),
    },
    memory: {
      timestamp: nowNs,
      workingSetBytes: u64(s.memoryWorkingSetBytes),
      availableBytes: u64(s.memoryAvailableBytes),
      usageBytes: u64(s.memoryUsageBytes),
      rssBytes: u64(s.memoryRssBytes),
      pageFaults: u64(s.memoryPageFaults),
      majorPageFaults: u64(s.memoryMajorPageFaults),
    },
  };
}

/** PodSandboxStats: the sums of its running containers' CPU and memory, plus their stats. */
export function toCriPodSandboxStats(
  sandbox: SandboxRecord,
  containers: readonly ContainerRecord[],
  nowNs: bigint,
  mountpoint: string,
): MessageInitShape<typeof PodSandboxStatsSchema> {
  const running = containers.filter((c) => c.state === ContainerState.CONTAINER_RUNNING);
  const stats = running.map((c) => toCriContainerStats(c, nowNs, mountpoint));
  const sum = (pick: (s: ReturnType<typeof effectiveStats>) => bigint): bigint =>
    running.reduce((total, c) => total + pick(effectiveStats(c, nowNs)), 0n);
  return {
    attributes: {
      id: sandbox.id,
      metadata: sandbox.config.metadata,
      labels: sandbox.config.labels,
      annotations: sandbox.config.annotations,
    },
    linux: {
      cpu: {
        timestamp: nowNs,
        usageCoreNanoSeconds: u64(sum((s) => s.cpuUsageCoreNanoSeconds)),
        usageNanoCores: u64(sum((s) => s.cpuUsageNanoCores)),
      },
      memory: {
        timestamp: nowNs,
        workingSetBytes: u64(sum((s) => s.memoryWorkingSetBytes)),
        usageBytes: u64(sum((s) => s.memoryUsageBytes)),
        rssBytes: u64(sum((s) => s.memoryRssBytes)),
        availableBytes: u64(0n),
        pageFaults: u64(sum((s) => s.memoryPageFaults)),
        majorPageFaults: u64(sum((s) => s.memoryMajorPageFaults)),
      },
      network: sandbox.hostNetwork
        ? undefined
        : {
            timestamp: nowNs,
            defaultInterface: {
              name: "eth0",
              rxBytes: u64(0n),
              rxErrors: u64(0n),
              txBytes: u64(0n),
              txErrors: u64(0n),
            },
            interfaces: [
              { name: "eth0", rxBytes: u64(0n), rxErrors: u64(0n), txBytes: u64(0n), txErrors: u64(0n) },
            ],
          },
      process: { timestamp: nowNs, processCount: u64(BigInt(running.length + 1)) },
      containers: stats,
    },
  };
}
