import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import { isKubeletKitError, type KubeletKitError } from "@kubelet-kit/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRuntimeService, type RuntimeServiceClient } from "../client.js";
import type { Interceptor } from "../types.js";

// A runtime that misbehaves on purpose, written directly on HTTP/2 (a grpc-js server cannot answer OK
// without a message, or send two messages on a unary call): each RPC below answers one way.

/** One gRPC length-prefixed message. */
function frame(bytes: readonly number[]): Buffer {
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes).copy(out, 5);
  return out;
}

function answer(stream: ServerHttp2Stream, messages: Buffer[], trailers: Record<string, string>): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers(trailers));
  for (const message of messages) stream.write(message);
  stream.end();
}

const ANSWERS: Record<string, (stream: ServerHttp2Stream) => void> = {
  // OK, but no message.
  "/runtime.v1.RuntimeService/Version": (stream) => answer(stream, [], { "grpc-status": "0" }),
  // Two (empty) messages on a unary call.
  "/runtime.v1.RuntimeService/Status": (stream) =>
    answer(stream, [frame([]), frame([])], { "grpc-status": "0" }),
  // Field 1 announces 5 bytes and has 1: no decoder can read it.
  "/runtime.v1.RuntimeService/ListContainers": (stream) =>
    answer(stream, [frame([0x0a, 0x05, 0x01])], { "grpc-status": "0" }),
  // A trailers-only error answer.
  "/runtime.v1.RuntimeService/ContainerStatus": (stream) =>
    stream.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "nope" },
      { endStream: true },
    ),
};

async function caught(promise: Promise<unknown>): Promise<KubeletKitError> {
  try {
    await promise;
  } catch (err) {
    if (isKubeletKitError(err)) return err;
    throw new Error(`expected a KubeletKitError, got ${String(err)}`);
  }
  throw new Error("expected the call to fail");
}

const passThrough: Interceptor = (next) => (req) => next(req);

describe.each([
  { path: "without interceptors (the direct path)", interceptors: [] },
  { path: "through an interceptor (the context path)", interceptors: [passThrough] },
])("a unary call $path, against a runtime that answers badly", ({ interceptors }) => {
  let dir: string;
  let server: Http2Server;
  let client: RuntimeServiceClient;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cri-unary-"));
    const socketPath = join(dir, "runtime.sock");
    server = createServer();
    server.on("stream", (stream, headers) => {
      stream.on("error", () => {});
      stream.resume(); // the request body is not needed
      ANSWERS[String(headers[":path"])]?.(stream);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    client = createRuntimeService({ endpoint: socketPath, interceptors });
  });

  afterEach(async () => {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("fails with Unimplemented when an OK answer has no message", async () => {
    const err = await caught(client.version({}));
    expect(err.code).toBe("Unimplemented");
    expect(err.rawMessage).toBe("No message received");
  });

  it("fails with Unimplemented when a unary answer has two messages", async () => {
    const err = await caught(client.status({}));
    expect(err.code).toBe("Unimplemented");
    expect(err.rawMessage).toBe("Too many responses received");
  });

  it("fails with Internal when the response cannot be decoded", async () => {
    const err = await caught(client.listContainers({}));
    expect(err.code).toBe("Internal");
    expect(err.rawMessage).toMatch(/^Response message parsing error: /);
  });

  it("fails with Internal, before anything is sent, when the request cannot be encoded", async () => {
    const err = await caught(client.execSync({ containerId: "c1", timeout: "soon" as never }));
    expect(err.code).toBe("Internal");
    expect(err.rawMessage).toMatch(/^Request message serialization failure: .*ExecSyncRequest\.timeout/);
  });

  it("maps an error status, keeping grpc-js's error as the cause", async () => {
    const err = await caught(client.containerStatus({ containerId: "abc" }));
    expect(err.code).toBe("NotFound");
    expect(err.rawMessage).toBe("nope");
    expect(err.details).toEqual({ grpcCode: 5 });
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause).toMatchObject({ message: "5 NOT_FOUND: nope", code: 5, details: "nope" });
    expect((err.cause as { metadata: unknown }).metadata).toBeInstanceOf(Metadata);
  });
});
