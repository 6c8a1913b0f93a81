import type { StatsSummary } from "./stats-summary.js";

/** Facts about the machine, for node capacity and `nodeInfo` (cAdvisor's `MachineInfo`, trimmed). */
export interface MachineInfo {
  readonly numCores: number;
  readonly memoryCapacityBytes: number;
  /** Contents of `/etc/machine-id`. */
  readonly machineId: string;
  readonly systemUuid: string;
  readonly bootId: string;
  readonly kernelVersion: string;
  /** `PRETTY_NAME` from `/etc/os-release`. */
  readonly osImage: string;
  /** `"amd64"`, `"arm64"`, … in Go's naming. */
  readonly architecture: string;
}

/** Options of {@link StatsProvider.getSummary}. */
export interface SummaryOptions {
  /** Fill only `cpu` and `memory` (the `only_cpu_and_memory` query parameter). Default: `false`. */
  onlyCpuAndMemory?: boolean;
  signal?: AbortSignal;
}

/** Node and pod resource usage (`cadvisor-stats` implements it; `kubelet-server` serves it). */
export interface StatsProvider {
  getMachineInfo(): Promise<MachineInfo>;
  /** Node and pod stats in the Summary API shape. */
  getSummary(options?: SummaryOptions): Promise<StatsSummary>;
}
