import { lstat, mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { create, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import {
  Metadata,
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { CRI_MAX_MESSAGE_BYTES, KubeletKitError } from "@kubelet-kit/core";
import { ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import { kubeletKitErrorToGrpcStatus } from "../grpc/status.js";
import type { HandlerContext } from "../types.js";
import { createFakeRuntime, type FakeRuntime, type FakeRuntimeOptions } from "./fake-runtime.js";
import { decodeMessage } from "./wire-decoder.js";
import { encodeMessage } from "./wire-encoder.js";

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
    // Not "grpc.enable_channelz": 0, which would save a little per call: grpc-js then stops tracking
    // sessions, and forceShutdown leaves open connections served (a stopped runtime would still answer).
  });
  server.addService(
    servedServiceDefinition(RuntimeService),
    implementationOf(RuntimeService, runtime.runtimeHandlers, asIs),
  );
  server.addService(
    servedServiceDefinition(ImageService),
    implementationOf(ImageService, runtime.imageHandlers, asIs),
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
 * The grpc-js definition of `service` as the fake serves it: requests decoded by {@link decodeMessage} (the
 * message `fromBinary` gives), responses (messages or init objects) encoded by {@link encodeMessage} (the
 * bytes `create` and `toBinary` give), both computed faster than protobuf-es does.
 */
function servedServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const { input, output, methodKind } = method;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: methodKind === "client_streaming" || methodKind === "bidi_streaming",
      responseStream: methodKind === "server_streaming" || methodKind === "bidi_streaming",
      requestSerialize: (value) => encodeMessage(input, value as never),
      requestDeserialize: (bytes) => decodeMessage(input, bytes),
      responseSerialize: (value) => encodeMessage(output, value as never),
      responseDeserialize: (bytes) => decodeMessage(output, bytes),
      originalName: method.name,
    };
  }
  return definition;
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
  return implementationOf(service, handlers, (method, value) => create(method.output, value as never));
}

/**
 * {@link createGrpcImplementation} with `toResponse` making what the call is answered with from what a
 * handler returns: a message for any serializer, or (served fake) the init object itself, which
 * {@link servedServiceDefinition}'s serializer encodes without building a message first.
 */
function implementationOf(
  service: DescService,
  handlers: object,
  toResponse: ToResponse,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, unknown>)[method.localName];
    if (typeof handler !== "function") continue;
    const call = handler as (request: Message, ctx: HandlerContext) => unknown;
    if (method.methodKind === "unary")
      implementation[method.localName] = unaryImplementation(method, call, toResponse);
    else if (method.methodKind === "server_streaming")
      implementation[method.localName] = streamImplementation(method, call, toResponse);
  }
  return implementation;
}

type ToResponse = (method: DescMethod, value: unknown) => unknown;

const asIs: ToResponse = (_method, value) => value;

type Handler = (request: Message, ctx: HandlerContext) => unknown;

function unaryImplementation(method: DescMethod, handler: Handler, toResponse: ToResponse) {
  return (call: ServerUnaryCall<Message, unknown>, callback: sendUnaryData<unknown>): void => {
    const ctx = new ServedCallContext(call, method);
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(handler(call.request, ctx));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (response) => {
        ctx.finish();
        let answer: unknown;
        try {
          answer = toResponse(method, response);
        } catch (err) {
          callback(toServiceError(err));
          return;
        }
        callback(null, answer);
      },
      (err: unknown) => {
        ctx.finish();
        callback(toServiceError(err));
      },
    );
  };
}

function streamImplementation(method: DescMethod, handler: Handler, toResponse: ToResponse) {
  return async (call: ServerWritableStream<Message, unknown>): Promise<void> => {
    const ctx = new ServedCallContext(call, method);
    try {
      for await (const message of handler(call.request, ctx) as AsyncIterable<unknown>) {
        if (call.cancelled) break;
        call.write(toResponse(method, message));
      }
      ctx.finish();
      if (!call.cancelled) call.end();
    } catch (err) {
      ctx.finish();
      if (!call.cancelled) call.emit("error", toServiceError(err));
    }
  };
}

/**
 * A served call's {@link HandlerContext}. The signal and the headers are made when a handler first reads
 * them (most never do). grpc-js reports every call's stream closing as a cancel, after the answer too: a
 * cancel aborts the signal only while the handler is still running.
 */
class ServedCallContext implements HandlerContext {
  readonly method: DescMethod;
  readonly #call: ServerUnaryCall<Message, unknown> | ServerWritableStream<Message, unknown>;
  #controller: AbortController | undefined;
  #headers: Record<string, string> | undefined;
  #finished = false;

  constructor(
    call: ServerUnaryCall<Message, unknown> | ServerWritableStream<Message, unknown>,
    method: DescMethod,
  ) {
    this.method = method;
    this.#call = call;
    call.once("cancelled", () => {
      if (this.#finished) return;
      this.#abortController().abort(
        new KubeletKitError("Canceled", `${method.name} was canceled by the client`),
      );
    });
  }

  get signal(): AbortSignal {
    return this.#abortController().signal;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === undefined) {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(this.#call.metadata.getMap()))
        headers[key] = value.toString();
      this.#headers = headers;
    }
    return this.#headers;
  }

  /** The handler is done: later cancels (grpc-js sends one when the stream closes) change nothing. */
  finish(): void {
    this.#finished = true;
  }

  #abortController(): AbortController {
    this.#controller ??= new AbortController();
    return this.#controller;
  }
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
