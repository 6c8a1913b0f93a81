import { cpus, loadavg } from "node:os";

/** The environment variable naming a containerd's CRI endpoint, for every benchmark (`--containerd` wins). */
export const CONTAINERD_ENDPOINT_ENV = "KUBELET_KIT_CONTAINERD_ENDPOINT";

/** The machine a run was made on, for the report's title and JSON. */
export interface MachineInfo {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return { node: process.version, cpus: list.length, cpuModel: list[0]?.model.trim() ?? "unknown CPU" };
}

/** The 1-minute load average (other work on the machine skews every figure). */
export function loadAverage1m(): number {
  return loadavg()[0] ?? Number.NaN;
}
