import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { isKubeletKitError, KubeletKitError, type KubeletKitErrorCode } from "@kubelet-kit/core";
import { ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createImageService, createRuntimeService, type RuntimeServiceClient } from "./client.js";
import { toGrpcServiceDefinition } from "./grpc/service-definition.js";
import { kubeletKitErrorToGrpcStatus } from "./grpc/status.js";
import { createGrpcTransport } from "./grpc/transport.js";
import type { CriTransport, Interceptor } from "./types.js";

const MiB = 1024 * 1024;

/** What the test runtime saw. */
interface Observed {
  hosts: string[];
  headers: Record<string, string>[];
  /** Remaining ms until the call's deadline as the server saw it; Infinity when none. */
  deadlinesMs: number[];
  cancelled: string[];
}

interface TestRuntime {
  readonly observed: Observed;
  stop(): Promise<void>;
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

function observe(observed: Observed, call: AnyCall, method: string): void {
  observed.hosts.push(call.getHost());
  observed.headers.push(
    Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, v.toString()])),
  );
  const deadline = call.getDeadline();
  observed.deadlinesMs.push((deadline instanceof Date ? deadline.getTime() : deadline) - Date.now());
  call.on("cancelled", () => observed.cancelled.push(method));
}

function fail(callback: sendUnaryData<unknown>, err: KubeletKitError): void {
  const { code, details } = kubeletKitErrorToGrpcStatus(err);
  callback(Object.assign(new Error(details), { code, details }) as Partial<ServiceError> as ServiceError);
}

/** A tiny runtime: a few handlers over the real gRPC server the fake also uses. */
async function startRuntime(socketPath: string): Promise<TestRuntime> {
  const observed: Observed = { hosts: [], headers: [], deadlinesMs: [], cancelled: [] };
  const server = new Server();
  const runtime: UntypedServiceImplementation = {
    version(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      observe(observed, call, "version");
      callback(null, {
        version: "0.1.0",
        runtimeName: "test",
        runtimeVersion: "1.0.0",
        runtimeApiVersion: "v1",
      });
    },
    listContainers(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      observe(observed, call, "listContainers");
      callback(null, { containers: [{ id: "c1", createdAt: 1_700_000_000_000_000_000n }] });
    },
    containerStatus(
      call: ServerUnaryCall<{ containerId: string }, unknown>,
      callback: sendUnaryData<unknown>,
    ) {
      observe(observed, call, "containerStatus");
      fail(callback, new KubeletKitError("NotFound", `container "${call.request.containerId}" not found`));
    },
    // Slow: answers after 10 s unless canceled first.
    execSync(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      observe(observed, call, "execSync");
      const timer = setTimeout(() => callback(null, { exitCode: 0 }), 10_000);
      call.on("cancelled", () => clearTimeout(timer));
    },
    // Three events, then the end; with an `x-keep-open` header the stream stays open until canceled.
    getContainerEvents(call: ServerWritableStream<unknown, unknown>) {
      observe(observed, call, "getContainerEvents");
      for (let i = 1; i <= 3; i++) call.write({ containerId: `c${i}`, createdAt: BigInt(i) });
      if (call.metadata.get("x-keep-open").length === 0) call.end();
    },
    // Two batches, then an error status.
    streamPodSandboxes(call: ServerWritableStream<unknown, unknown>) {
      observe(observed, call, "streamPodSandboxes");
      call.write({ podSandboxes: [{ id: "s1" }] });
      call.write({ podSandboxes: [{ id: "s2" }] });
      const { code, details } = kubeletKitErrorToGrpcStatus(
        new KubeletKitError("Internal", "runtime exploded"),
      );
      call.emit("error", { code, details });
    },
  };
  const images: UntypedServiceImplementation = {
    // One image whose tags add up to `x-size-mib` MiB.
    listImages(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      observe(observed, call, "listImages");
      const mib = Number(call.metadata.get("x-size-mib")[0] ?? 0);
      callback(null, {
        images: [{ id: "sha256:big", repoTags: Array.from({ length: mib }, () => "x".repeat(MiB)) }],
      });
    },
  };
  server.addService(toGrpcServiceDefinition(RuntimeService), runtime);
  server.addService(toGrpcServiceDefinition(ImageService), images);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    );
  });
  return {
    observed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        // forceShutdown is synchronous for open connections; give the socket a tick to close.
        setImmediate(resolve);
      }),
  };
}

