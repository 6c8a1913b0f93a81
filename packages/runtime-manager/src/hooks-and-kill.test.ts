import { afterEach, describe, expect, it } from "vitest";
import { container, createHarness, type Harness, makePod, POD_UID, settle } from "./fixtures.test-util.js";
import { httpGetUrl, resolveContainerPort } from "./hooks.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const stopTimeouts = (h: Harness) =>
  h.fake.callsTo("StopContainer").map((c) => Number((c.request as unknown as { timeout: bigint }).timeout));

describe("postStart hook", () => {
  it("kills the container and reports PostStartHookError when the exec hook fails", async () => {
    h = await createHarness({
      behaviours: [
        {
          name: "app",
          behaviour: { exec: [{ match: ["/bin/setup"], stdout: "out", stderr: "bad thing", exitCode: 2 }] },
        },
      ],
    });
    const pod = makePod({
      containers: [
        container("app", { lifecycle: { postStart: { exec: { command: ["/bin/setup", "--now"] } } } }),
      ],
    });
    const result = await settle(h.clock, h.sync(pod));
    const failure = result.results.find((r) => r.action === "StartContainer")?.error;
    expect(failure).toEqual({
      reason: "PostStartHookError",
      message: `Exec lifecycle hook ([/bin/setup --now]) for Container "app" in Pod "web_default(${POD_UID})" failed - error: command '/bin/setup --now' exited with 2: bad thing, message: "outbad thing"`,
    });
    expect(h.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(
      expect.arrayContaining(["FailedPostStartHook: PostStartHook failed", "Killing: FailedPostStartHook"]),
    );
    expect(stopTimeouts(h)).toEqual([30]);
    expect((await h.status(pod)).containers[0]?.state).toBe("exited");
  });

  it("runs an httpGet hook against the pod IP through the injected fetch", async () => {
    const requests: { url: string; headers: Headers }[] = [];
    const fetchStub: typeof fetch = async (input, init) => {
      requests.push({ url: String(input), headers: new Headers(init?.headers) });
      return new Response("x".repeat(20_000), { status: 500 });
    };
    h = await createHarness({}, { fetch: fetchStub });
    const pod = makePod({
      containers: [
        container("app", {
          ports: [{ name: "http", containerPort: 8080 }],
          lifecycle: {
            postStart: {
              httpGet: { port: "http", path: "ready", httpHeaders: [{ name: "X-Test", value: "1" }] },
            },
          },
        }),
      ],
    });
    const result = await h.sync(pod);
    // The status code is not checked: only a failed request fails the hook.
    expect(result.results.find((r) => r.action === "StartContainer")?.error).toBeUndefined();
    const ip = (await h.status(pod)).ips[0];
    expect(requests.map((r) => r.url)).toEqual([`http://${ip}:8080/ready`]);
    expect(requests[0]?.headers.get("user-agent")).toBe("kube-lifecycle/1.34");
    expect(requests[0]?.headers.get("accept")).toBe("*/*");
    expect(requests[0]?.headers.get("x-test")).toBe("1");
  });

  it("fails an httpGet hook whose request fails", async () => {
    h = await createHarness({}, { fetch: async () => Promise.reject(new Error("connect ECONNREFUSED")) });
    const pod = makePod({
      containers: [container("app", { lifecycle: { postStart: { httpGet: { port: 80, path: "/x" } } } })],
    });
    const failure = (await h.sync(pod)).results.find((r) => r.action === "StartContainer")?.error;
    expect(failure?.message).toBe(
      `HTTP lifecycle hook (/x) for Container "app" in Pod "web_default(${POD_UID})" failed - error: connect ECONNREFUSED`,
    );
  });
});

describe("graceful stop", () => {
  it("runs preStop within the grace period and gives StopContainer what remains", async () => {
    h = await createHarness({
      behaviours: [{ name: "app", behaviour: { exec: [{ match: ["drain"], delayMs: 5_000 }] } }],
    });
    const pod = makePod({
      containers: [container("app", { lifecycle: { preStop: { exec: { command: ["drain"] } } } })],
    });
    await h.sync(pod);
    const status = await h.status(pod);
    await settle(h.clock, h.manager.killPod(pod, status));
    expect(stopTimeouts(h)).toEqual([25]);
    expect(h.events.find((e) => e.reason === "Killing")?.message).toBe("Stopping container app");
  });

  it("cuts a preStop hook off at the grace period and still allows the 2 s minimum", async () => {
    h = await createHarness({
      behaviours: [{ name: "app", behaviour: { exec: [{ match: ["drain"], delayMs: 60_000 }] } }],
    });
    const pod = makePod({
      terminationGracePeriodSeconds: 3,
      containers: [container("app", { lifecycle: { preStop: { exec: { command: ["drain"] } } } })],
    });
    await h.sync(pod);
    const started = h.clock.now();
    await settle(h.clock, h.manager.killPod(pod, await h.status(pod)));
    expect(stopTimeouts(h)).toEqual([2]);
    expect(h.clock.now() - started).toBeLessThan(10_000);
  });

  it("uses a grace period override, the deletion grace period, and a failed preStop emits FailedPreStopHook", async () => {
    h = await createHarness({
      behaviours: [{ name: "app", behaviour: { exec: [{ match: ["drain"], exitCode: 1 }] } }],
    });
    const pod = makePod({
      containers: [container("app", { lifecycle: { preStop: { exec: { command: ["drain"] } } } })],
    });
    await h.sync(pod);
    await settle(h.clock, h.manager.killPod(pod, await h.status(pod), { gracePeriodOverrideMs: 7_000 }));
    expect(stopTimeouts(h)).toEqual([7]);
    expect(
      h.events.some(
        (e) => e.type === "Warning" && e.reason === "FailedPreStopHook" && e.message === "PreStopHook failed",
      ),
    ).toBe(true);

    const deleting = makePod(pod.spec, { deletionGracePeriodSeconds: 12, deletionTimestamp: new Date() });
    await h.close();
    h = await createHarness();
    await h.sync(makePod());
    await settle(h.clock, h.manager.killPod(deleting, await h.status(deleting)));
    expect(stopTimeouts(h)).toEqual([12]);
  });

  it("raises a grace period below 2 s to 2 s", async () => {
    h = await createHarness();
    const pod = makePod({ terminationGracePeriodSeconds: 0 });
    await h.sync(pod);
    await settle(h.clock, h.manager.killPod(pod, await h.status(pod)));
    expect(stopTimeouts(h)).toEqual([2]);
  });

  it("restores grace period and preStop from annotations when the pod is unknown", async () => {
    h = await createHarness({
      behaviours: [{ name: "app", behaviour: { exec: [{ match: ["drain"], delayMs: 3_000 }] } }],
    });
    const pod = makePod({
      terminationGracePeriodSeconds: 20,
      containers: [container("app", { lifecycle: { preStop: { exec: { command: ["drain"] } } } })],
    });
    await h.sync(pod);
    const [running] = await h.manager.listPods();
    if (running === undefined) throw new Error("no pod");
    await settle(h.clock, h.manager.killPod(undefined, running));
    expect(stopTimeouts(h)).toEqual([17]);
    expect(h.fake.callsTo("ExecSync")).toHaveLength(1);
  });

  it("stops regular containers first, then sidecars in reverse order, each waiting for the previous one", async () => {
    h = await createHarness({
      behaviours: [
        { name: "app", behaviour: { sigtermExitAfterMs: 5_000 } },
        { name: "s2", behaviour: { sigtermExitAfterMs: 2_000 } },
      ],
    });
    const pod = makePod({
      initContainers: [
        container("s1", { restartPolicy: "Always" }),
        container("s2", { restartPolicy: "Always" }),
      ],
      containers: [container("app")],
    });
    for (let i = 0; i < 3; i++) await h.sync(pod);
    const status = await h.status(pod);
    expect(
      status.containers
        .filter((c) => c.state === "running")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["app", "s1", "s2"]);
    const idToName = new Map(status.containers.map((c) => [c.id, c.name]));
    const start = h.clock.now();
    await settle(
      h.clock,
      h.manager.killPod(pod, { ...status, containers: [...status.containers].reverse() }),
    );
    const stops = h.fake.callsTo("StopContainer").map((c) => ({
      name: idToName.get((c.request as unknown as { containerId: string }).containerId),
      afterMs: c.atMs - start,
      timeout: Number((c.request as unknown as { timeout: bigint }).timeout),
    }));
    expect(stops.map((s) => s.name)).toEqual(["app", "s2", "s1"]);
    expect(stops[0]?.afterMs).toBe(0);
    expect(stops[1]?.afterMs).toBeGreaterThanOrEqual(5_000);
    expect(stops[2]?.afterMs).toBeGreaterThanOrEqual(7_000);
    // Time spent waiting for its turn comes out of each sidecar's grace period.
    expect(stops.map((s) => s.timeout)).toEqual([30, 25, 23]);
  });
});

describe("hook helpers", () => {
  it("resolves numeric, string and named ports", () => {
    const c = container("app", { ports: [{ name: "web", containerPort: 8080 }] });
    expect(resolveContainerPort(80, c)).toBe(80);
    expect(resolveContainerPort("81", c)).toBe(81);
    expect(resolveContainerPort("web", c)).toBe(8080);
    expect(() => resolveContainerPort("nope", c)).toThrow("couldn't find port: nope in app");
  });

  it("builds URLs with a lowercased scheme, IPv6 brackets and a leading slash", () => {
    const c = container("app");
    expect(httpGetUrl({ port: 80, scheme: "HTTPS", path: "a?b=1", host: "fd00::1" }, c, "")).toBe(
      "https://[fd00::1]:80/a?b=1",
    );
    expect(httpGetUrl({ port: 80 }, c, "10.0.0.1")).toBe("http://10.0.0.1:80");
  });
});
