import { describe, expect, it } from "vitest";
import {
  linuxResourcesFor,
  milliCpuToQuota,
  milliCpuToShares,
  quantityMilliValue,
  quantityValue,
} from "./resources.js";

describe("quantities", () => {
  it.each([
    ["500m", 500],
    ["1", 1000],
    ["1.5", 1500],
    ["0.1", 100],
    ["2k", 2_000_000],
    ["1e-3", 1],
    ["1n", 1],
  ])("reads %s as %d millicores (rounded up)", (q, milli) => {
    expect(quantityMilliValue(q)).toBe(milli);
  });

  it.each([
    ["128Mi", 134_217_728],
    ["1Gi", 1_073_741_824],
    ["1G", 1_000_000_000],
    ["100M", 100_000_000],
    ["1e3", 1000],
    ["1.5Ki", 1536],
    ["1m", 1],
  ])("reads %s as %d bytes (rounded up)", (q, bytes) => {
    expect(quantityValue(q)).toBe(bytes);
  });

  it("rejects junk", () => {
    expect(() => quantityValue("12 apples")).toThrow(/quantities must match/);
  });
});

describe("CPU shares and CFS quota", () => {
  it("gives 2 shares to zero CPU and 1024 per core, within [2, 262144]", () => {
    expect(milliCpuToShares(0)).toBe(2);
    expect(milliCpuToShares(1)).toBe(2);
    expect(milliCpuToShares(100)).toBe(102);
    expect(milliCpuToShares(1000)).toBe(1024);
    expect(milliCpuToShares(1_000_000)).toBe(262_144);
  });

  it("converts a limit to quota over a 100 ms period, at least 1 ms, 0 for no limit", () => {
    expect(milliCpuToQuota(0)).toBe(0);
    expect(milliCpuToQuota(5)).toBe(1000);
    expect(milliCpuToQuota(250)).toBe(25_000);
    expect(milliCpuToQuota(2000)).toBe(200_000);
  });

  it("derives shares from the request, or from the limit when no request is set", () => {
    expect(
      linuxResourcesFor({ requests: { cpu: "250m" }, limits: { cpu: "1", memory: "64Mi" } }, true),
    ).toEqual({
      cpuShares: 256,
      memoryLimitInBytes: 67_108_864,
      cpuQuota: 100_000,
      cpuPeriod: 100_000,
    });
    expect(linuxResourcesFor({ limits: { cpu: "500m" } }, true).cpuShares).toBe(512);
    expect(linuxResourcesFor(undefined, true)).toEqual({
      cpuShares: 2,
      memoryLimitInBytes: 0,
      cpuQuota: 0,
      cpuPeriod: 100_000,
    });
    expect(linuxResourcesFor({ limits: { cpu: "1" } }, false)).toEqual({
      cpuShares: 1024,
      memoryLimitInBytes: 0,
    });
  });
});
