import type { DescMessage, DescService, MessageShape } from "@bufbuild/protobuf";
import {
  type ChannelOptions,
  Client,
  credentials,
  type CallOptions as GrpcCallOptions,
  Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  status,
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
import type { CallContext, CriTransport } from "../types.js";
import { parseCriEndpoint } from "./endpoint.js";
import { FAST_RESPONSE_DECODERS } from "./fast-decode.js";
import { toGrpcServiceDefinition } from "./service-definition.js";
import { grpcErrorToKubeletKitError, isGrpcServiceError } from "./status.js";

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
  /** Raw grpc-js channel options, applied last. Default: none. */
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
  const definitions = new Map<DescService, ServiceDefinition>();
  let closed = false;
  logger.debug({ target }, "grpc transport created");

  function methodDefinition(ctx: CallContext): MethodDefinition<unknown, unknown> {
    let definition = definitions.get(ctx.service);
    if (definition === undefined) {
      // Hand-written decoders for the list responses the kubelet polls; identical output to fromBinary.
      definition = toGrpcServiceDefinition(ctx.service, { responseDecoders: FAST_RESPONSE_DECODERS });
      definitions.set(ctx.service, definition);
    }
    const method = definition[ctx.method.localName];
    if (method === undefined) {
      throw new KubeletKitError(
        "Internal",
        `method ${ctx.method.name} is not part of ${ctx.service.typeName}`,
      );
    }
    return method;
  }

  function checkCallable(ctx: CallContext): void {
    if (closed) throw new KubeletKitError("Unavailable", `transport to ${target} is closed`);
    if (ctx.signal.aborted) throw abortError(ctx.signal);
  }

  function callOptions(ctx: CallContext): GrpcCallOptions {
    if (ctx.deadlineMs === undefined) return {};
    // The deadline lives on the injected clock; the runtime needs it on the real one.
    return { deadline: new Date(Date.now() + Math.max(0, ctx.deadlineMs - clock.now())) };
  }

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      ctx: CallContext,
      _input: I,
      _output: O,
      request: MessageShape<I>,
    ): Promise<MessageShape<O>> {
      return new Promise((resolve, reject) => {
        checkCallable(ctx);
        const { path, requestSerialize, responseDeserialize } = methodDefinition(ctx);
        const onAbort = (): void => call.cancel();
        const call = client.makeUnaryRequest(
          path,
          requestSerialize,
          responseDeserialize,
          request,
          toMetadata(ctx.headers),
          callOptions(ctx),
          (err, value) => {
            ctx.signal.removeEventListener("abort", onAbort);
            if (err || ctx.signal.aborted) reject(callError(ctx, err));
            else resolve(value as MessageShape<O>);
          },
        );
        ctx.signal.addEventListener("abort", onAbort, { once: true });
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
        const { path, requestSerialize, responseDeserialize } = methodDefinition(ctx);
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
}

function toMetadata(headers: Readonly<Record<string, string>>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

function callError(ctx: CallContext, err: unknown): KubeletKitError {
  if (ctx.signal.aborted) return abortError(ctx.signal);
  if (!isGrpcServiceError(err)) return KubeletKitError.from(err);
  if (err.code === status.CANCELLED) {
    // We did not cancel, so the connection went away under the call (grpc-js reports some drops as
    // CANCELLED "Call cancelled"). grpc-go reports these as Unavailable; so do we, so callers retry.
    return new KubeletKitError("Unavailable", `${err.details} (connection to the runtime lost)`, {
      cause: err,
      details: { grpcCode: err.code },
    });
  }
  return grpcErrorToKubeletKitError(err);
}

function abortError(signal: AbortSignal): KubeletKitError {
  const reason: unknown = signal.reason;
  return isKubeletKitError(reason) ? reason : KubeletKitError.from(reason, "Canceled");
}
