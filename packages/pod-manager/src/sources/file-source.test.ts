import { mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createFakeClock,
  createMemoryLogger,
  type FakeClock,
  type MemoryLogger,
  type PodUpdate,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CONFIG_SOURCE_ANNOTATION } from "../config/pod-annotations.js";
import { createPodConfig } from "../config/pod-config.js";
import { createFileSource, type FileSource, type FileSourceOptions } from "./file-source.js";
import { decodePodManifest } from "./manifest-decoder.js";
import { isManifestError, type ManifestError } from "./manifest-error.js";

function podYaml(name: string, image = "busybox"): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: main\n      image: ${image}\n`;
}

let dir: string;
let clock: FakeClock;
let logger: MemoryLogger;
let sources: FileSource[];

/** A fake clock an hour ahead of the files' change times, so the source trusts its cache from the first read. */
const cachingClock = (): FakeClock => createFakeClock({ nowMs: Date.now() + 3_600_000 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kk-file-source-"));
  clock = cachingClock();
  logger = createMemoryLogger();
  sources = [];
});

afterEach(async () => {
  await Promise.all(sources.map((source) => source.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<FileSourceOptions> = {}) {
  const source = createFileSource({ path: dir, nodeName: "Node-1", clock, logger, watch: false, ...options });
  sources.push(source);
  const sets: V1Pod[][] = [];
  const errors: unknown[] = [];
  source.on("update", (update) => {
    expect(update.type).toBe("set");
    expect(update.source).toBe("file");
    sets.push([...update.pods]);
  });
  source.on("error", (error) => errors.push(error));
  const lastNames = (): string[] => (sets.at(-1) ?? []).map((pod) => pod.metadata?.name ?? "");
  return { source, sets, errors, lastNames };
}

const write = (name: string, text: string): void => writeFileSync(join(dir, name), text);

/** Wraps the default decoder, counting decodes per file name (files are read in parallel, in no set order). */
function countingDecoder() {
  const decoded: Record<string, number> = {};
  const decodeManifest: FileSourceOptions["decodeManifest"] = (text, origin) => {
    const name = origin.location.slice(dir.length + 1);
    decoded[name] = (decoded[name] ?? 0) + 1;
    return decodePodManifest(text, origin);
  };
  return { decoded, decodeManifest };
}

describe("file source: reading a manifest directory", () => {
  it("emits one set with every manifest, read in sorted order, YAML or JSON, defaulted for this node", async () => {
    write("b.yaml", podYaml("beta"));
    write(
      "a.json",
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "alpha", namespace: "kube-system" },
        spec: { containers: [{ name: "main", image: "busybox" }] },
      }),
    );
    const { source, sets } = open();
    await source.start();
    expect(sets).toHaveLength(1);
    const [alpha, beta] = sets[0] ?? [];
    expect(alpha?.metadata).toMatchObject({ name: "alpha-node-1", namespace: "kube-system" });
    expect(beta?.metadata).toMatchObject({ name: "beta-node-1", namespace: "default" });
    expect(beta?.spec?.nodeName).toBe("Node-1");
    expect(beta?.status?.phase).toBe("Pending");
    expect(beta?.metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
  });

  it("ignores dot-files", async () => {
    write(".hidden.yaml", podYaml("hidden"));
    write(".swp", "garbage: [");
    write("web.yaml", podYaml("web"));
    const { source, lastNames, errors } = open();
    await source.start();
    expect(lastNames()).toEqual(["web-node-1"]);
    expect(errors).toEqual([]);
  });

  it("does not recurse into sub-directories, and logs that it did not", async () => {
    mkdirSync(join(dir, "nested"));
    writeFileSync(join(dir, "nested", "inner.yaml"), podYaml("inner"));
    write("web.yaml", podYaml("web"));
    const { source, lastNames } = open();
    await source.start();
    expect(lastNames()).toEqual(["web-node-1"]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "manifest path is a directory, not recursing into it" }),
    );
  });

  it("skips entries that are not regular files", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, "socket"), resolve));
    try {
      write("web.yaml", podYaml("web"));
      const { source, lastNames, errors } = open();
      await source.start();
      expect(lastNames()).toEqual(["web-node-1"]);
      expect(errors).toEqual([]);
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ level: "warn", msg: "manifest path is not a regular file, skipping it" }),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("emits an empty set, and logs, when the path does not exist; pods appear once it does", async () => {
    const missing = join(dir, "manifests");
    const { source, sets } = open({ path: missing });
    await source.start();
    expect(sets).toEqual([[]]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "manifest path does not exist, ignoring" }),
    );
    mkdirSync(missing);
    writeFileSync(join(missing, "web.yaml"), podYaml("web"));
    await source.resync();
    expect(sets.at(-1)?.map((pod) => pod.metadata?.name)).toEqual(["web-node-1"]);
  });

  it("reads a single manifest file when the path is a file", async () => {
    const file = join(dir, "web.yaml");
    write("web.yaml", podYaml("web"));
    write("other.yaml", podYaml("other"));
    const { source, lastNames } = open({ path: file });
    await source.start();
    expect(lastNames()).toEqual(["web-node-1"]);
  });

  it("keeps the first of two manifests defining the same pod, naming both files in the error", async () => {
    write("a.yaml", podYaml("web", "busybox:1"));
    write("b.yaml", podYaml("web", "busybox:2"));
    const { source, sets, errors } = open();
    await source.start();
    expect(sets[0]?.map((pod) => pod.spec?.containers[0]?.image)).toEqual(["busybox:1"]);
    expect(errors).toHaveLength(1);
    const error = errors[0] as ManifestError;
    expect(error.file).toBe(join(dir, "b.yaml"));
    expect(error.message).toContain(join(dir, "a.yaml"));
  });
});

describe("file source: bad manifests", () => {
  const cases: [string, string, RegExp, string?][] = [
    ["garbage YAML", "apiVersion: v1\nkind: [Pod\n", /cannot parse as YAML or JSON/],
    ["unparseable JSON", '{"apiVersion": "v1", "kind": "Pod"', /cannot parse as YAML or JSON/],
    ["two objects in one file", `${podYaml("one")}---\n${podYaml("two")}`, /contains 2 YAML documents/],
    ["an empty file", "# nothing here\n", /contains no object/],
    ["a scalar", "just some words", /expected a Pod object, found a string/],
    [
      "a non-Pod kind",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
      /kind is "Deployment", expected "Pod"/,
      "kind",
    ],
    ["a missing kind", "apiVersion: v1\nmetadata:\n  name: web\n", /kind is missing/, "kind"],
    [
      "a wrong apiVersion",
      podYaml("web").replace("apiVersion: v1", "apiVersion: v2"),
      /apiVersion is "v2"/,
      "apiVersion",
    ],
    [
      "a pod without a name",
      "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n",
      /name is needed/,
      "metadata.name",
    ],
    [
      "an invalid pod name",
      podYaml("Web_Server"),
      /metadata\.name: Invalid value: "Web_Server-node-1"/,
      "metadata.name",
    ],
    [
      "an invalid container name",
      podYaml("web").replace("name: main", "name: Main"),
      /spec\.containers\[0\]\.name: Invalid value: "Main"/,
      "spec.containers[0].name",
    ],
    [
      "duplicate container names",
      `${podYaml("web")}    - name: main\n      image: nginx\n`,
      /spec\.containers\[1\]\.name: Duplicate value: "main"/,
      "spec.containers[1].name",
    ],
    [
      "a container without an image",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: main\n",
      /spec\.containers\[0\]\.image: Required value/,
      "spec.containers[0].image",
    ],
    [
      "a pod without containers",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: []\n",
      /spec\.containers: Required value/,
      "spec.containers",
    ],
  ];

  it.each(cases)(
    "reports %s with an error naming the file, and still loads the other pods",
    async (_, text, problem, field) => {
      write("a-good.yaml", podYaml("good-a"));
      write("bad.yaml", text);
      write("z-good.yaml", podYaml("good-z"));
      const { source, lastNames, errors } = open();
      await source.start();
      expect(lastNames()).toEqual(["good-a-node-1", "good-z-node-1"]);
      expect(errors).toHaveLength(1);
      const error = errors[0];
      expect(isManifestError(error)).toBe(true);
      const manifestError = error as ManifestError;
      expect(manifestError.code).toBe("InvalidManifest");
      expect(manifestError.file).toBe(join(dir, "bad.yaml"));
      expect(manifestError.message).toContain(join(dir, "bad.yaml"));
      expect(manifestError.message).toMatch(problem);
      if (field !== undefined) expect(manifestError.field).toBe(field);
    },
  );

  it("rejects a file over 10 MiB without parsing it, and still loads the other pods", async () => {
    write("big.yaml", `${podYaml("big")}# ${"x".repeat(10 * 1024 * 1024)}\n`);
    write("web.yaml", podYaml("web"));
    const { source, lastNames, errors } = open();
    await source.start();
    expect(lastNames()).toEqual(["web-node-1"]);
    expect((errors[0] as ManifestError).file).toBe(join(dir, "big.yaml"));
    expect((errors[0] as ManifestError).message).toMatch(/larger than the limit of 10485760 bytes/);
  });

  it("honours a smaller maxFileBytes", async () => {
    write("web.yaml", podYaml("web"));
    const { source, sets, errors } = open({ maxFileBytes: 16 });
    await source.start();
    expect(sets).toEqual([[]]);
    expect((errors[0] as ManifestError).message).toMatch(/larger than the limit of 16 bytes/);
  });

  it("drops the pod of a manifest in a directory that breaks, like the kubelet", async () => {
    write("web.yaml", podYaml("web"));
    const { source, lastNames, errors } = open();
    await source.start();
    expect(lastNames()).toEqual(["web-node-1"]);
    write("web.yaml", "kind: [");
    await source.resync();
    expect(lastNames()).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it("sends no set for a single-file path that is broken from the start, so the source is not ready", async () => {
    const file = join(dir, "web.yaml");
    write("web.yaml", "kind: [");
    const { source, sets, errors } = open({ path: file });
    const config = createPodConfig({ clock, sources: [source] });
    await config.start();
    expect(sets).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(config.sourcesReady()).toBe(false);
  });

  it("keeps the last good pod of a single-file path that breaks: error, but no set", async () => {
    const file = join(dir, "web.yaml");
    write("web.yaml", podYaml("web"));
    const { source, sets, errors } = open({ path: file });
    await source.start();
    write("web.yaml", "kind: [");
    await source.resync();
    expect(sets).toHaveLength(1);
    expect((errors[0] as ManifestError).file).toBe(file);
  });
});

