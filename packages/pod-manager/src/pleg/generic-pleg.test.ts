import { createFakeClock } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { FakeRuntime } from "../workers/test-support.js";
import { createGenericPleg } from "./generic-pleg.js";
import type { PodLifecycleEvent } from "./types.js";

function setup() {
  const clock = createFakeClock();
  const runtime = new FakeRuntime(clock);
  const pleg = createGenericPleg({ runtime, clock });
  const events: PodLifecycleEvent[] = [];
  pleg.on("event", (event) => events.push(event));
  const take = (): string[] => events.splice(0).map((e) => `${e.type}:${e.containerId ?? "-"}`);
  return { clock, runtime, pleg, events, take };
}

describe("generic PLEG: events", () => {
  it("reports new running containers and ready sandboxes as started, after caching the pod status", async () => {
    const env = setup();
    env.runtime.setSandbox("p", { id: "sb" });
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    const cachedAtEvent: boolean[] = [];
    env.pleg.on("event", () => cachedAtEvent.push(env.pleg.getPodStatus("p")?.status !== undefined));
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerStarted:c1", "ContainerStarted:sb"]);
    expect(cachedAtEvent).toEqual([true, true]);
    expect(env.pleg.getPodStatus("p")?.timestampMs).toBe(env.clock.now());
  });

  it("reports nothing when nothing changed between relists", async () => {
    const env = setup();
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    await env.pleg.relist();
    env.take();
    await env.pleg.relist();
    expect(env.take()).toEqual([]);
  });

  it("reports an exited container as died, and its removal as removed only", async () => {
    const env = setup();
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    env.runtime.setContainer("p", { id: "keep", name: "side" });
    await env.pleg.relist();
    env.take();
    env.runtime.setContainer("p", { id: "c1", name: "app", state: "exited", exitCode: 1 });
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerDied:c1"]);
    env.runtime.removeContainer("p", "c1");
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerRemoved:c1"]);
  });

  it("reports a running container that vanished as died, then removed", async () => {
    const env = setup();
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    await env.pleg.relist();
    env.take();
    env.runtime.removeContainer("p", "c1");
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerDied:c1", "ContainerRemoved:c1"]);
    expect(env.pleg.getPodStatus("p")).toBeUndefined();
  });

  it("reports created and unknown containers as changed, and a sandbox going not-ready as died", async () => {
    const env = setup();
    env.runtime.setSandbox("p", { id: "sb" });
    env.runtime.setContainer("p", { id: "c1", name: "app", state: "created" });
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerChanged:c1", "ContainerStarted:sb"]);
    env.runtime.setSandbox("p", { id: "sb", state: "notready" });
    env.runtime.setContainer("p", { id: "c1", name: "app", state: "unknown" });
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerDied:sb"]);
  });

  it("looks again at a pod whose status could not be read, with PodSync when nothing else changed", async () => {
    const env = setup();
    env.runtime.setContainer("p", { id: "c1", name: "app", state: "exited", exitCode: 0 });
    env.runtime.failStatusFor.add("p");
    await env.pleg.relist();
    expect(env.take()).toEqual([]);
    expect(env.pleg.getPodStatus("p")?.error).toBeInstanceOf(Error);
    env.runtime.failStatusFor.delete("p");
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerDied:c1"]);

    env.runtime.setContainer("q", { id: "c2", name: "app", state: "exited", exitCode: 0 });
    env.runtime.failStatusFor.add("q");
    await env.pleg.relist();
    env.runtime.removeContainer("q", "c2");
    env.runtime.failStatusFor.delete("q");
    await env.pleg.relist();
    expect(env.take()).toEqual(["PodSync:-"]);
  });

  it("keeps a stopped pod's IPs when its new status has none", async () => {
    const env = setup();
    env.runtime.setSandbox("p", { id: "sb", ips: ["10.1.0.5"] });
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    const withIps = env.runtime.getPodStatus;
    env.runtime.getPodStatus = async (uid, name, ns) => {
      const status = await withIps(uid, name, ns);
      return { ...status, ips: status.sandboxes.some((s) => s.state === "ready") ? ["10.1.0.5"] : [] };
    };
    await env.pleg.relist();
    env.runtime.exitAll("p");
    env.runtime.setSandbox("p", { id: "sb", state: "notready" });
    await env.pleg.relist();
    expect(env.pleg.getPodStatus("p")?.status?.ips).toEqual(["10.1.0.5"]);
  });
});

