import type { ProbeResultEvent } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { createProbeResultsCache } from "./results.js";

const owner = { podUid: "uid-1", containerName: "app" };

describe("probe results cache", () => {
  it("emits a change only when a container's result is new or different", () => {
    const cache = createProbeResultsCache({ kind: "readiness" });
    const seen: ProbeResultEvent[] = [];
    cache.on("change", (e) => seen.push(e));

    cache.set("c1", "failure", owner);
    cache.set("c1", "failure", owner);
    cache.set("c1", "success", owner);
    cache.set("c1", "success", owner);
    cache.set("c2", "success", owner);

    expect(seen.map((e) => `${e.containerId}=${e.result}`)).toEqual([
      "c1=failure",
      "c1=success",
      "c2=success",
    ]);
    expect(seen[0]).toEqual({
      kind: "readiness",
      podUid: "uid-1",
      containerName: "app",
      containerId: "c1",
      result: "failure",
    });
    expect(cache.get("c1")).toBe("success");
    expect(cache.size).toBe(2);
  });

  it("forgets a result silently, and a later value counts as new", () => {
    const cache = createProbeResultsCache({ kind: "liveness" });
    const seen: string[] = [];
    cache.on("change", (e) => seen.push(e.result));
    cache.set("c1", "success", owner);
    cache.remove("c1");
    expect(cache.get("c1")).toBeUndefined();
    expect(seen).toEqual(["success"]);
    cache.set("c1", "success", owner);
    expect(seen).toEqual(["success", "success"]);
  });

  it("keeps the three probe types apart and carries the probe's termination grace period", () => {
    const liveness = createProbeResultsCache({ kind: "liveness" });
    const startup = createProbeResultsCache({ kind: "startup" });
    const seen: ProbeResultEvent[] = [];
    liveness.on("change", (e) => seen.push(e));
    liveness.set("c1", "failure", { ...owner, terminationGracePeriodSeconds: 5 });
    expect(startup.get("c1")).toBeUndefined();
    expect(seen[0]).toMatchObject({ kind: "liveness", result: "failure", terminationGracePeriodSeconds: 5 });
  });
});
