import { createFakeClock, type PodUpdate } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createProgrammaticSource } from "./programmatic-source.js";

function pod(uid: string, name = uid, extra: Partial<V1Pod["spec"]> = {}): V1Pod {
  return {
    metadata: { uid, name, namespace: "default" },
    spec: { containers: [{ name: "main", image: "busybox" }], ...extra },
  };
}

function open(options: Parameters<typeof createProgrammaticSource>[0] = {}) {
  const clock = createFakeClock({ nowMs: Date.UTC(2025, 0, 1) });
  const source = createProgrammaticSource({ clock, ...options });
  const updates: PodUpdate<V1Pod>[] = [];
  source.on("update", (update) => updates.push(update));
  const summary = () => updates.map((u) => [u.type, u.source, u.pods.map((p) => p.metadata?.uid)] as const);
  return { clock, source, updates, summary };
}

describe("programmatic source", () => {
  it("is named api by default, so its pods count as API pods", () => {
    expect(createProgrammaticSource().name).toBe("api");
    expect(createProgrammaticSource({ name: "edge" }).name).toBe("edge");
  });

  it("records before start, sends one set on start, then one update per call", async () => {
    const { source, summary } = open();
    source.add(pod("a"));
    expect(summary()).toEqual([]);
    await source.start();
    source.add(pod("b"));
    source.update(pod("b", "b", { restartPolicy: "Never" }));
    source.remove("a");
    source.set([pod("c")]);
    expect(summary()).toEqual([
      ["set", "api", ["a"]],
      ["add", "api", ["b"]],
      ["update", "api", ["b"]],
      ["remove", "api", ["a"]],
      ["set", "api", ["c"]],
    ]);
    expect(source.pods().map((p) => p.metadata?.uid)).toEqual(["c"]);
  });

  it("ignores removal of an unknown UID", async () => {
    const { source, updates } = open();
    await source.start();
    source.remove("nope");
    expect(updates).toHaveLength(1);
  });

  it("deletes gracefully: deletion timestamp = now + grace period, as the API server sets it", async () => {
    const { source, updates, clock } = open();
    source.add(pod("a", "a", { terminationGracePeriodSeconds: 45 }));
    source.add(pod("b"));
    await source.start();
    source.delete("a");
    source.delete(pod("b"), { gracePeriodSeconds: 5 });
    const [a, b] = updates.slice(1).map((u) => {
      expect(u.type).toBe("delete");
      return u.pods[0]?.metadata;
    });
    expect(a?.deletionTimestamp).toEqual(new Date(clock.now() + 45_000));
    expect(a?.deletionGracePeriodSeconds).toBe(45);
    expect(b?.deletionTimestamp).toEqual(new Date(clock.now() + 5_000));
    expect(b?.deletionGracePeriodSeconds).toBe(5);
  });

  it("lets a second delete shorten the grace period but not extend it", async () => {
    const { source, updates, clock } = open();
    source.add(pod("a"));
    await source.start();
    source.delete("a", { gracePeriodSeconds: 30 });
    source.delete("a", { gracePeriodSeconds: 60 });
    source.delete("a", { gracePeriodSeconds: 0 });
    const deadlines = updates.slice(1).map((u) => u.pods[0]?.metadata?.deletionTimestamp);
    expect(deadlines).toEqual([
      new Date(clock.now() + 30_000),
      new Date(clock.now() + 30_000),
      new Date(clock.now()),
    ]);
  });

  it("refuses to delete an unknown UID", async () => {
    const { source } = open();
    await source.start();
    expect(() => source.delete("ghost")).toThrow(expect.objectContaining({ code: "NotFound" }));
  });

  it("requires a UID and a name, and defaults the namespace", () => {
    const { source } = open();
    expect(() => source.add({ metadata: { name: "x" } })).toThrow(
      expect.objectContaining({ code: "InvalidArgument" }),
    );
    source.add({ metadata: { uid: "u", name: "x" } });
    expect(source.pods()[0]?.metadata?.namespace).toBe("default");
  });

  it("copies pods, so later changes by the caller do not leak in", async () => {
    const { source, updates } = open();
    await source.start();
    const mine = pod("a");
    source.add(mine);
    if (mine.metadata) mine.metadata.name = "changed";
    expect(updates[1]?.pods[0]?.metadata?.name).toBe("a");
    expect(source.pods()[0]?.metadata?.name).toBe("a");
  });

  it("emits nothing after stop()", async () => {
    const { source, updates } = open();
    await source.start();
    await source.stop();
    source.add(pod("a"));
    expect(updates).toHaveLength(1);
  });
});