describe("file source: changes over time", () => {
  it("re-reads the directory every fileCheckFrequency (20 s) on the injected clock", async () => {
    write("a.yaml", podYaml("a"));
    const { source, sets, lastNames } = open();
    const startMs = clock.now();
    await source.start();
    expect(clock.nextDueMs()).toBe(startMs + 20_000);
    write("b.yaml", podYaml("b"));
    clock.advance(19_999);
    expect(sets).toHaveLength(1);
    await clock.advanceAsync(1);
    await vi.waitFor(() => expect(sets).toHaveLength(2));
    expect(lastNames()).toEqual(["a-node-1", "b-node-1"]);
    expect(clock.nextDueMs()).toBe(startMs + 40_000);
  });

  it("uses a custom fileCheckFrequencyMs", async () => {
    const { source } = open({ fileCheckFrequencyMs: 5_000 });
    const startMs = clock.now();
    await source.start();
    expect(clock.nextDueMs()).toBe(startMs + 5_000);
  });

  it("re-reads soon after a file changes when watching, without waiting for the period", async () => {
    write("a.yaml", podYaml("a"));
    const { source, lastNames } = open({ watch: true, fileCheckFrequencyMs: 3_600_000 });
    await source.start();
    write("b.yaml", podYaml("b"));
    await vi.waitFor(
      async () => {
        await clock.advanceAsync(100);
        expect(lastNames()).toEqual(["a-node-1", "b-node-1"]);
      },
      { timeout: 5_000, interval: 20 },
    );
    unlinkSync(join(dir, "a.yaml"));
    await vi.waitFor(
      async () => {
        await clock.advanceAsync(100);
        expect(lastNames()).toEqual(["b-node-1"]);
      },
      { timeout: 5_000, interval: 20 },
    );
  });

  it("emits nothing and leaves no timer behind after stop()", async () => {
    write("a.yaml", podYaml("a"));
    const { source, sets } = open({ watch: true });
    await source.start();
    await source.stop();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(60_000);
    await expect(source.resync()).rejects.toMatchObject({ code: "FailedPrecondition" });
    expect(sets).toHaveLength(1);
  });

  it("gives a pod the same UID for the same manifest, node and path, and a new one otherwise", async () => {
    write("web.yaml", podYaml("web"));
    const uidOf = async (options: Partial<FileSourceOptions>): Promise<string | undefined> => {
      const { source, sets } = open(options);
      await source.start();
      return sets[0]?.[0]?.metadata?.uid;
    };
    const first = await uidOf({});
    expect(await uidOf({})).toBe(first);
    expect(await uidOf({ nodeName: "node-2" })).not.toBe(first);
    write("web.yaml", `# a comment\n${podYaml("web")}`);
    expect(await uidOf({})).toBe(first);
    write("web.yaml", podYaml("web", "busybox:2"));
    expect(await uidOf({})).not.toBe(first);
  });
});

