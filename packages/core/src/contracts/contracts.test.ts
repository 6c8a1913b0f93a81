import { describe, expect, expectTypeOf, it } from "vitest";
import type { Subscribable } from "../events.js";
import type { PodApiStatusOf, PodLike } from "./pod-like.js";
import type { PodUpdate } from "./pod-source.js";
import type { StatusManager } from "./status-manager.js";
import { isSyncSuccessful, type SyncResult } from "./sync-result.js";

/** Restates the relevant part of client-node's `V1Pod` (a class with optional, mutable fields). */
class V1PodShape {
  apiVersion?: string;
  metadata?: { uid?: string; name?: string; namespace?: string; annotations?: { [key: string]: string } };
  spec?: { containers: Array<{ name: string; image?: string }> };
  status?: { phase?: string };
}

describe("contracts", () => {
  it("accept client-node's V1Pod shape as a pod, and carry its status type", () => {
    expectTypeOf<V1PodShape>().toExtend<PodLike>();
    expectTypeOf<PodApiStatusOf<V1PodShape>>().toEqualTypeOf<{ phase?: string }>();
    expectTypeOf<ReturnType<StatusManager<V1PodShape>["getPodStatus"]>>().toEqualTypeOf<
      { phase?: string } | undefined
    >();
  });

  it("make pod updates a union discriminated on type", () => {
    const update = { type: "remove", source: "file", pods: [] } as PodUpdate;
    if (update.type === "remove") expectTypeOf(update.type).toEqualTypeOf<"remove">();
    // @ts-expect-error: not an update type
    const bad: PodUpdate = { type: "replace", source: "file", pods: [] };
    expect(bad.type).toBe("replace");
  });

  it("expose subsystem events through Subscribable", () => {
    expectTypeOf<StatusManager>().toExtend<
      Subscribable<{ statusChanged: (c: { podUid: string; status: unknown }) => void }>
    >();
  });

  it("call a sync successful only when no step and no overall error failed", () => {
    const ok: SyncResult = { results: [{ action: "StartContainer", target: "app" }] };
    const stepFailed: SyncResult = {
      results: [
        { action: "StartContainer", target: "app" },
        {
          action: "StartContainer",
          target: "db",
          error: { reason: "CrashLoopBackOff", message: "back-off 10s" },
        },
      ],
    };
    const overall: SyncResult = { results: [], syncError: new Error("compute failed") };
    expect(isSyncSuccessful(ok)).toBe(true);
    expect(isSyncSuccessful(stepFailed)).toBe(false);
    expect(isSyncSuccessful(overall)).toBe(false);
  });
});
