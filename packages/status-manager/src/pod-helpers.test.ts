import type { V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { clone } from "./pod-helpers.js";

describe("clone", () => {
  const status = (): V1PodStatus => ({
    phase: "Running",
    startTime: new Date(1_700_000_000_000),
    podIPs: [{ ip: "10.0.0.1" }],
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(1_700_000_001_000) }],
    containerStatuses: [
      {
        name: "app",
        image: "busybox",
        imageID: "",
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: new Date(1_700_000_002_000) } },
      },
    ],
  });

  it("copies deeply: the copy equals the original and shares no object with it", () => {
    const original = status();
    const copy = clone(original);
    expect(copy).toEqual(original);
    expect(copy.containerStatuses).not.toBe(original.containerStatuses);
    expect(copy.containerStatuses?.[0]?.state).not.toBe(original.containerStatuses?.[0]?.state);
    copy.podIPs?.push({ ip: "10.0.0.2" });
    (copy.conditions?.[0] as { status: string }).status = "False";
    expect(original.podIPs).toHaveLength(1);
    expect(original.conditions?.[0]?.status).toBe("True");
  });

  it("keeps dates as dates, as new objects", () => {
    const original = status();
    const copy = clone(original);
    expect(copy.startTime).toBeInstanceOf(Date);
    expect(copy.startTime).not.toBe(original.startTime);
    expect((copy.startTime as Date).getTime()).toBe(1_700_000_000_000);
    expect(copy.containerStatuses?.[0]?.state?.running?.startedAt).toEqual(new Date(1_700_000_002_000));
  });

  it("passes primitives, null and undefined through", () => {
    expect(clone(3)).toBe(3);
    expect(clone(null)).toBeNull();
    expect(clone(undefined)).toBeUndefined();
    expect(clone({ a: null, b: undefined, c: [1, "x", false] })).toEqual({
      a: null,
      b: undefined,
      c: [1, "x", false],
    });
  });
});