describe("file source: decoding only what changed", () => {
  it("does not decode an unchanged file again on a re-read, yet sends its pod in every set", async () => {
    write("a.yaml", podYaml("a"));
    write("b.yaml", podYaml("b"));
    const { decoded, decodeManifest } = countingDecoder();
    const { source, sets } = open({ decodeManifest });
    await source.start();
    await source.resync();
    await clock.advanceAsync(20_000);
    await vi.waitFor(() => expect(sets).toHaveLength(3));
    expect(decoded).toEqual({ "a.yaml": 1, "b.yaml": 1 });
    expect(sets[2]).toEqual(sets[0]);
  });

  it("decodes a file again when it changes but keeps its size (a new modification time)", async () => {
    write("a.yaml", podYaml("a", "busybox:1"));
    write("b.yaml", podYaml("b"));
    const { decoded, decodeManifest } = countingDecoder();
    const { source, sets } = open({ decodeManifest });
    await source.start();
    const before = statSync(join(dir, "a.yaml"));
    write("a.yaml", podYaml("a", "busybox:2"));
    utimesSync(join(dir, "a.yaml"), before.atime, new Date(before.mtimeMs - 60_000));
    expect(statSync(join(dir, "a.yaml")).size).toBe(before.size);
    await source.resync();
    expect(decoded).toEqual({ "a.yaml": 2, "b.yaml": 1 });
    expect(sets[1]?.map((pod) => pod.spec?.containers[0]?.image)).toEqual(["busybox:2", "busybox"]);
  });

  it("drops a removed file's pod, and decodes a file put back under its name", async () => {
    write("a.yaml", podYaml("a"));
    write("b.yaml", podYaml("b"));
    const { decoded, decodeManifest } = countingDecoder();
    const { source, lastNames } = open({ decodeManifest });
    await source.start();
    unlinkSync(join(dir, "a.yaml"));
    await source.resync();
    expect(lastNames()).toEqual(["b-node-1"]);
    write("a.yaml", podYaml("a"));
    await source.resync();
    expect(lastNames()).toEqual(["a-node-1", "b-node-1"]);
    expect(decoded).toEqual({ "a.yaml": 2, "b.yaml": 1 });
  });

  it("reports an unchanged broken file again on every read, without parsing it again", async () => {
    write("bad.yaml", "kind: [");
    write("web.yaml", podYaml("web"));
    const { decoded, decodeManifest } = countingDecoder();
    const { source, errors, lastNames } = open({ decodeManifest });
    await source.start();
    await source.resync();
    expect(lastNames()).toEqual(["web-node-1"]);
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ file: join(dir, "bad.yaml"), code: "InvalidManifest" });
    expect((errors[1] as ManifestError).message).toBe((errors[0] as ManifestError).message);
    expect(decoded).toEqual({ "bad.yaml": 1, "web.yaml": 1 });
    const warnings = logger.entries.filter((entry) => entry.msg === "could not process manifest file");
    expect(warnings).toHaveLength(2);
  });

  it("decodes a file changed within 2 s of a read again on the next read, as its stat may hide a change", async () => {
    // This clock starts at the real time, so the file has only just changed as far as the source can tell.
    const nowClock = createFakeClock({ nowMs: Date.now() });
    const { decoded, decodeManifest } = countingDecoder();
    const { source } = open({ decodeManifest, clock: nowClock, fileCheckFrequencyMs: 3_600_000 });
    write("a.yaml", podYaml("a"));
    await source.start();
    await source.resync();
    expect(decoded).toEqual({ "a.yaml": 2 });
    nowClock.advance(60_000);
    await source.resync();
    await source.resync();
    expect(decoded).toEqual({ "a.yaml": 3 });
  });

  it("hands out copies: a listener changing a pod does not change the next set", async () => {
    write("web.yaml", podYaml("web"));
    const { source, sets } = open();
    await source.start();
    const first = sets[0]?.[0];
    if (first?.spec === undefined) throw new Error("no pod");
    first.spec.containers[0] = { name: "changed", image: "changed" };
    await source.resync();
    expect(sets[1]?.[0]?.spec?.containers[0]?.name).toBe("main");
  });

  it("reads many files at once, yet sends pods and errors in sorted file order", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `pod-${String(i).padStart(2, "0")}`);
    for (const name of [...names].reverse()) write(`${name}.yaml`, podYaml(name));
    write("pod-05x.yaml", "kind: [");
    write("pod-31x.yaml", "apiVersion: v1\nkind: Pod\n");
    const { source, sets, errors } = open();
    await source.start();
    expect(sets[0]?.map((pod) => pod.metadata?.name)).toEqual(names.map((name) => `${name}-node-1`));
    expect(errors.map((error) => (error as ManifestError).file)).toEqual([
      join(dir, "pod-05x.yaml"),
      join(dir, "pod-31x.yaml"),
    ]);
  });
});