async function caught(promise: Promise<unknown>): Promise<KubeletKitError> {
  try {
    await promise;
  } catch (err) {
    if (isKubeletKitError(err)) return err;
    throw new Error(`expected a KubeletKitError, got ${String(err)}`);
  }
  throw new Error("expected the call to fail");
}

async function caughtIteration(iterable: AsyncIterable<unknown>): Promise<KubeletKitError> {
  return caught(
    (async () => {
      for await (const _ of iterable) {
        // drain
      }
    })(),
  );
}

function expectCode(err: KubeletKitError, code: KubeletKitErrorCode): void {
  expect(err.code, err.message).toBe(code);
}

async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("CRI client over a real gRPC unix socket", () => {
  let dir: string;
  let socketPath: string;
  let runtime: TestRuntime;
  const clients: { close(): void }[] = [];

  function connect(options: Parameters<typeof createRuntimeService>[0] = {}): RuntimeServiceClient {
    const client = createRuntimeService({ endpoint: `unix://${socketPath}`, ...options });
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cri-client-"));
    socketPath = join(dir, "runtime.sock");
    runtime = await startRuntime(socketPath);
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe("connecting", () => {
    it("answers Version over unix:///path and sends :authority localhost", async () => {
      const response = await connect().version({ version: "v1" });
      expect(response).toMatchObject({
        runtimeName: "test",
        runtimeVersion: "1.0.0",
        runtimeApiVersion: "v1",
      });
      expect(runtime.observed.hosts).toEqual(["localhost"]);
    });

    it("accepts a bare absolute socket path", async () => {
      const client = createRuntimeService({ endpoint: socketPath });
      clients.push(client);
      expect((await client.version()).runtimeName).toBe("test");
    });

    it("rejects a non-unix endpoint with InvalidArgument naming it", () => {
      expect(() => createRuntimeService({ endpoint: "tcp://127.0.0.1:10010" })).toThrow(
        /InvalidArgument.*tcp:\/\/127\.0\.0\.1:10010/,
      );
    });

    it("refuses options with neither endpoint nor transport", () => {
      expect(() => createImageService({})).toThrow(/InvalidArgument/);
    });

    it("decodes int64 fields as bigint", async () => {
      const { containers } = await connect().listContainers({});
      expect(containers.map((c) => [c.id, c.createdAt])).toEqual([["c1", 1_700_000_000_000_000_000n]]);
    });

    it("fails with Unavailable after close()", async () => {
      const client = connect();
      await client.version();
      client.close();
      expectCode(await caught(client.version()), "Unavailable");
    });

    it("lets two service clients share one transport, which the caller closes", async () => {
      const transport = createGrpcTransport({ endpoint: socketPath });
      const runtimeClient = createRuntimeService({ transport });
      const imageClient = createImageService({ transport });
      await runtimeClient.version();
      runtimeClient.close(); // does not close a transport it was given
      expect((await imageClient.listImages()).images).toHaveLength(1);
      transport.close();
      expectCode(await caught(imageClient.listImages()), "Unavailable");
    });
  });

  describe("errors", () => {
    it("maps a runtime's NotFound, keeping its message", async () => {
      const err = await caught(connect().containerStatus({ containerId: "abc" }));
      expectCode(err, "NotFound");
      expect(err.rawMessage).toBe('container "abc" not found');
      expect(err.details).toEqual({ grpcCode: 5 });
    });

    it("answers Unimplemented for an RPC the runtime does not serve", async () => {
      expectCode(await caught(connect().status({})), "Unimplemented");
    });

    it("fails with DeadlineExceeded after the per-call timeoutMs and sends the deadline to the runtime", async () => {
      const err = await caught(connect().execSync({ containerId: "c1", cmd: ["sleep"] }, { timeoutMs: 100 }));
      expectCode(err, "DeadlineExceeded");
      const [remainingMs] = runtime.observed.deadlinesMs;
      expect(remainingMs).toBeGreaterThan(0);
      expect(remainingMs).toBeLessThanOrEqual(100);
      await eventually(() => runtime.observed.cancelled.includes("execSync"));
    });

    it("applies the client's timeoutMs to every unary call", async () => {
      expectCode(
        await caught(connect({ timeoutMs: 50 }).execSync({ containerId: "c1" })),
        "DeadlineExceeded",
      );
    });

    it("sends the default 2 min deadline", async () => {
      await connect().version();
      const [remainingMs] = runtime.observed.deadlinesMs;
      expect(remainingMs).toBeGreaterThan(110_000);
      expect(remainingMs).toBeLessThanOrEqual(120_000);
    });

    it("fails with Canceled when the caller aborts, and cancels the runtime's call", async () => {
      const controller = new AbortController();
      const pending = connect().execSync({ containerId: "c1" }, { signal: controller.signal });
      await eventually(() => runtime.observed.deadlinesMs.length === 1);
      controller.abort();
      expectCode(await caught(pending), "Canceled");
      await eventually(() => runtime.observed.cancelled.includes("execSync"));
    });

    it("fails with Canceled without calling the runtime when the signal is already aborted", async () => {
      const err = await caught(connect().version({}, { signal: AbortSignal.abort() }));
      expectCode(err, "Canceled");
      expect(runtime.observed.hosts).toEqual([]);
    });

    it("keeps a KubeletKitError the caller aborts with (e.g. a parent deadline)", async () => {
      const controller = new AbortController();
      const parentDeadline = new KubeletKitError("DeadlineExceeded", "pod sync deadline");
      const pending = connect().execSync({ containerId: "c1" }, { signal: controller.signal });
      controller.abort(parentDeadline);
      expect(await caught(pending)).toBe(parentDeadline);
    });
  });

  describe("message size", () => {
    const sized = (mib: number) => ({ headers: { "x-size-mib": String(mib) } });

    it("receives responses above gRPC's 4 MiB default", async () => {
      const images = createImageService({ endpoint: socketPath });
      clients.push(images);
      const { images: list } = await images.listImages({}, sized(6));
      expect(list[0]?.repoTags).toHaveLength(6);
    });

    it("fails with ResourceExhausted on a response above 16 MiB", async () => {
      const images = createImageService({ endpoint: socketPath });
      clients.push(images);
      expectCode(await caught(images.listImages({}, sized(17))), "ResourceExhausted");
    });

    it("honours a smaller maxMessageBytes", async () => {
      const images = createImageService({ endpoint: socketPath, maxMessageBytes: MiB });
      clients.push(images);
      expectCode(await caught(images.listImages({}, sized(2))), "ResourceExhausted");
    });
  });

  describe("server streams", () => {
    const keepOpen = { "x-keep-open": "1" };

    it("iterates a server stream to its end", async () => {
      const ids: string[] = [];
      for await (const event of connect().getContainerEvents({})) ids.push(event.containerId);
      expect(ids).toEqual(["c1", "c2", "c3"]);
    });

    it("does not start the call until iterated", async () => {
      connect().getContainerEvents({});
      await connect().version();
      expect(runtime.observed.hosts).toHaveLength(1);
    });

    it("cancels the runtime's stream when the consumer stops early", async () => {
      for await (const event of connect().getContainerEvents({}, { headers: keepOpen })) {
        expect(event.containerId).toBe("c1");
        break;
      }
      await eventually(() => runtime.observed.cancelled.includes("getContainerEvents"));
    });

    it("has no deadline by default, even when the client's timeoutMs is short", async () => {
      const controller = new AbortController();
      const received: string[] = [];
      const done = caught(
        (async () => {
          for await (const event of connect({ timeoutMs: 20 }).getContainerEvents(
            {},
            { headers: keepOpen, signal: controller.signal },
          )) {
            received.push(event.containerId);
          }
        })(),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(runtime.observed.deadlinesMs).toEqual([Number.POSITIVE_INFINITY]);
      controller.abort();
      expectCode(await done, "Canceled");
      expect(received).toEqual(["c1", "c2", "c3"]);
      await eventually(() => runtime.observed.cancelled.includes("getContainerEvents"));
    });

    it("ends with DeadlineExceeded when the caller gives the stream a timeoutMs", async () => {
      const err = await caughtIteration(
        connect().getContainerEvents({}, { headers: keepOpen, timeoutMs: 100 }),
      );
      expectCode(err, "DeadlineExceeded");
    });

    it("delivers the messages sent before a stream's error status, then the error", async () => {
      const ids: string[] = [];
      const err = await caught(
        (async () => {
          for await (const batch of connect().streamPodSandboxes({})) {
            ids.push(...batch.podSandboxes.map((s) => s.id));
          }
        })(),
      );
      expect(ids).toEqual(["s1", "s2"]);
      expectCode(err, "Internal");
      expect(err.rawMessage).toBe("runtime exploded");
    });

    it("fails with Unimplemented on first iteration when the runtime lacks the stream", async () => {
      // containerd 1.6 answers GetContainerEvents this way; the PLEG falls back to relisting.
      expectCode(await caughtIteration(connect().streamContainers({})), "Unimplemented");
    });
  });

  it("runs interceptors outermost first, and lets them add headers", async () => {
    const order: string[] = [];
    const tag =
      (name: string): Interceptor =>
      (next) =>
      async (req) => {
        order.push(`${name}>`);
        const response = await next({
          ...req,
          ctx: { ...req.ctx, headers: { ...req.ctx.headers, [`x-${name}`]: "1" } },
        });
        order.push(`<${name}`);
        return response;
      };
    await connect({ interceptors: [tag("outer"), tag("inner")] }).version(
      {},
      { headers: { "x-caller": "1" } },
    );
    expect(order).toEqual(["outer>", "inner>", "<inner", "<outer"]);
    expect(runtime.observed.headers[0]).toMatchObject({ "x-caller": "1", "x-outer": "1", "x-inner": "1" });
  });

  it("with an interceptor, still ends the call and cancels the runtime's at the deadline or the caller's abort", async () => {
    const seen: string[] = [];
    const spy: Interceptor = (next) => (req) => {
      seen.push(req.ctx.method.name);
      return next(req);
    };
    const client = connect({ interceptors: [spy] });
    expectCode(await caught(client.execSync({ containerId: "c1" }, { timeoutMs: 100 })), "DeadlineExceeded");
    await eventually(() => runtime.observed.cancelled.length === 1);

    const controller = new AbortController();
    const pending = client.execSync({ containerId: "c1" }, { signal: controller.signal });
    await eventually(() => runtime.observed.deadlinesMs.length === 2);
    controller.abort();
    expectCode(await caught(pending), "Canceled");
    await eventually(() => runtime.observed.cancelled.length === 2);
    expect(seen).toEqual(["ExecSync", "ExecSync"]);
  });

  it("cancels the runtime's call at the deadline when an interceptor passes on a copy of the context", async () => {
    const copy: Interceptor = (next) => (req) =>
      next({ ...req, ctx: { ...req.ctx, headers: { ...req.ctx.headers, "x-copy": "1" } } });
    const err = await caught(
      connect({ interceptors: [copy] }).execSync({ containerId: "c1" }, { timeoutMs: 100 }),
    );
    expectCode(err, "DeadlineExceeded");
    expect(runtime.observed.headers[0]).toMatchObject({ "x-copy": "1" });
    await eventually(() => runtime.observed.cancelled.includes("execSync"));
  });

  it("cancels every runtime call an interceptor started for one call when the caller aborts", async () => {
    const twice: Interceptor = (next) => (req) =>
      Promise.all([next(req), next(req)]).then(([first]) => first);
    const controller = new AbortController();
    const pending = connect({ interceptors: [twice] }).execSync(
      { containerId: "c1" },
      { signal: controller.signal },
    );
    await eventually(() => runtime.observed.deadlinesMs.length === 2);
    controller.abort();
    expectCode(await caught(pending), "Canceled");
    await eventually(() => runtime.observed.cancelled.length === 2);
  });

  it("sends every call through a transport's replaced unary, in a copy or a proxy of the gRPC transport", async () => {
    const transport = createGrpcTransport({ endpoint: socketPath });
    const methods: string[] = [];
    const unary: CriTransport["unary"] = (ctx, input, output, request) => {
      methods.push(ctx.method.name);
      return transport.unary(ctx, input, output, request);
    };
    const copy: CriTransport = { ...transport, unary };
    const proxy = new Proxy(transport, {
      get: (target, key) => (key === "unary" ? unary : Reflect.get(target, key)),
    });
    try {
      for (const wrapped of [copy, proxy]) {
        const client = createRuntimeService({ transport: wrapped });
        expect((await client.version()).runtimeName).toBe("test");
        expectCode(await caught(client.containerStatus({ containerId: "abc" })), "NotFound");
      }
      expect(methods).toEqual(["Version", "ContainerStatus", "Version", "ContainerStatus"]);
    } finally {
      transport.close();
    }
  });

  it("survives a runtime restart: Unavailable while it is down, answers again once it is back", async () => {
    const client = connect();
    await client.version();

    await runtime.stop();
    expectCode(await caught(client.version()), "Unavailable");
    expectCode(await caught(client.version()), "Unavailable");

    await rm(socketPath, { force: true });
    runtime = await startRuntime(socketPath);
    // grpc-js redials after its reconnect back-off (capped at 2 s by the transport's defaults).
    const start = Date.now();
    let lastError: unknown;
    while (Date.now() - start < 10_000) {
      try {
        expect((await client.version()).runtimeName).toBe("test");
        return;
      } catch (err) {
        lastError = err;
        expect(isKubeletKitError(err, "Unavailable"), String(err)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw lastError;
  });
});
