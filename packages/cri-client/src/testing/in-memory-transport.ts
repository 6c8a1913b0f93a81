import {
  create,
  type DescMessage,
  type DescMethod,
  type DescService,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import { codeToGrpcStatus } from "../grpc/status.js";
import type { CallContext, CriTransport, HandlerContext } from "../types.js";

/** One service and its handlers (a `ServiceHandlers<typeof Service>`), as served by {@link createInMemoryTransport}. */
export interface InMemoryRoute {
  readonly service: DescService;
  readonly handlers: object;
}

type AnyHandler = (request: unknown, ctx: HandlerContext) => unknown;

/**
 * A {@link CriTransport} that calls handlers in the same process, like connect's router transport. Every
 * request and response goes through `toBinary`/`fromBinary`, so callers see exactly the messages a socket
 * would give them (defaults filled, unknown init fields dropped, no shared objects); errors arrive as fresh
 * `KubeletKitError`s with the code and raw message a gRPC status carries (`details.grpcCode` set, as the
 * gRPC transport does). The call's signal is honoured: an abort rejects the call (or ends the stream) with
 * the signal's reason, `Canceled` or `DeadlineExceeded`, and is passed on to the handler.
 */
export function createInMemoryTransport(routes: readonly InMemoryRoute[]): CriTransport {
  const table = new Map<string, AnyHandler>();
  for (const { service, handlers } of routes) {
    for (const method of service.methods) {
      const handler = (handlers as Record<string, AnyHandler | undefined>)[method.localName];
      if (handler !== undefined) table.set(pathOf(service, method), handler);
    }
  }
  let closed = false;

  const lookup = (ctx: CallContext): AnyHandler => {
    if (closed) throw new KubeletKitError("Unavailable", "in-memory transport is closed");
    const handler = table.get(pathOf(ctx.service, ctx.method));
    if (handler === undefined) {
      throw new KubeletKitError(
        "Unimplemented",
        `The server does not implement the method ${pathOf(ctx.service, ctx.method)}`,
      );
    }
    return handler;
  };

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      ctx: CallContext,
      input: I,
      output: O,
      request: MessageShape<I>,
    ): Promise<MessageShape<O>> {
      try {
        throwIfAborted(ctx.signal);
        const handler = lookup(ctx);
        const decoded = roundTrip(input, request);
        const response = await raceAbort(Promise.resolve(handler(decoded, handlerContext(ctx))), ctx.signal);
        return roundTrip(output, create(output, response as never));
      } catch (err) {
        throw asWireError(err);
      }
    },

    serverStream<I extends DescMessage, O extends DescMessage>(
      ctx: CallContext,
      input: I,
      output: O,
      request: MessageShape<I>,
    ): AsyncIterable<MessageShape<O>> {
      async function* stream(): AsyncGenerator<MessageShape<O>> {
        let iterator: AsyncIterator<unknown> | undefined;
        try {
          throwIfAborted(ctx.signal);
          const handler = lookup(ctx);
          const decoded = roundTrip(input, request);
          iterator = (handler(decoded, handlerContext(ctx)) as AsyncIterable<unknown>)[
            Symbol.asyncIterator
          ]();
          for (;;) {
            const result = await raceAbort(iterator.next(), ctx.signal);
            if (result.done === true) {
              iterator = undefined;
              return;
            }
            yield roundTrip(output, create(output, result.value as never));
          }
        } catch (err) {
          throw asWireError(err);
        } finally {
          // The consumer stopped early, the call was aborted, or it failed: end the handler's stream too.
          if (iterator !== undefined) iterator.return?.()?.catch(() => {});
        }
      }
      return { [Symbol.asyncIterator]: () => stream() };
    },

    close() {
      closed = true;
    },
  };
}

function pathOf(service: DescService, method: DescMethod): string {
  return `/${service.typeName}/${method.name}`;
}

function handlerContext(ctx: CallContext): HandlerContext {
  return { signal: ctx.signal, method: ctx.method, headers: ctx.headers };
}

function roundTrip<D extends DescMessage>(schema: D, message: MessageShape<D>): MessageShape<D> {
  return fromBinary(schema, toBinary(schema, message));
}

function abortError(signal: AbortSignal): KubeletKitError {
  return KubeletKitError.from(signal.reason, "Canceled");
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}); // Settles later with the same abort; nobody waits for it any more.
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** What a gRPC client would see of `err`: the code and raw message only, as a fresh error. */
function asWireError(err: unknown): KubeletKitError {
  const source = KubeletKitError.from(err, "Internal");
  return new KubeletKitError(source.code, source.rawMessage, {
    details: { grpcCode: codeToGrpcStatus(source.code) },
  });
}