describe("file source through the pod config", () => {
  async function openWithConfig() {
    const { source } = open();
    const config = createPodConfig({ clock, sources: [source] });
    const updates: PodUpdate<V1Pod>[] = [];
    config.on("update", (update) => updates.push(update));
    await config.start();
    return { source, config, updates };
  }

  const summary = (updates: readonly PodUpdate<V1Pod>[]) =>
    updates.map((u) => [u.type, u.pods.map((pod) => pod.metadata?.name)] as const);

  it("adds the pods of the first read, marked with source file", async () => {
    write("web.yaml", podYaml("web"));
    const { updates, config } = await openWithConfig();
    expect(summary(updates)).toEqual([["add", ["web-node-1"]]]);
    expect(updates[0]?.pods[0]?.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION]).toBe("file");
    expect(config.sourcesReady()).toBe(true);
  });

  it("turns an edited manifest into a remove of the old UID and an add of the new one", async () => {
    write("web.yaml", podYaml("web"));
    const { source, updates } = await openWithConfig();
    const oldUid = updates[0]?.pods[0]?.metadata?.uid;
    write("web.yaml", podYaml("web", "busybox:2"));
    await source.resync();
    expect(summary(updates.slice(1))).toEqual([
      ["remove", ["web-node-1"]],
      ["add", ["web-node-1"]],
    ]);
    expect(updates[1]?.pods[0]?.metadata?.uid).toBe(oldUid);
    expect(updates[2]?.pods[0]?.metadata?.uid).not.toBe(oldUid);
  });

  it("turns a deleted manifest into a remove", async () => {
    write("web.yaml", podYaml("web"));
    write("db.yaml", podYaml("db"));
    const { source, updates } = await openWithConfig();
    unlinkSync(join(dir, "web.yaml"));
    await source.resync();
    expect(summary(updates.slice(1))).toEqual([["remove", ["web-node-1"]]]);
  });

  it("sends nothing when a re-read finds the same manifests", async () => {
    write("web.yaml", podYaml("web"));
    const { source, updates } = await openWithConfig();
    await source.resync();
    await source.resync();
    expect(updates).toHaveLength(1);
  });

  it("forwards manifest errors tagged with the source", async () => {
    write("bad.yaml", "kind: [");
    const { source } = open();
    const config = createPodConfig({ clock, sources: [source] });
    const errors: unknown[] = [];
    config.on("error", (event) => errors.push(event));
    await config.start();
    expect(errors).toEqual([{ source: "file", error: expect.objectContaining({ code: "InvalidManifest" }) }]);
  });
});
