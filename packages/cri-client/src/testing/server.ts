import { lstat, mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { create, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { CRI_MAX_MESSAGE_BYTES, KubeletKitError } from "@kubelet-kit/core";
import { ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import { toGrpcServiceDefinition } from "../grpc/service-definition.js";
import { kubeletKitErrorToGrpcStatus } from "../grpc/status.js";
import type { HandlerContext } from "../types.js";
import { createFakeRuntime, type FakeRuntime, type FakeRuntimeOptions } from "./fake-runtime.js";

/** Options of {@link serveFakeRuntime}. */
export interface ServeFakeRuntimeOptions {
  /** Where to listen (absolute path). A stale socket there is removed; any other file is an error. */
  socketPath: string;
  /** The runtime to serve, or options to create one (closed with the server). Default: a new default fake. */
  runtime?: FakeRuntime | FakeRuntimeOptions;
  /** Largest message received or sent, in bytes. Default 16 MiB, as the kubelet. */
  maxMessageBytes?: number;
}

/** A fake runtime served over a real gRPC unix socket. */
export interface FakeRuntimeServer {
  readonly runtime: FakeRuntime;
  readonly socketPath: string;
  /** `unix://<socketPath>`, for `--container-runtime-endpoint` and `createRuntimeService({ endpoint })`. */
  readonly endpoint: string;
  /** Stops serving (open calls are canceled) and removes the socket; closes the runtime if it created it. */
  close(): Promise<void>;
}

/**
 * Serves a fake runtime's RuntimeService and ImageService with grpc-js on a unix socket, as containerd
 * does, so any CRI client (ours, crictl, a kubelet) can use it. Go clients must send `:authority:
 * localhost` (current kubelets and k8s.io/cri-client do); Node's HTTP/2 rejects a socket path as authority.
 *
 * @example
 * ```ts
 * const served = await serveFakeRuntime({ socketPath: "/tmp/fake-cri.sock" });
 * const runtime = createRuntimeService({ endpoint: served.endpoint });
 * ```
 */
export async function serveFakeRuntime(options: ServeFakeRuntimeOptions): Promise<FakeRuntimeServer> {
  const { socketPath } = options;
  const ownsRuntime = options.runtime === undefined || !isFakeRuntime(options.runtime);
  const runtime = isFakeRuntime(options.runtime) ? options.runtime : createFakeRuntime(options.runtime ?? {});
  const maxBytes = options.maxMessageBytes ?? CRI_MAX_MESSAGE_BYTES;

  await removeStaleSocket(socketPath);
  await mkdir(dirname(socketPath), { recursive: true });
  const server = new Server({
    "grpc.max_receive_message_length": maxBytes,
    "grpc.max_send_message_length": maxBytes,
  });
  server.addService(
    toGrpcServiceDefinition(RuntimeService),
    createGrpcImplementation(RuntimeService, runtime.runtimeHandlers),
  );
  server.addService(
    toGrpcServiceDefinition(ImageService),
    createGrpcImplementation(ImageService, runtime.imageHandlers),
  );
  const endpoint = `unix://${socketPath}`;
  try {
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(endpoint, ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      );
    });
  } catch (err) {
    server.forceShutdown();
    if (ownsRuntime) runtime.close();
    throw new KubeletKitError("Unavailable", `cannot listen on ${endpoint}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  let closing: Promise<void> | undefined;
  return {
    runtime,
    socketPath,
    endpoint,
    close() {
      closing ??= (async () => {
        // A fake is not drained: open calls (event streams included) end with CANCELLED, as when a runtime dies.
        server.forceShutdown();
        if (ownsRuntime) runtime.close();
        await rm(socketPath, { force: true });
      })();
      return closing;
    },
  };
}

/**
 * Adapts `ServiceHandlers` (protobuf-es messages, `KubeletKitError`s) to a grpc-js service implementation:
 * unary handlers answer through the callback, streaming handlers are iterated into the call; thrown errors
 * become gRPC statuses; a client cancel (or deadline) aborts the handler's signal.
 */
export function createGrpcImplementation(
  service: DescService,
  handlers: object,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, unknown>)[method.localName];
    if (typeof handler !== "function") continue;
    const call = handler as (request: Message, ctx: HandlerContext) => unknown;
    if (method.methodKind === "unary") implementation[method.localName] = unaryImplementation(method, call);
    else if (method.methodKind === "server_streaming")
      implementation[method.localName] = streamImplementation(method, call);
  }
  return implementation;
}

type Handler = (request: Message, ctx: HandlerContext) => unknown;

function unaryImplementation(method: DescMethod, handler: Handler) {
  return (call: ServerUnaryCall<Message, unknown>, callback: sendUnaryData<unknown>): void => {
    const ctx = contextOf(call, method);
    Promise.resolve()
      .then(() => handler(call.request, ctx))
      .then(
        (response) => callback(null, create(method.output, response as never)),
        (err: unknown) => callback(toServiceError(err)),
      );
  };
}

function streamImplementation(method: DescMethod, handler: Handler) {
  return async (call: ServerWritableStream<Message, unknown>): Promise<void> => {
    const ctx = contextOf(call, method);
    try {
      for await (const message of handler(call.request, ctx) as AsyncIterable<unknown>) {
        if (call.cancelled) break;
        call.write(create(method.output, message as never));
      }
      if (!call.cancelled) call.end();
    } catch (err) {
      if (!call.cancelled) call.emit("error", toServiceError(err));
    }
  };
}

function contextOf(
  call: ServerUnaryCall<Message, unknown> | ServerWritableStream<Message, unknown>,
  method: DescMethod,
): HandlerContext {
  const controller = new AbortController();
  call.on("cancelled", () => {
    controller.abort(new KubeletKitError("Canceled", `${method.name} was canceled by the client`));
  });
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.metadata.getMap())) headers[key] = value.toString();
  return { signal: controller.signal, method, headers };
}

function toServiceError(err: unknown): ServiceError {
  const { code, details } = kubeletKitErrorToGrpcStatus(err);
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

function isFakeRuntime(value: FakeRuntime | FakeRuntimeOptions | undefined): value is FakeRuntime {
  return value !== undefined && "runtimeHandlers" in value && "imageHandlers" in value;
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    const stat = await lstat(path);
    if (!stat.isSocket()) {
      throw new KubeletKitError(
        "InvalidArgument",
        `${path} exists and is not a socket; refusing to replace it`,
      );
    }
    await rm(path, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
