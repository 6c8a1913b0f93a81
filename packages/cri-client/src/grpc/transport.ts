import type { DescMessage, DescMethod, DescService, Message, MessageShape } from "@bufbuild/protobuf";
import {
  type ChannelOptions,
  Client,
  credentials,
  type CallOptions as GrpcCallOptions,
  type MethodDefinition,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import {
  type Clock,
  CRI_MAX_MESSAGE_BYTES,
  createNoopLogger,
  createRealClock,
  isKubeletKitError,
  KubeletKitError,
  type Logger,
} from "@kubelet-kit/core";
import { type CallEnd, type Cancelable, type UnaryCallSink, withDirectUnary } from "../direct-unary.js";
import type { CallContext, CriTransport } from "../types.js";
import { parseCriEndpoint } from "./endpoint.js";
import { FAST_RESPONSE_DECODERS } from "./fast-decode.js";
import { toGrpcServiceDefinition } from "./service-definition.js";
import { isGrpcServiceError } from "./status.js";
import { callStatusErrorToKubeletKitError, startGrpcUnaryCall, toMetadata } from "./unary-call.js";

/** Options of {@link createGrpcTransport}. */
export interface GrpcTransportOptions {
  /** `unix:///path/to.sock` or a bare absolute path. Mirrors `--container-runtime-endpoint`. Required. */
  endpoint: string;
  /** Largest message sent or received, in bytes. Default 16 MiB (the kubelet's `maxMsgSize`). */
  maxMessageBytes?: number;
  /**
   * The clock `CallContext.deadlineMs` was computed on; the remaining time is sent to the runtime as the
   * gRPC deadline. Default: the real clock.
   */
  clock?: Clock;
  /** Default: no-op. */
  logger?: Logger;
  /**
   * HTTP/2 keepalive ping interval. Default: off, as the kubelet's CRI client (a unix socket needs no
   * liveness probing: a dead runtime closes it). containerd keeps grpc-go's enforcement policy (at most one
   * ping per 5 min, none without an active call) and closes the connection with `too_many_pings` when a
   * client pings faster, killing open streams; use ≥ 300 000 ms if you enable it.
   */
  keepaliveTimeMs?: number;
  /** First reconnect back-off after the runtime went away. Default 100 ms (grpc-js: 1 s). */
  initialReconnectBackoffMs?: number;
  /**
   * Longest reconnect back-off. Default 2 000 ms (grpc-js: 120 s), so calls succeed again within ~2 s of a
   * runtime restart; dialling a local socket is cheap.
   */
  maxReconnectBackoffMs?: number;
  /**
   * Raw grpc-js channel options, applied last. Default: none. The transport turns grpc-js's channelz off
   * (`"grpc.enable_channelz": 0`, it costs every call); pass `"grpc.enable_channelz": 1` to serve channelz.
   */
  channelOptions?: Partial<ChannelOptions>;
}

interface ResolvedGrpcTransportOptions {
  target: string;
  clock: Clock;
  logger: Logger;
  channelOptions: Partial<ChannelOptions>;
}

function resolveGrpcTransportOptions(options: GrpcTransportOptions): ResolvedGrpcTransportOptions {
  const { target } = parseCriEndpoint(options.endpoint);
  const maxMessageBytes = options.maxMessageBytes ?? CRI_MAX_MESSAGE_BYTES;
  const channelOptions: Partial<ChannelOptions> = {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    // Go servers accept any authority; Node servers (our fake) reject one containing the socket path.
    "grpc.default_authority": "localhost",
    "grpc.initial_reconnect_backoff_ms": options.initialReconnectBackoffMs ?? 100,
    "grpc.max_reconnect_backoff_ms": options.maxReconnectBackoffMs ?? 2_000,
    // grpc-js's channelz bookkeeping (timestamps, per-call trackers and closures at the channel, subchannel
    // and socket) cost 24–33 µs per call on our 2-core VM, and nothing here serves channelz.
    "grpc.enable_channelz": 0,
    ...(options.keepaliveTimeMs === undefined ? {} : { "grpc.keepalive_time_ms": options.keepaliveTimeMs }),
    ...options.channelOptions,
  };
  return {
    target,
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createNoopLogger(),
    channelOptions,
  };
}

/**
 * A {@link CriTransport} over grpc-js and a unix socket. One HTTP/2 channel serves every service; it
 * connects on the first call and reconnects on its own after the runtime restarts (calls made while the
 * runtime is down fail fast with `Unavailable`, they do not wait for it).
 */
export function createGrpcTransport(options: GrpcTransportOptions): CriTransport {
  const { target, clock, logger, channelOptions } = resolveGrpcTransportOptions(options);
  const client = new Client(target, credentials.createInsecure(), channelOptions);
  const channel = client.getChannel();
  const definitions = new Map<DescService, ServiceDefinition>();
  // Contexts the client built for its calls, with the call that ends them (see `adopt` below).
  const adopted = new WeakMap<CallContext, CallEnd>();
  let closed = false;
  logger.debug({ target }, "grpc transport created");

  function methodDefinition(service: DescService, method: DescMethod): MethodDefinition<unknown, unknown> {
    let definition = definitions.get(service);
    if (definition === undefined) {
      // Hand-written decoders for the list responses the kubelet polls; identical output to fromBinary.
      definition = toGrpcServiceDefinition(service, { responseDecoders: FAST_RESPONSE_DECODERS });
      definitions.set(service, definition);
    }
    const found = definition[method.localName];
    if (found === undefined) {
      throw new KubeletKitError("Internal", `method ${method.name} is not part of ${service.typeName}`);
    }
    return found;
  }

  function closedError(): KubeletKitError {
    return new KubeletKitError("Unavailable", `transport to ${target} is closed`);
  }

  function checkCallable(ctx: CallContext): void {
    if (closed) throw closedError();
    if (ctx.signal.aborted) throw abortError(ctx.signal);
  }

  // The deadline lives on the injected clock; the runtime needs it on the real one (ms since the epoch).
  function wallDeadline(deadlineMs: number | undefined): number {
    return deadlineMs === undefined
      ? Number.POSITIVE_INFINITY
      : Date.now() + Math.max(0, deadlineMs - clock.now());
  }

  function callOptions(ctx: CallContext): GrpcCallOptions {
    return ctx.deadlineMs === undefined ? {} : { deadline: wallDeadline(ctx.deadlineMs) };
  }

  function runUnary(sink: UnaryCallSink, request: unknown): void {
    try {
      if (closed) throw closedError();
      const definition = methodDefinition(sink.service, sink.method);
      startGrpcUnaryCall(channel, definition, request, wallDeadline(sink.deadlineMs), sink);
    } catch (err) {
      sink.fail(err);
    }
  }

  const transport: CriTransport = {
    unary<I extends DescMessage, O extends DescMessage>(
      ctx: CallContext,
      _input: I,
      _output: O,
      request: MessageShape<I>,
    ): Promise<MessageShape<O>> {
      return new Promise((resolve, reject) => {
        if (closed) throw closedError();
        const end = adopted.get(ctx) ?? new SignalEnd(ctx.signal);
        if (end.endReason !== undefined) throw end.endReason;
        runUnary(new ContextSink(ctx, end, resolve as (response: unknown) => void, reject), request);
      });
    },

    serverStream<I extends DescMessage, O extends DescMessage>(
      ctx: CallContext,
      _input: I,
      _output: O,
      request: MessageShape<I>,
    ): AsyncIterable<MessageShape<O>> {
      async function* stream(): AsyncGenerator<MessageShape<O>> {
        checkCallable(ctx);
        const { path, requestSerialize, responseDeserialize } = methodDefinition(ctx.service, ctx.method);
        const call = client.makeServerStreamRequest(
          path,
          requestSerialize,
          responseDeserialize,
          request,
          toMetadata(ctx.headers),
          callOptions(ctx),
        );
        // The iterator reports errors while it is attached; this keeps a late one (e.g. the CANCELLED that
        // follows our own cancel() after an early exit) from becoming an unhandled 'error' event.
        call.on("error", () => {});
        const onAbort = (): void => call.cancel();
        ctx.signal.addEventListener("abort", onAbort, { once: true });
        try {
          for await (const message of call) yield message as MessageShape<O>;
        } catch (err) {
          throw callError(ctx, err);
        } finally {
          ctx.signal.removeEventListener("abort", onAbort);
          // Ends the call when the consumer stopped early; a no-op once the server finished it.
          call.cancel();
        }
      }
      return { [Symbol.asyncIterator]: () => stream() };
    },

    close(): void {
      if (closed) return;
      closed = true;
      client.close();
      logger.debug({ target }, "grpc transport closed");
    },
  };
  return withDirectUnary(transport, {
    // A client without interceptors: the same call, without a context.
    call: (sink: UnaryCallSink, request: Message) => runUnary(sink, request),
    // A client with interceptors: when `ctx` reaches `unary` unchanged, watch the call, not its signal.
    adopt: (ctx: CallContext, end: CallEnd) => adopted.set(ctx, end),
  });
}

/**
 * A unary call made through the public `unary(ctx, …)`: settles the promise the transport returns. When the
 * call has ended from outside, the outcome is the end's reason, as the context's signal would say.
 */
class ContextSink implements UnaryCallSink {
  private settled = false;

  constructor(
    private readonly ctx: CallContext,
    private readonly end: CallEnd,
    private readonly resolve: (response: unknown) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}

  get service(): DescService {
    return this.ctx.service;
  }
  get method(): DescMethod {
    return this.ctx.method;
  }
  get deadlineMs(): number | undefined {
    return this.ctx.deadlineMs;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.ctx.headers;
  }

  watch(cancelable: Cancelable): void {
    this.end.watch(cancelable);
  }

  unwatch(cancelable: Cancelable): void {
    this.end.unwatch(cancelable);
  }

  succeed(response: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const reason = this.end.endReason;
    if (reason !== undefined) this.reject(reason);
    else this.resolve(response);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(this.end.endReason ?? error);
  }
}

/** The end of a call seen through a context's signal (a context the transport did not adopt). */
class SignalEnd implements CallEnd {
  private watched: Cancelable | undefined;
  private onAbort: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {}

  get endReason(): KubeletKitError | undefined {
    return this.signal.aborted ? abortError(this.signal) : undefined;
  }

  watch(cancelable: Cancelable): void {
    this.watched = cancelable;
    if (this.onAbort === undefined) {
      this.onAbort = () => this.watched?.cancel();
      this.signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  unwatch(cancelable: Cancelable): void {
    if (this.watched !== cancelable) return;
    this.watched = undefined;
    if (this.onAbort !== undefined) this.signal.removeEventListener("abort", this.onAbort);
    this.onAbort = undefined;
  }
}

function callError(ctx: CallContext, err: unknown): KubeletKitError {
  if (ctx.signal.aborted) return abortError(ctx.signal);
  return isGrpcServiceError(err) ? callStatusErrorToKubeletKitError(err) : KubeletKitError.from(err);
}

function abortError(signal: AbortSignal): KubeletKitError {
  const reason: unknown = signal.reason;
  return isKubeletKitError(reason) ? reason : KubeletKitError.from(reason, "Canceled");
}
