import type {
  DescMessage,
  DescMethod,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { Clock, Logger } from "@kubelet-kit/core";

/** Per-call options accepted by every client method. */
export interface CallOptions {
  /** Deadline for this call in milliseconds. Default: the client's `timeoutMs` (2 min, as the kubelet). */
  timeoutMs?: number;
  /** Cancels the call; the promise rejects (or the stream ends) with a `Canceled` KubeletKitError. */
  signal?: AbortSignal;
  /** Extra request metadata (gRPC headers). */
  headers?: Record<string, string>;
}

/** Everything a transport needs to perform one call. Built by the client from `CallOptions` and defaults. */
export interface CallContext {
  readonly service: DescService;
  readonly method: DescMethod;
  /** Absolute deadline in ms since epoch (from the client's clock), or undefined for no deadline. */
  readonly deadlineMs: number | undefined;
  /** Combined signal: the caller's signal and the deadline timer. Always present. */
  readonly signal: AbortSignal;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Moves messages to a runtime and back. Implementations: the gRPC transport over a unix socket
 * (`createGrpcTransport`) and the in-memory transport of the fake runtime (`./testing`).
 * Transports throw `KubeletKitError` (already mapped) and never retry.
 */
export interface CriTransport {
  unary<I extends DescMessage, O extends DescMessage>(
    ctx: CallContext,
    input: I,
    output: O,
    request: MessageShape<I>,
  ): Promise<MessageShape<O>>;
  serverStream<I extends DescMessage, O extends DescMessage>(
    ctx: CallContext,
    input: I,
    output: O,
    request: MessageShape<I>,
  ): AsyncIterable<MessageShape<O>>;
  /** Closes connections. Calls made afterwards fail with `Unavailable`. */
  close(): void;
}

/** A unary call as seen by interceptors. */
export interface UnaryRequest {
  readonly ctx: CallContext;
  readonly message: unknown;
}
export type UnaryNext = (req: UnaryRequest) => Promise<unknown>;
/** Wraps unary calls: logging, metrics, retries. `(next) => async (req) => next(req)`. */
export type Interceptor = (next: UnaryNext) => UnaryNext;

type MethodCall<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? (request?: MessageInitShape<I>, options?: CallOptions) => Promise<MessageShape<O>>
  : M extends {
        methodKind: "server_streaming";
        input: infer I extends DescMessage;
        output: infer O extends DescMessage;
      }
    ? (request?: MessageInitShape<I>, options?: CallOptions) => AsyncIterable<MessageShape<O>>
    : never;

/** A typed client for a generated service: one method per RPC, named as protobuf-es names them (camelCase). */
export type ServiceClient<S extends { method: Record<string, unknown> }> = {
  readonly [K in keyof S["method"]]: MethodCall<S["method"][K]>;
};

type HandlerFor<M> = M extends {
  methodKind: "unary";
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? (request: MessageShape<I>, ctx: HandlerContext) => Promise<MessageInitShape<O>> | MessageInitShape<O>
  : M extends {
        methodKind: "server_streaming";
        input: infer I extends DescMessage;
        output: infer O extends DescMessage;
      }
    ? (request: MessageShape<I>, ctx: HandlerContext) => AsyncIterable<MessageInitShape<O>>
    : never;

/** What a server-side implementation sees of a call. */
export interface HandlerContext {
  readonly signal: AbortSignal;
  readonly method: DescMethod;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A server-side implementation of a service. Handlers throw `KubeletKitError` for gRPC errors
 * (the gRPC server maps the code to a status). Methods left out answer `Unimplemented`.
 */
export type ServiceHandlers<S extends { method: Record<string, unknown> }> = {
  [K in keyof S["method"]]?: HandlerFor<S["method"][K]>;
};

/** Options shared by `createRuntimeService` and `createImageService`. */
export interface CriClientOptions {
  /** `unix:///path/to.sock` or a bare absolute path. Mirrors `--container-runtime-endpoint`. Ignored when `transport` is given. */
  endpoint?: string;
  /** A ready transport (e.g. the fake runtime's in-memory transport). Takes precedence over `endpoint`. */
  transport?: CriTransport;
  /** Default per-call deadline. Default 120 000 ms (the kubelet's `--runtime-request-timeout`). */
  timeoutMs?: number;
  /** Largest message sent or received. Default 16 MiB, as the kubelet. */
  maxMessageBytes?: number;
  /** Unary interceptors, outermost first. */
  interceptors?: readonly Interceptor[];
  clock?: Clock;
  logger?: Logger;
}
