import { request } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import { ContainerState, NamespaceMode } from "@kubelet-kit/cri-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRuntimeService, type RuntimeServiceClient } from "../client.js";
import { rejection } from "./fake-runtime.test-helpers.js";
import {
  BEHAVIOUR_ANNOTATION,
  type ContainerBehaviour,
  createFakeRuntime,
  type FakeRuntime,
  type ScriptedListener,
} from "./index.js";

// Real sockets on 127.201.<n>.2 (the whole of 127.0.0.0/8 is loopback on Linux), windows on a fake clock.
// Socket events take real time: every wait below polls generously and never asserts on speed.

const WAIT_MS = 10_000;

/** "open" when a TCP connect succeeds (the socket is closed again at once), "refused" otherwise. */
function probePort(host: string, port: number): Promise<"open" | "refused"> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", () => resolve("refused"));
  });
}

/** Polls `read` until it yields `expected` (or the generous wait ends); returns the last value read. */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = await read();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await read();
  }
  return last;
}

interface HttpAnswer {
  status: number;
  body: string;
  contentType: string | undefined;
}

function httpGet(host: string, port: number, path: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, contentType: res.headers["content-type"] }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** A client connection that records when the server closes it. */
async function hold(host: string, port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host, port });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, closed };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), WAIT_MS)),
  ]);
}

let subnetCounter = 0;

