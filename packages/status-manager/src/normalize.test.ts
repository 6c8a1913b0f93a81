import { describe, expect, it } from "vitest";
import { makePod, T0 } from "./fixtures.test-helpers.js";
import { isPodStatusEquivalent, normalizePodStatus, semanticEqual, truncateUtf8 } from "./normalize.js";

describe("truncateUtf8", () => {
  it("keeps text that fits and never splits a multi-byte character", () => {
    expect(truncateUtf8("hello", 5)).toBe("hello");
    expect(truncateUtf8("hello", 3)).toBe("hel");
    expect(truncateUtf8("éé", 3)).toBe("é");
    expect(truncateUtf8("a😀b", 4)).toBe("a");
  });
});

describe("normalizePodStatus", () => {
  it("gives each of n containers an equal share of 12 KiB of termination message", () => {
    const pod = makePod({ containers: ["a", "b", "c", "d", "e"] });
    const status = normalizePodStatus(pod, {
      containerStatuses: [
        {
          name: "a",
          image: "a",
          imageID: "",
          ready: false,
          restartCount: 0,
          lastState: { terminated: { exitCode: 1, message: "x".repeat(5_000) } },
        },
      ],
    });
    expect(status.containerStatuses?.[0]?.lastState?.terminated?.message).toHaveLength(2_457);
  });

  it("truncates condition times and startTime, accepting RFC 3339 strings from parsed manifests", () => {
    const status = normalizePodStatus(makePod(), {
      startTime: "2023-11-14T22:13:20.750Z" as unknown as Date,
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(T0 + 1_500) }],
    });
    expect(status.startTime).toEqual(new Date(T0));
    expect(status.conditions?.[0]?.lastTransitionTime).toEqual(new Date(T0 + 1_000));
  });
});

describe("isPodStatusEquivalent", () => {
  const base = {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(T0) }],
  };

  it("ignores transition times and conditions of other owners", () => {
    const next = {
      ...base,
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: new Date(T0 + 9_000) },
        { type: "example.com/lb", status: "False" },
      ],
    };
    expect(isPodStatusEquivalent(base, next)).toBe(true);
  });

  it("sees a changed reason or message of an owned condition", () => {
    const next = { ...base, conditions: [{ type: "Ready", status: "True", message: "x" }] };
    expect(isPodStatusEquivalent(base, next)).toBe(false);
  });

  it("sees a changed field outside the conditions", () => {
    expect(isPodStatusEquivalent(base, { ...base, phase: "Failed" })).toBe(false);
  });
});

describe("semanticEqual", () => {
  it("treats missing, empty strings and empty lists alike and compares dates by value", () => {
    expect(semanticEqual({ a: undefined, b: [] }, { a: "", c: undefined })).toBe(true);
    expect(semanticEqual({ t: new Date(T0) }, { t: new Date(T0) })).toBe(true);
    expect(semanticEqual({ t: new Date(T0) }, { t: new Date(T0 + 1) })).toBe(false);
  });

  it("does not treat an empty object or false as missing", () => {
    expect(semanticEqual({ state: { waiting: {} } }, { state: {} })).toBe(false);
    expect(semanticEqual({ started: false }, {})).toBe(false);
  });
});