describe("generic PLEG: timing and health", () => {
  it("relists at once on start, then 1 s after each relist, until stopped", async () => {
    const env = setup();
    await env.pleg.start();
    await env.clock.advanceAsync(3_000);
    expect(env.runtime.countCalls("listPods")).toBe(4);
    await env.pleg.stop();
    await env.clock.advanceAsync(5_000);
    expect(env.runtime.countCalls("listPods")).toBe(4);
  });

  it("is unhealthy before its first relist and once no relist succeeded for more than 3 min", async () => {
    const env = setup();
    expect(env.pleg.healthy()).toEqual({ ok: false, message: "pleg has yet to be successful" });
    await env.pleg.start();
    await env.clock.advanceAsync(0);
    expect(env.pleg.healthy()).toEqual({ ok: true });
    env.runtime.listError = new Error("runtime down");
    await env.clock.advanceAsync(180_000);
    expect(env.pleg.healthy().ok).toBe(true);
    await env.clock.advanceAsync(1);
    expect(env.pleg.healthy()).toEqual({
      ok: false,
      message: "pleg was last seen active 3m0.001s ago; threshold is 3m0s",
    });
    env.runtime.listError = undefined;
    await env.clock.advanceAsync(1_000);
    expect(env.pleg.healthy()).toEqual({ ok: true });
    await env.pleg.stop();
  });
});

describe("generic PLEG: the shared cache", () => {
  it("marks the cache current as of each relist's start", async () => {
    const env = setup();
    expect(env.pleg.cache.currentAsOfMs()).toBeUndefined();
    const startedAt = env.clock.now();
    await env.pleg.relist();
    expect(env.pleg.cache.currentAsOfMs()).toBe(startedAt);
  });

  it("reuses a cached status that shows the listed states, without asking the runtime", async () => {
    const env = setup();
    env.runtime.setSandbox("p", { id: "sb" });
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    // A pod worker fetched the status right after it started the container.
    const fresh = await env.runtime.getPodStatus("p", "pod-p", "default");
    env.pleg.cache.set("p", { status: fresh, timestampMs: env.clock.now() });
    env.runtime.calls.length = 0;
    env.clock.advance(1_000);
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerStarted:c1", "ContainerStarted:sb"]);
    expect(env.runtime.countCalls("getPodStatus")).toBe(0);
    expect(env.pleg.getPodStatus("p")).toEqual({ status: fresh, timestampMs: env.clock.now() });
  });

  it("fetches when the cached status disagrees with the listing", async () => {
    const env = setup();
    env.runtime.setContainer("p", { id: "c1", name: "app" });
    const stale = await env.runtime.getPodStatus("p", "pod-p", "default");
    env.pleg.cache.set("p", { status: stale, timestampMs: env.clock.now() });
    env.runtime.setContainer("p", { id: "c1", name: "app", state: "exited", exitCode: 2 });
    env.runtime.calls.length = 0;
    await env.pleg.relist();
    expect(env.runtime.countCalls("getPodStatus", "p")).toBe(1);
    expect(env.pleg.getPodStatus("p")?.status?.containers[0]).toMatchObject({ state: "exited", exitCode: 2 });
  });
});

describe("generic PLEG: a listing older than the cached status", () => {
  it("holds the pod's events back while a newer cached status disagrees, then catches up", async () => {
    const env = setup();
    env.runtime.setSandbox("p", { id: "sb" });
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerStarted:sb"]);
    // The listing is asked for; meanwhile a pod worker starts a container and caches what it saw.
    env.clock.advance(1_000);
    const listed = env.runtime.listPods;
    env.runtime.listPods = async (options) => {
      const pods = await listed(options);
      env.clock.advance(5);
      env.runtime.setContainer("p", { id: "c1", name: "app" });
      env.pleg.cache.set("p", {
        status: await env.runtime.getPodStatus("p", "pod-p", "default"),
        timestampMs: env.clock.now(),
      });
      return pods;
    };
    env.pleg.cache.set("p", { ...env.pleg.getPodStatus("p"), timestampMs: 0 });
    env.runtime.setSandbox("p", { id: "sb", state: "notready" });
    env.runtime.calls.length = 0;
    await env.pleg.relist();
    // The stale listing (sandbox not ready, no container) neither emits nor overwrites the cache.
    expect(env.take()).toEqual([]);
    expect(env.runtime.countCalls("getPodStatus")).toBe(1);
    expect(env.pleg.getPodStatus("p")?.status?.containers.map((c) => c.id)).toEqual(["c1"]);
    env.runtime.listPods = listed;
    env.runtime.setSandbox("p", { id: "sb", state: "ready" });
    env.clock.advance(1_000);
    await env.pleg.relist();
    expect(env.take()).toEqual(["ContainerStarted:c1"]);
  });
});
