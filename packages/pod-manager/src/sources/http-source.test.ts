import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createFakeClock, type FakeClock, isKubeletKitError } from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHttpSource, type HttpSource, type HttpSourceOptions } from "./http-source.js";
import { isManifestError, type ManifestError } from "./manifest-error.js";

interface Reply {
  status?: number;
  body?: string;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

let server: Server;
let url: string;
let reply: Reply;
let requests: IncomingHttpHeaders[];
let clock: FakeClock;
let sources: HttpSource[];

beforeEach(async () => {
  reply = { body: "" };
  requests = [];
  clock = createFakeClock();
  sources = [];
  server = createServer((request, response) => {
    requests.push(request.headers);
    if (reply.hang) return;
    response.statusCode = reply.status ?? 200;
    response.end(reply.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pods`;
});

afterEach(async () => {
  await Promise.all(sources.map((source) => source.stop()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function pod(name: string, image = "busybox"): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "main", image }] },
  };
}

function open(options: Partial<HttpSourceOptions> = {}) {
  const source = createHttpSource({ url, nodeName: "Node-1", clock, ...options });
  sources.push(source);
  const sets: V1Pod[][] = [];
  const errors: unknown[] = [];
  source.on("update", (update) => {
    expect(update).toMatchObject({ type: "set", source: "http" });
    sets.push([...update.pods]);
  });
  source.on("error", (error) => errors.push(error));
  const names = (i = -1): string[] => (sets.at(i) ?? []).map((p) => p.metadata?.name ?? "");
  return { source, sets, errors, names };
}

describe("http source", () => {
  it("reads a single pod, defaulted for this node with an http-derived UID and no toleration", async () => {
    reply = { body: JSON.stringify(pod("web")) };
    const { source, sets, names } = open();
    await source.start();
    expect(names()).toEqual(["web-node-1"]);
    const [web] = sets[0] ?? [];
    expect(web?.metadata?.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(web?.metadata?.namespace).toBe("default");
    expect(web?.spec?.tolerations).toBeUndefined();
  });

  it("reads a PodList, a v1 List of Pods, and YAML", async () => {
    reply = { body: JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [pod("a"), pod("b")] }) };
    const { source, names } = open();
    await source.start();
    expect(names()).toEqual(["a-node-1", "b-node-1"]);
    reply = { body: JSON.stringify({ apiVersion: "v1", kind: "List", items: [pod("c")] }) };
    await source.resync();
    expect(names()).toEqual(["c-node-1"]);
    reply = {
      body: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n  containers:\n    - name: m\n      image: i\n",
    };
    await source.resync();
    expect(names()).toEqual(["d-node-1"]);
  });

  it("sends the configured headers, each value of a list", async () => {
    reply = { body: JSON.stringify(pod("web")) };
    const { source } = open({ headers: { authorization: "Bearer t0k3n", "x-tag": ["one", "two"] } });
    await source.start();
    expect(requests[0]?.authorization).toBe("Bearer t0k3n");
    expect(requests[0]?.["x-tag"]).toBe("one, two");
  });

  it("treats an empty body as an empty set", async () => {
    reply = { body: "" };
    const { source, sets, errors } = open();
    await source.start();
    expect(sets).toEqual([[]]);
    expect(errors).toEqual([]);
  });

  it("reports a non-200 answer as an error and keeps the pods it had", async () => {
    reply = { body: JSON.stringify(pod("web")) };
    const { source, sets, errors } = open();
    await source.start();
    reply = { status: 503, body: "down" };
    await source.resync();
    reply = { status: 404, body: "" };
    await source.resync();
    expect(sets).toHaveLength(1);
    expect(errors).toEqual([
      expect.objectContaining({ code: "Unavailable", details: { url, status: 503 } }),
      expect.objectContaining({ code: "NotFound", details: { url, status: 404 } }),
    ]);
    expect((errors[0] as Error).message).toContain(`GET ${url}: 503`);
  });

  it("rejects the whole body when one listed pod is invalid, naming the URL and the item", async () => {
    const bad = pod("b");
    (bad.spec as { containers: unknown[] }).containers.push({ name: "main", image: "x" });
    reply = { body: JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [pod("a"), bad] }) };
    const { source, sets, errors } = open();
    await source.start();
    expect(sets).toEqual([]);
    expect(isManifestError(errors[0])).toBe(true);
    const error = errors[0] as ManifestError;
    expect(error.file).toBe(url);
    expect(error.field).toBe("items[1].spec.containers[1].name");
    expect(error.message).toContain('items[1].spec.containers[1].name: Duplicate value: "main"');
  });

  it("reports a body that is neither a Pod nor a list of pods", async () => {
    reply = { body: JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } }) };
    const { source, errors } = open();
    await source.start();
    expect((errors[0] as ManifestError).message).toMatch(
      /kind is "Service", expected "Pod" or "PodList" or "List"/,
    );
  });

  it("ignores a body identical to the previous one, as the kubelet does", async () => {
    reply = { body: JSON.stringify(pod("web")) };
    const { source, sets } = open();
    await source.start();
    await source.resync();
    expect(requests).toHaveLength(2);
    expect(sets).toHaveLength(1);
    reply = { body: JSON.stringify(pod("web", "busybox:2")) };
    await source.resync();
    expect(sets).toHaveLength(2);
  });

  it("polls every httpCheckFrequency (20 s) after the previous GET, on the injected clock", async () => {
    reply = { body: JSON.stringify(pod("a")) };
    const { source, names } = open();
    const startMs = clock.now();
    await source.start();
    await vi.waitFor(() => expect(clock.nextDueMs()).toBe(startMs + 20_000));
    reply = { body: JSON.stringify(pod("b")) };
    clock.advance(19_999);
    expect(requests).toHaveLength(1);
    await clock.advanceAsync(1);
    await vi.waitFor(() => expect(names()).toEqual(["b-node-1"]));
    await vi.waitFor(() => expect(clock.nextDueMs()).toBe(startMs + 40_000));
  });

  it("times out a request after requestTimeoutMs on the injected clock", async () => {
    reply = { hang: true };
    const { source, errors } = open({ requestTimeoutMs: 10_000 });
    const started = source.start();
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    await clock.advanceAsync(10_000);
    await started;
    expect(errors).toEqual([expect.objectContaining({ code: "DeadlineExceeded" })]);
  });

  it("reports a connection failure as Unavailable", async () => {
    const closed = url;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { source, errors } = open({ url: closed });
    await source.start();
    expect(isKubeletKitError(errors[0], "Unavailable")).toBe(true);
    expect((errors[0] as Error).message).toContain(closed);
  });

  it("rejects a body over maxBodyBytes", async () => {
    reply = { body: JSON.stringify(pod("web")) };
    const { source, errors, sets } = open({ maxBodyBytes: 10 });
    await source.start();
    expect(sets).toEqual([]);
    expect((errors[0] as ManifestError).message).toMatch(/larger than the limit of 10 bytes/);
  });

  it("uses an injected fetch", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify(pod("injected")), { status: 200 }));
    const { source, names } = open({ url: "http://example.invalid/pods", fetch });
    await source.start();
    expect(fetch).toHaveBeenCalledWith("http://example.invalid/pods", expect.anything());
    expect(names()).toEqual(["injected-node-1"]);
  });

  it("stops polling after stop()", async () => {
    reply = { body: JSON.stringify(pod("web")) };
    const { source } = open();
    await source.start();
    await source.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
