// The kubelet Summary API (`/stats/summary`), field for field as its JSON (kubernetes/kubelet
// `pkg/apis/stats/v1alpha1/types.go`). Timestamps are RFC 3339 strings; numbers are absent when unknown.

/** Pressure stall information of one resource. */
export interface PsiStats {
  readonly full: PsiData;
  readonly some: PsiData;
}

/** One PSI line: total stall time in µs and the 10/60/300 s averages in percent. */
export interface PsiData {
  readonly total: number;
  readonly avg10: number;
  readonly avg60: number;
  readonly avg300: number;
}

export interface CpuStats {
  readonly time: string;
  /** Usage rate over the last sampling window, in nanocores (1e9 = one core). */
  readonly usageNanoCores?: number;
  /** Cumulative usage since the container or node started, in core-nanoseconds. */
  readonly usageCoreNanoSeconds?: number;
  readonly psi?: PsiStats;
}

export interface MemoryStats {
  readonly time: string;
  /** Limit (or node capacity) minus working set; absent when there is no limit. */
  readonly availableBytes?: number;
  readonly usageBytes?: number;
  /** Usage minus inactive file cache: what eviction looks at. */
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  readonly pageFaults?: number;
  readonly majorPageFaults?: number;
  readonly psi?: PsiStats;
}

export interface SwapStats {
  readonly time: string;
  readonly swapAvailableBytes?: number;
  readonly swapUsageBytes?: number;
}

/** Filesystem usage (also used for rootfs, logs, image fs and volumes). */
export interface FsStats {
  readonly time: string;
  readonly availableBytes?: number;
  readonly capacityBytes?: number;
  readonly usedBytes?: number;
  readonly inodesFree?: number;
  readonly inodes?: number;
  readonly inodesUsed?: number;
}

export interface InterfaceStats {
  readonly name: string;
  readonly rxBytes?: number;
  readonly rxErrors?: number;
  readonly txBytes?: number;
  readonly txErrors?: number;
}

/** Network usage: the default interface's fields inline, plus every interface. */
export interface NetworkStats extends Partial<InterfaceStats> {
  readonly time: string;
  readonly interfaces?: readonly InterfaceStats[];
}

export interface ContainerStats {
  readonly name: string;
  readonly startTime: string;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly swap?: SwapStats;
  /** The container's writable layer. */
  readonly rootfs?: FsStats;
  /** The container's log files. */
  readonly logs?: FsStats;
}

export interface VolumeStats extends FsStats {
  readonly name: string;
  readonly pvcRef?: { readonly name: string; readonly namespace: string };
}

export interface PodStats {
  readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly startTime: string;
  readonly containers: readonly ContainerStats[];
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly swap?: SwapStats;
  readonly network?: NetworkStats;
  readonly volume?: readonly VolumeStats[];
  /** Writable layers, logs and emptyDir volumes of the pod. (The JSON key has a hyphen.) */
  readonly "ephemeral-storage"?: FsStats;
  readonly process_stats?: { readonly process_count?: number };
}

export interface NodeStats {
  readonly nodeName: string;
  /** `kubelet`, `runtime`, `misc` and `pods` pseudo-containers. */
  readonly systemContainers?: readonly ContainerStats[];
  readonly startTime: string;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly swap?: SwapStats;
  readonly network?: NetworkStats;
  /** The filesystem holding the kubelet root directory. */
  readonly fs?: FsStats;
  readonly runtime?: { readonly imageFs?: FsStats; readonly containerFs?: FsStats };
  readonly rlimit?: { readonly time: string; readonly maxpid?: number; readonly curproc?: number };
}

/** The body of `/stats/summary`. */
export interface StatsSummary {
  readonly node: NodeStats;
  readonly pods: readonly PodStats[];
}
