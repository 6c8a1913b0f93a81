import {
  create,
  type DescMessage,
  type DescMethod,
  type DescService,
  type Message,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  type Clock,
  CRI_MAX_MESSAGE_BYTES,
  createNoopLogger,
  createRealClock,
  DEFAULT_CRI_TIMEOUT_MS,
  isKubeletKitError,
  KubeletKitError,
  type Logger,
  type TimerHandle,
} from "@kubelet-kit/core";
import { ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import { directUnaryOf } from "./direct-unary.js";
import { createGrpcTransport } from "./grpc/transport.js";
import type {
  CallContext,
  CallOptions,
  CriClientOptions,
  CriTransport,
  Interceptor,
  ServiceClient,
  UnaryNext,
} from "./types.js";
import { canceledError, UnaryCall } from "./unary-call.js";

/** A typed client for the CRI `RuntimeService`. `close()` releases the connection it opened. */
export type RuntimeServiceClient = ServiceClient<typeof RuntimeService> & { close(): void };
/** A typed client for the CRI `ImageService`. `close()` releases the connection it opened. */
export type ImageServiceClient = ServiceClient<typeof ImageService> & { close(): void };

/** `CriClientOptions` with every default filled in. */
interface ResolvedCriClientOptions {
  readonly transport: CriTransport;
  /** True when the transport was created from `endpoint`, so `close()` must close it. */
  readonly ownsTransport: boolean;
  readonly timeoutMs: number;
  readonly interceptors: readonly Interceptor[];
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Fills the defaults of {@link CriClientOptions}: 2 min per-call deadline, 16 MiB messages, real clock,
 * no-op logger, and a grpc-js transport to `endpoint` when no `transport` is given.
 */
function resolveCriClientOptions(options: CriClientOptions): ResolvedCriClientOptions {
  const clock = options.clock ?? createRealClock();
  const logger = options.logger ?? createNoopLogger();
  const base = {
    timeoutMs: options.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS,
    interceptors: options.interceptors ?? [],
    clock,
    logger,
  };
  if (options.transport !== undefined) return { ...base, transport: options.transport, ownsTransport: false };
  if (options.endpoint === undefined) {
    throw new KubeletKitError("InvalidArgument", "a CRI client needs an `endpoint` or a `transport`");
  }
  const transport = createGrpcTransport({
    endpoint: options.endpoint,
    maxMessageBytes: options.maxMessageBytes ?? CRI_MAX_MESSAGE_BYTES,
    clock,
    logger,
  });
  return { ...base, transport, ownsTransport: true };
}

/**
 * Connects to a runtime's `RuntimeService`, as the kubelet does with `--container-runtime-endpoint`.
 *
 * @example
 * ```ts
 * const runtime = createRuntimeService({ endpoint: "unix:///run/containerd/containerd.sock" });
 * const { runtimeName, runtimeVersion } = await runtime.version({});
 * ```
 */
export function createRuntimeService(options: CriClientOptions): RuntimeServiceClient {
  return createServiceClient(RuntimeService, options);
}

/** Connects to a runtime's `ImageService` (usually the same endpoint as the `RuntimeService`). */
export function createImageService(options: CriClientOptions): ImageServiceClient {
  return createServiceClient(ImageService, options);
}

/**
 * A typed client for any generated service (the base of `createRuntimeService`/`createImageService`): one
 * method per RPC, each with a deadline, cancellation, the interceptor chain (unary calls) and error
 * mapping. Server-streaming methods return async iterables and have no deadline unless the caller passes
 * `timeoutMs`. Client- and bidi-streaming methods (none in the CRI) are left out.
 */
export function createServiceClient<S extends DescService & { method: Record<string, unknown> }>(
  service: S,
  clientOptions: CriClientOptions,
): ServiceClient<S> & { close(): void } {
  const options = resolveCriClientOptions(clientOptions);
  const { transport, ownsTransport, interceptors, logger } = options;
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    if (method.methodKind === "unary") {
      client[method.localName] = unaryMethod(service, method, options);
    } else if (method.methodKind === "server_streaming") {
      client[method.localName] = serverStreamingMethod(service, method, options);
    }
  }
  logger.debug({ service: service.typeName, interceptors: interceptors.length }, "cri client created");
  client.close = (): void => {
    if (ownsTransport) transport.close();
  };
  return client as ServiceClient<S> & { close(): void };
}

function unaryMethod(service: DescService, method: DescMethod, options: ResolvedCriClientOptions) {
  const { transport, interceptors, clock, timeoutMs: defaultTimeoutMs } = options;
  // A transport with shortcuts (ours over gRPC) gets the call itself when there are no interceptors (no
  // context, no AbortSignal, no promise in between), and is told which call a context belongs to otherwise.
  const direct = directUnaryOf(transport);
  const callDirectly = interceptors.length === 0 ? direct?.call : undefined;
  const base: UnaryNext = (req) =>
    transport.unary(req.ctx, method.input, method.output, req.message as MessageShape<DescMessage>);
  const chain = interceptors.reduceRight<UnaryNext>((next, interceptor) => interceptor(next), base);

  return (request?: object, callOptions?: CallOptions): Promise<unknown> => {
    let message: Message;
    let call: UnaryCall;
    try {
      message = create(method.input, request as never);
      call = new UnaryCall(service, method, clock, callOptions?.timeoutMs ?? defaultTimeoutMs, callOptions);
    } catch (err) {
      return Promise.reject(toKubeletKitError(err));
    }
    // Already ended: the caller's signal was aborted before the call, so the runtime is never called.
    if (call.ended) return call.promise;
    try {
      if (callDirectly !== undefined) {
        callDirectly(call, message);
      } else {
        const ctx = call.context();
        direct?.adopt(ctx, call);
        Promise.resolve(chain({ ctx, message })).then(
          (response) => call.succeed(response),
          (err: unknown) => call.fail(err),
        );
      }
    } catch (err) {
      call.fail(err);
    }
    return call.promise;
  };
}

function serverStreamingMethod(service: DescService, method: DescMethod, options: ResolvedCriClientOptions) {
  const { transport, clock } = options;
  return (request?: object, callOptions: CallOptions = {}): AsyncIterable<unknown> => {
    async function* stream(): AsyncGenerator<unknown> {
      const call = startStreamCall(service, method, callOptions, callOptions.timeoutMs, clock);
      let iterator: AsyncIterator<unknown> | undefined;
      let finished = false;
      try {
        const message = create(method.input, request as never);
        call.throwIfEnded();
        iterator = transport
          .serverStream(call.ctx, method.input, method.output, message)
          [Symbol.asyncIterator]();
        while (true) {
          const result = await Promise.race([iterator.next(), call.ended]);
          if (result.done) {
            finished = true;
            return;
          }
          yield result.value;
        }
      } catch (err) {
        throw toKubeletKitError(err);
      } finally {
        call.finish();
        // Early exit (break, deadline, cancel, error): let the transport end the call. Not awaited: a
        // transport still busy in `next()` only sees `return()` once that settles.
        if (!finished) iterator?.return?.()?.catch(() => {});
      }
    }
    return { [Symbol.asyncIterator]: () => stream() };
  };
}

/** A server-streaming call in progress: its context, and a promise that rejects when it is ended from outside. */
interface ActiveStreamCall {
  readonly ctx: CallContext;
  /** Never resolves; rejects with the abort reason when the call is canceled or its deadline passes. */
  readonly ended: Promise<never>;
  throwIfEnded(): void;
  /** Clears the deadline timer and stops listening to the caller's signal. */
  finish(): void;
}

function startStreamCall(
  service: DescService,
  method: DescMethod,
  callOptions: CallOptions,
  timeoutMs: number | undefined,
  clock: Clock,
): ActiveStreamCall {
  const controller = new AbortController();
  const callerSignal = callOptions.signal;
  const hasDeadline = timeoutMs !== undefined && Number.isFinite(timeoutMs);
  const deadlineMs = hasDeadline ? clock.now() + timeoutMs : undefined;
  let timer: TimerHandle | undefined;

  let rejectEnded: (reason: unknown) => void = () => {};
  const ended = new Promise<never>((_, reject) => {
    rejectEnded = reject;
  });
  ended.catch(() => {}); // Only observed through the race; never an unhandled rejection.

  const abort = (reason: KubeletKitError): void => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    rejectEnded(reason);
  };
  const onCallerAbort = (): void => abort(canceledError(method, callerSignal?.reason));

  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  if (hasDeadline && !controller.signal.aborted) {
    timer = clock.setTimeout(
      () =>
        abort(
          new KubeletKitError("DeadlineExceeded", `${method.name} exceeded its deadline of ${timeoutMs} ms`, {
            details: { method: method.name, timeoutMs },
          }),
        ),
      timeoutMs,
    );
  }

  return {
    ctx: {
      service,
      method,
      deadlineMs,
      signal: controller.signal,
      headers: { ...callOptions.headers },
    },
    ended,
    throwIfEnded() {
      if (controller.signal.aborted) throw controller.signal.reason;
    },
    finish() {
      if (timer !== undefined) clock.clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

function toKubeletKitError(err: unknown): KubeletKitError {
  return isKubeletKitError(err) ? err : KubeletKitError.from(err);
}
