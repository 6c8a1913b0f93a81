import { quantityMilliValue, quantityValue } from "@kubelet-kit/core";
import type { V1ResourceRequirements } from "@kubernetes/client-node";

// Resource quantities and the Linux CPU/memory settings the kubelet derives from them
// (`pkg/kubelet/cm/helpers_linux.go`, `kuberuntime_container_linux.go` calculateLinuxResources).

/** cpu.shares for zero CPU, the kernel minimum. */
export const MIN_CPU_SHARES = 2;
/** cpu.shares ceiling. */
export const MAX_CPU_SHARES = 262_144;
/** cpu.shares per whole CPU. */
export const CPU_SHARES_PER_CPU = 1024;
/** CFS period the kubelet uses: 100 ms in µs (`cpuCFSQuotaPeriod` default; the gate to change it is off). */
export const CFS_QUOTA_PERIOD_US = 100_000;
/** Smallest CFS quota: 1 ms in µs. */
export const MIN_CFS_QUOTA_US = 1000;

export { quantityMilliValue, quantityValue };

/** `MilliCPUToShares`: 0 → 2; otherwise `milli × 1024 / 1000`, clamped to [2, 262144]. */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu === 0) return MIN_CPU_SHARES;
  const shares = Math.floor((milliCpu * CPU_SHARES_PER_CPU) / 1000);
  return Math.min(Math.max(shares, MIN_CPU_SHARES), MAX_CPU_SHARES);
}

/** `milliCPUToQuota`: 0 → 0 (no quota); otherwise `milli × period / 1000`, at least 1000 µs. */
export function milliCpuToQuota(milliCpu: number, periodUs: number = CFS_QUOTA_PERIOD_US): number {
  if (milliCpu === 0) return 0;
  return Math.max(Math.floor((milliCpu * periodUs) / 1000), MIN_CFS_QUOTA_US);
}

/** The CPU and memory part of CRI `LinuxContainerResources`, as plain numbers. */
export interface LinuxResources {
  readonly cpuShares: number;
  /** 0 when unset (no limit). */
  readonly memoryLimitInBytes: number;
  /** Set only when CFS quota is enforced; 0 = unlimited. */
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
}

/**
 * A container's CPU shares, CFS quota/period and memory limit. A CPU request that is absent falls back to
 * the CPU limit for the shares; quota and period are set when `cpuCfsQuota` is on (the kubelet default),
 * with quota 0 when there is no CPU limit.
 */
export function linuxResourcesFor(
  resources: V1ResourceRequirements | undefined,
  cpuCfsQuota: boolean,
): LinuxResources {
  const limits = resources?.limits ?? {};
  const requests = resources?.requests ?? {};
  const cpuLimitMilli = limits.cpu === undefined ? 0 : quantityMilliValue(limits.cpu);
  const cpuShares =
    requests.cpu === undefined
      ? milliCpuToShares(cpuLimitMilli)
      : milliCpuToShares(quantityMilliValue(requests.cpu));
  const memoryLimitInBytes = limits.memory === undefined ? 0 : quantityValue(limits.memory);
  if (!cpuCfsQuota) return { cpuShares, memoryLimitInBytes };
  return {
    cpuShares,
    memoryLimitInBytes,
    cpuQuota: milliCpuToQuota(cpuLimitMilli, CFS_QUOTA_PERIOD_US),
    cpuPeriod: CFS_QUOTA_PERIOD_US,
  };
}
