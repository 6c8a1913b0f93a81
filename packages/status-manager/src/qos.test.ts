import type { V1Container, V1ResourceRequirements } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { makePod } from "./fixtures.test-helpers.js";
import { computePodQosClass, getPodQosClass } from "./qos.js";
import { quantitiesEqual } from "./quantity.js";

function withResources(...resources: (V1ResourceRequirements | undefined)[]): ReturnType<typeof makePod> {
  const containers: V1Container[] = resources.map((r, i) => ({
    name: `c${i}`,
    ...(r ? { resources: r } : {}),
  }));
  return makePod({ containers });
}

const guaranteed = {
  requests: { cpu: "500m", memory: "256Mi" },
  limits: { cpu: "0.5", memory: "268435456" },
};

describe("QoS class", () => {
  it("is BestEffort without requests or limits", () => {
    expect(computePodQosClass(withResources(undefined, {}))).toBe("BestEffort");
  });

  it("is BestEffort with zero cpu/memory values or only other resources", () => {
    expect(computePodQosClass(withResources({ requests: { cpu: "0", memory: "0" } }))).toBe("BestEffort");
    expect(computePodQosClass(withResources({ limits: { "ephemeral-storage": "1Gi" } }))).toBe("BestEffort");
  });

  it("is Guaranteed when cpu and memory requests equal limits in every container, in any notation", () => {
    expect(computePodQosClass(withResources(guaranteed, guaranteed))).toBe("Guaranteed");
  });

  it("is Guaranteed with limits alone, since missing requests default to the limits", () => {
    expect(computePodQosClass(withResources({ limits: { cpu: "1", memory: "1Gi" } }))).toBe("Guaranteed");
  });

  it("is Burstable with requests below limits, requests only, or cpu without memory", () => {
    expect(computePodQosClass(withResources({ requests: { cpu: "250m" }, limits: { cpu: "500m" } }))).toBe(
      "Burstable",
    );
    expect(computePodQosClass(withResources({ requests: { memory: "64Mi" } }))).toBe("Burstable");
    expect(computePodQosClass(withResources({ limits: { cpu: "1" } }))).toBe("Burstable");
  });

  it("is Burstable when BestEffort and Guaranteed containers mix, init containers included", () => {
    expect(computePodQosClass(withResources(guaranteed, undefined))).toBe("Burstable");
    const pod = withResources(guaranteed);
    pod.spec.initContainers = [{ name: "init" }];
    expect(computePodQosClass(pod)).toBe("Burstable");
  });

  it("lets pod-level resources decide when set", () => {
    const pod = withResources({ requests: { cpu: "100m" } });
    pod.spec.resources = { limits: { cpu: "2", memory: "2Gi" } };
    expect(computePodQosClass(pod)).toBe("Guaranteed");
  });

  it("keeps the class the pod's status already has", () => {
    const pod = withResources(undefined);
    pod.status = { qosClass: "Guaranteed" };
    expect(getPodQosClass(pod)).toBe("Guaranteed");
    expect(getPodQosClass(withResources(undefined))).toBe("BestEffort");
  });
});

describe("quantities", () => {
  it.each([
    ["100m", "0.1"],
    ["1Gi", "1073741824"],
    ["1k", "1000"],
    ["1e3", "1000"],
    ["1.5Gi", "1536Mi"],
    ["+2", "2"],
    [".5", "500m"],
    ["1E", "1000P"],
  ])("%s equals %s", (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(true);
  });
});
