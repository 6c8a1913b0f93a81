import { createFakeClock, type PodUpdate } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createProgrammaticSource } from "../sources/programmatic-source.js";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
} from "./pod-annotations.js";
import { createPodConfig } from "./pod-config.js";

function pod(uid: string, name = uid, image = "busybox"): V1Pod {
  return {
    metadata: { uid, name, namespace: "default", labels: { app: name } },
    spec: { containers: [{ name: "main", image }] },
  };
}

function withMeta(p: V1Pod, meta: Partial<NonNullable<V1Pod["metadata"]>>): V1Pod {
  return { ...p, metadata: { ...p.metadata, ...meta } };
}

function setup() {
  const clock = createFakeClock({ nowMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678) });
  const config = createPodConfig({ clock });
  const updates: PodUpdate<V1Pod>[] = [];
  const errors: unknown[] = [];
  config.on("update", (update) => updates.push(update));
  config.on("error", (event) => errors.push(event));
  const summary = () => updates.map((u) => [u.type, u.pods.map((p) => p.metadata?.uid)] as const);
  const set = (pods: V1Pod[], source = "api") => config.merge({ type: "set", source, pods });
  return { clock, config, updates, errors, summary, set };
}

describe("pod config merge", () => {
  it("turns a first set into an add, stamping the source and the first-seen time", () => {
    const { set, updates } = setup();
    set([pod("a"), pod("b")]);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ type: "add", source: "api" });
    const annotations = updates[0]?.pods[0]?.metadata?.annotations;
    expect(annotations?.[CONFIG_SOURCE_ANNOTATION]).toBe("api");
    expect(annotations?.[CONFIG_SEEN_ANNOTATION]).toBe("2025-01-02T03:04:05.678000000Z");
  });

  it("announces a first empty set with an empty add, and later empty sets with nothing", () => {
    const { set, summary } = setup();
    set([]);
    set([]);
    expect(summary()).toEqual([["add", []]]);
  });

  it("emits remove, add, update, delete, reconcile in that order for one set", () => {
    const { set, summary } = setup();
    set([pod("keep"), pod("gone"), pod("edit"), pod("del"), pod("stat")]);
    const deleting = withMeta(pod("del"), { deletionTimestamp: new Date(0), deletionGracePeriodSeconds: 30 });
    const statusOnly = { ...pod("stat"), status: { phase: "Running" } };
    set([pod("keep"), pod("new"), pod("edit", "edit", "busybox:2"), deleting, statusOnly]);
    expect(summary().slice(1)).toEqual([
      ["remove", ["gone"]],
      ["add", ["new"]],
      ["update", ["edit"]],
      ["delete", ["del"]],
      ["reconcile", ["stat"]],
    ]);
  });

  it("sends nothing for an identical set, even with fresh copies of the pods", () => {
    const { set, updates } = setup();
    set([pod("a")]);
    set([pod("a")]);
    expect(updates).toHaveLength(1);
  });

  it("ignores changes to kubelet-local annotations but not to other annotations", () => {
    const { set, summary } = setup();
    set([pod("a")]);
    set([
      withMeta(pod("a"), { annotations: { [CONFIG_MIRROR_ANNOTATION]: "x", [CONFIG_SEEN_ANNOTATION]: "y" } }),
    ]);
    expect(summary()).toHaveLength(1);
    set([withMeta(pod("a"), { annotations: { owner: "team-a" } })]);
    expect(summary().at(-1)).toEqual(["update", ["a"]]);
  });

  it("counts labels, deletion grace and config.hash as semantic changes, resourceVersion not", () => {
    const { set, summary } = setup();
    set([pod("a")]);
    set([withMeta(pod("a"), { resourceVersion: "42" })]);
    expect(summary()).toHaveLength(1);
    set([withMeta(pod("a"), { labels: { app: "other" } })]);
    set([withMeta(pod("a"), { labels: { app: "other" }, annotations: { [CONFIG_HASH_ANNOTATION]: "h" } })]);
    expect(summary().slice(1)).toEqual([
      ["update", ["a"]],
      ["update", ["a"]],
    ]);
  });

  it("keeps the first-seen time and source across updates", () => {
    const { set, updates, clock } = setup();
    set([pod("a")]);
    const seen = updates[0]?.pods[0]?.metadata?.annotations?.[CONFIG_SEEN_ANNOTATION];
    clock.advance(60_000);
    set([pod("a", "a", "busybox:2")]);
    const updated = updates[1]?.pods[0];
    expect(updated?.metadata?.annotations?.[CONFIG_SEEN_ANNOTATION]).toBe(seen);
    expect(updated?.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION]).toBe("api");
    expect(updated?.spec?.containers[0]?.image).toBe("busybox:2");
  });

  it("copies a status-only change in with a reconcile", () => {
    const { set, updates, config } = setup();
    set([pod("a")]);
    set([{ ...pod("a"), status: { phase: "Running" } }]);
    expect(updates[1]?.type).toBe("reconcile");
    expect(config.pods()[0]?.status?.phase).toBe("Running");
  });

  it("treats a deletion timestamp equal as Date or string as unchanged", () => {
    const { set, updates } = setup();
    const when = new Date(Date.UTC(2025, 0, 1));
    set([withMeta(pod("a"), { deletionTimestamp: when })]);
    set([withMeta(pod("a"), { deletionTimestamp: when.toISOString() as unknown as Date })]);
    expect(updates).toHaveLength(1);
  });

  it("handles incremental add, update, delete and remove from a source", () => {
    const { config, summary } = setup();
    config.merge({ type: "add", source: "api", pods: [pod("a")] });
    config.merge({ type: "update", source: "api", pods: [pod("a", "a", "busybox:2")] });
    config.merge({
      type: "delete",
      source: "api",
      pods: [withMeta(pod("a", "a", "busybox:2"), { deletionTimestamp: new Date(0) })],
    });
    config.merge({ type: "remove", source: "api", pods: [pod("a"), pod("unknown")] });
    expect(summary()).toEqual([
      ["add", ["a"]],
      ["update", ["a"]],
      ["delete", ["a"]],
      ["remove", ["a"]],
    ]);
    expect(config.pods()).toEqual([]);
  });

  it("keeps each source's pods apart", () => {
    const { set, config, summary } = setup();
    set([pod("a")], "api");
    set([pod("f")], "file");
    set([], "api");
    expect(summary()).toEqual([
      ["add", ["a"]],
      ["add", ["f"]],
      ["remove", ["a"]],
    ]);
    expect(config.pods().map((p) => p.metadata?.uid)).toEqual(["f"]);
  });

  it("rejects a second pod with the same full name in one update, naming both", () => {
    const { set, summary, errors } = setup();
    set([pod("a", "web"), pod("b", "web"), pod("c", "db")]);
    expect(summary()).toEqual([["add", ["a", "c"]]]);
    expect(errors).toEqual([
      {
        source: "api",
        error: expect.objectContaining({
          code: "AlreadyExists",
          details: expect.objectContaining({ reason: "FailedValidation", uid: "b", conflictingUid: "a" }),
        }),
      },
    ]);
    expect((errors[0] as { error: Error }).error.message).toMatch(
      /web_default \(UID b\).*web_default \(UID a\)/,
    );
  });

  it("rejects a pod without a UID", () => {
    const { set, updates, errors } = setup();
    set([{ metadata: { name: "x", namespace: "default" } }]);
    expect(updates[0]?.pods).toEqual([]);
    expect(errors).toEqual([{ source: "api", error: expect.objectContaining({ code: "InvalidArgument" }) }]);
  });

  it("emits copies: listeners cannot change the stored pods", () => {
    const { set, updates, config } = setup();
    set([pod("a")]);
    const emitted = updates[0]?.pods[0];
    if (emitted?.metadata) emitted.metadata.name = "mutated";
    expect(config.pods()[0]?.metadata?.name).toBe("a");
  });
});