describe("fake runtime: scripted listeners", { timeout: 4 * WAIT_MS }, () => {
  let clock: FakeClock;
  let fake: FakeRuntime;
  let runtime: RuntimeServiceClient;
  let host: string;
  const blockers: Server[] = [];
  const clients: Socket[] = [];

  const setup = (podSubnet?: string) => {
    fake = createFakeRuntime({ clock, ...(podSubnet === undefined ? {} : { podSubnet }) });
    runtime = createRuntimeService({ transport: fake.transport });
  };

  const runPod = async (options: { hostNetwork?: boolean; annotations?: Record<string, string> } = {}) =>
    (
      await runtime.runPodSandbox({
        config: {
          metadata: { name: "pod", uid: "uid", namespace: "ns", attempt: 0 },
          annotations: options.annotations ?? {},
          ...(options.hostNetwork === true
            ? { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } }
            : {}),
        },
      })
    ).podSandboxId;

  const create = async (podSandboxId: string, behaviour: ContainerBehaviour | undefined, name = "web") =>
    (
      await runtime.createContainer({
        podSandboxId,
        config: {
          metadata: { name, attempt: 0 },
          image: { image: "busybox" },
          annotations: behaviour === undefined ? {} : { [BEHAVIOUR_ANNOTATION]: JSON.stringify(behaviour) },
        },
      })
    ).containerId;

  const startWith = async (behaviour: ContainerBehaviour) => {
    const podSandboxId = await runPod();
    const containerId = await create(podSandboxId, behaviour);
    await runtime.startContainer({ containerId });
    return { podSandboxId, containerId };
  };

  const status = async (containerId: string) => (await runtime.containerStatus({ containerId })).status;

  const block = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen({ host, port }, () => resolve(server));
      blockers.push(server);
    });

  beforeEach(() => {
    clock = createFakeClock({ nowMs: 1_700_000_000_000 });
    subnetCounter++;
    host = `127.201.${subnetCounter}.2`;
    setup(`127.201.${subnetCounter}.0/24`);
  });

  afterEach(() => {
    fake.close();
    for (const server of blockers.splice(0)) server.close();
    for (const socket of clients.splice(0)) socket.destroy();
  });

  it("opens an http port only inside its window and answers by path and route window", async () => {
    const listener: ScriptedListener = {
      port: 8080,
      protocol: "http",
      fromMs: 1_000,
      untilMs: 5_000,
      routes: [
        { path: "/healthz", body: "ok", untilMs: 3_000 },
        { path: "/healthz", status: 500, body: "sick", fromMs: 3_000 },
        { path: "/ready", status: 204 },
      ],
    };
    await startWith({ listen: [listener] });
    expect(await probePort(host, 8080)).toBe("refused");
    clock.advance(999);
    expect(await probePort(host, 8080)).toBe("refused");
    clock.advance(1);
    expect(await eventually(() => probePort(host, 8080), "open")).toBe("open");

    expect(await httpGet(host, 8080, "/healthz")).toEqual({
      status: 200,
      body: "ok",
      contentType: "text/plain",
    });
    expect(await httpGet(host, 8080, "/healthz?verbose=1")).toMatchObject({ status: 200, body: "ok" });
    expect(await httpGet(host, 8080, "/ready")).toMatchObject({ status: 204, body: "" });
    expect(await httpGet(host, 8080, "/healthz/")).toEqual({
      status: 404,
      body: "404 page not found\n",
      contentType: "text/plain",
    });

    clock.advance(2_000);
    expect(await httpGet(host, 8080, "/healthz")).toMatchObject({ status: 500, body: "sick" });
    clock.advance(1_999);
    expect(await httpGet(host, 8080, "/healthz")).toMatchObject({ status: 500 });
    clock.advance(1);
    expect(await eventually(() => probePort(host, 8080), "refused")).toBe("refused");
  });

  it("is open from StartContainer on when the window starts at 0, with the container RUNNING", async () => {
    const { containerId } = await startWith({ listen: [{ port: 8081, protocol: "http" }] });
    expect((await status(containerId))?.state).toBe(ContainerState.CONTAINER_RUNNING);
    // Bound before StartContainer answered: no wait needed.
    expect(await probePort(host, 8081)).toBe("open");
    expect(await httpGet(host, 8081, "/")).toMatchObject({ status: 404 });
  });

  it("accepts tcp connections and holds them until the peer closes", async () => {
    await startWith({ listen: [{ port: 9000, protocol: "tcp" }] });
    const { socket, closed } = await hold(host, 9000);
    clients.push(socket);
    socket.write("ping\n");
    const early = await Promise.race([
      closed.then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("held"), 200)),
    ]);
    expect(early).toBe("held");
    socket.end();
    await within(closed, "the server to close its side after the peer's FIN");
  });

  it("hands a shared port from one listener to the next at the window edge", async () => {
    await startWith({
      listen: [
        { port: 8082, protocol: "tcp", untilMs: 1_000 },
        { port: 8082, protocol: "http", fromMs: 1_000, routes: [{ path: "/", body: "now http" }] },
      ],
    });
    const { closed, socket } = await hold(host, 8082);
    clients.push(socket);
    clock.advance(1_000);
    await within(closed, "the tcp listener's connection to be destroyed");
    const answer = await eventually(
      () =>
        httpGet(host, 8082, "/").then(
          (r) => r.body,
          () => "error",
        ),
      "now http",
    );
    expect(answer).toBe("now http");
  });

  const endings: [string, (ids: { podSandboxId: string; containerId: string }) => Promise<void> | void][] = [
    ["the process exits", () => clock.advance(2_000)],
    [
      "StopContainer",
      ({ containerId }) => runtime.stopContainer({ containerId, timeout: 0n }).then(() => {}),
    ],
    ["an OOM kill", () => fake.container({ name: "web" }).oomKill()],
    ["RemoveContainer", ({ containerId }) => runtime.removeContainer({ containerId }).then(() => {})],
    ["StopPodSandbox", ({ podSandboxId }) => runtime.stopPodSandbox({ podSandboxId }).then(() => {})],
    ["the fake is closed", () => fake.close()],
  ];

  it.each(endings)("closes the ports and destroys connections when %s", async (_, end) => {
    const ids = await startWith({
      kind: "exit",
      code: 0,
      afterMs: 2_000,
      listen: [
        { port: 8083, protocol: "tcp" },
        { port: 8084, protocol: "http" },
        { port: 8085, protocol: "http", fromMs: 1_500 },
      ],
    });
    const held = await hold(host, 8083);
    const keptAlive = await hold(host, 8084);
    clients.push(held.socket, keptAlive.socket);
    clock.advance(1_500);
    expect(await eventually(() => probePort(host, 8085), "open")).toBe("open");
    await end(ids);
    await within(Promise.all([held.closed, keptAlive.closed]), "connections to be destroyed");
    for (const port of [8083, 8084, 8085]) {
      expect(await eventually(() => probePort(host, port), "refused")).toBe("refused");
    }
    // A window edge after the end opens nothing.
    clock.advance(10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await probePort(host, 8085)).toBe("refused");
  });

  it("fails StartContainer as a start error when the port is taken, naming the address", async () => {
    await block(8086);
    const podSandboxId = await runPod();
    const containerId = await create(podSandboxId, {
      listen: [
        { port: 8087, protocol: "tcp" },
        { port: 8086, protocol: "http" },
      ],
    });
    const err = await rejection(runtime.startContainer({ containerId }));
    expect(err.code).toBe("Unknown");
    expect(err.rawMessage).toBe(
      `failed to start container "${containerId}": fake runtime: listen tcp ${host}:8086: bind: address already in use`,
    );
    expect(await status(containerId)).toMatchObject({
      state: ContainerState.CONTAINER_EXITED,
      exitCode: 128,
      reason: "StartError",
      message: err.rawMessage,
    });
    // The listener that did bind is closed again.
    expect(await eventually(() => probePort(host, 8087), "refused")).toBe("refused");
  });

  it("ends the container with exit code 1 when a later window cannot bind its port", async () => {
    const { containerId } = await startWith({ listen: [{ port: 8088, protocol: "tcp", fromMs: 1_000 }] });
    await block(8088);
    clock.advance(1_000);
    const exited = async () => (await status(containerId))?.state;
    expect(await eventually(exited, ContainerState.CONTAINER_EXITED)).toBe(ContainerState.CONTAINER_EXITED);
    expect(await status(containerId)).toMatchObject({
      exitCode: 1,
      reason: "Error",
      message: `fake runtime: listen tcp ${host}:8088: bind: address already in use`,
    });
  });

  it("refuses a second StartContainer and a RemoveContainer while the listeners are being bound", async () => {
    const podSandboxId = await runPod();
    const containerId = await create(podSandboxId, { listen: [{ port: 8089, protocol: "tcp" }] });
    const starting = runtime.startContainer({ containerId });
    const again = await rejection(runtime.startContainer({ containerId }));
    expect(again.rawMessage).toBe(
      `failed to set starting state for container "${containerId}": container is already in starting state`,
    );
    const removing = await rejection(runtime.removeContainer({ containerId }));
    expect(removing.rawMessage).toContain("container is in starting state, can't be removed");
    await starting;
    expect((await status(containerId))?.state).toBe(ContainerState.CONTAINER_RUNNING);
  });

  it("rejects a listening container in a host-network sandbox or outside 127.0.0.0/8", async () => {
    const hostNet = await runPod({ hostNetwork: true });
    const onHost = await rejection(create(hostNet, { listen: [{ port: 8080, protocol: "http" }] }, "api"));
    expect(onHost.code).toBe("InvalidArgument");
    expect(onHost.rawMessage).toMatch(
      /^fake runtime: container "api" cannot listen on port 8080: its sandbox uses the host network/,
    );

    fake.close();
    setup();
    const podSandboxId = await runPod();
    const outside = await rejection(
      create(podSandboxId, { listen: [{ port: 9090, protocol: "tcp" }] }, "db"),
    );
    expect(outside.code).toBe("InvalidArgument");
    expect(outside.rawMessage).toBe(
      'fake runtime: container "db" cannot listen on port 9090: its pod IP 10.88.0.2 is not in 127.0.0.0/8; give the fake runtime a loopback podSubnet such as "127.77.0.0/16"',
    );
    // Without `listen` the default subnet serves as before.
    const plain = await create(podSandboxId, undefined, "plain");
    await runtime.startContainer({ containerId: plain });
    expect((await status(plain))?.state).toBe(ContainerState.CONTAINER_RUNNING);
  });

  it("takes listeners from the pod's per-container annotation", async () => {
    const behaviour: ContainerBehaviour = {
      listen: [{ port: 8090, protocol: "http", routes: [{ path: "/healthz", body: "annotated" }] }],
    };
    const podSandboxId = await runPod({
      annotations: { [`${BEHAVIOUR_ANNOTATION}.web`]: JSON.stringify(behaviour) },
    });
    const containerId = await create(podSandboxId, undefined);
    await runtime.startContainer({ containerId });
    expect(await httpGet(host, 8090, "/healthz")).toMatchObject({ status: 200, body: "annotated" });
  });
});