describe("pod config sources", () => {
  it("is ready once every registered source has sent a set", async () => {
    const clock = createFakeClock();
    const api = createProgrammaticSource({ clock });
    const edge = createProgrammaticSource({ name: "edge", clock });
    const config = createPodConfig({ clock, sources: [api] });
    config.addSource(edge);
    expect(config.sourcesReady()).toBe(false);
    await api.start();
    expect(config.sourcesReady()).toBe(false);
    expect(config.seenSources()).toEqual(["api"]);
    await edge.start();
    expect(config.sourcesReady()).toBe(true);
  });

  it("starts and stops its sources, and merges their updates under their names", async () => {
    const clock = createFakeClock();
    const edge = createProgrammaticSource({ name: "edge", clock });
    const config = createPodConfig({ clock, sources: [edge] });
    const updates: PodUpdate<V1Pod>[] = [];
    config.on("update", (u) => updates.push(u));
    edge.add(pod("a"));
    await config.start();
    edge.add(pod("b"));
    await config.stop();
    edge.add(pod("c"));
    expect(updates.map((u) => [u.type, u.source, u.pods.map((p) => p.metadata?.uid)])).toEqual([
      ["add", "edge", ["a"]],
      ["add", "edge", ["b"]],
    ]);
    expect(updates[0]?.pods[0]?.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION]).toBe("edge");
  });

  it("refuses two sources with the same name", () => {
    const config = createPodConfig({ sources: [createProgrammaticSource()] });
    expect(() => config.addSource(createProgrammaticSource())).toThrow(
      expect.objectContaining({ code: "InvalidConfig" }),
    );
  });
});
