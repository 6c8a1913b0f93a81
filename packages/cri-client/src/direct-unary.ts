import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import type { KubeletKitError } from "@kubelet-kit/core";
import type { CallContext, CriTransport } from "./types.js";

// Internal to this package (not exported from the index): how the client and its gRPC transport skip the
// per-call `AbortSignal`. Node 20 builds a signal lazily, and building one and adding a listener to it
// costs 5–14 µs per call, more than the rest of the client's own work. Two shortcuts:
// - without interceptors, the client hands the call itself to the transport (`call`): no context at all;
// - with interceptors, the client tells the transport which context belongs to which call (`adopt`), so
//   the transport watches the call instead of `ctx.signal`; the context builds its signal only when read.

/** Something to cancel when a call is ended from outside (deadline, the caller's signal). */
export interface Cancelable {
  cancel(): void;
}

/** How a transport learns that a call was ended from outside. */
export interface CallEnd {
  /** The error the call was ended with from outside, or undefined while it was not. */
  readonly endReason: KubeletKitError | undefined;
  /** Cancels `cancelable` if the call is ended from outside before `unwatch(cancelable)`. */
  watch(cancelable: Cancelable): void;
  unwatch(cancelable: Cancelable): void;
}

/**
 * One unary call as a transport runs it: what a `CallContext` carries except the signal, where the outcome
 * goes, and `watch`/`unwatch` for cancellation.
 */
export interface UnaryCallSink extends Pick<CallEnd, "watch" | "unwatch"> {
  readonly service: DescService;
  readonly method: DescMethod;
  /** Absolute deadline in ms on the client's clock, or undefined for none. */
  readonly deadlineMs: number | undefined;
  /** Request metadata (read it, never change it). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** The response. The first outcome wins; later ones, and any after the call ended, are ignored. */
  succeed(response: unknown): void;
  /** The failure, as a `KubeletKitError` where the transport maps it. Same rule as `succeed`. */
  fail(error: unknown): void;
}

/** A transport's shortcuts, used by the client only while `transport.unary` is still the transport's own. */
export interface DirectUnary {
  /** Runs a call that has no context (its client has no interceptors). Reports to `sink`, never throws. */
  readonly call: (sink: UnaryCallSink, request: Message) => void;
  /** `ctx` belongs to a client call that ends as `end` says; `unary(ctx, …)` then need not read its signal. */
  readonly adopt: (ctx: CallContext, end: CallEnd) => void;
}

const DIRECT_UNARY: unique symbol = Symbol("@kubelet-kit/cri-client direct unary");

interface DirectUnaryEntry extends DirectUnary {
  readonly unary: CriTransport["unary"];
}

/**
 * Gives `transport` its shortcuts, stored under a symbol and not enumerable, so a copy of the transport
 * (`{ ...transport, unary: wrapped }`) does not carry them.
 */
export function withDirectUnary<T extends CriTransport>(transport: T, direct: DirectUnary): T {
  const entry: DirectUnaryEntry = { unary: transport.unary, call: direct.call, adopt: direct.adopt };
  Object.defineProperty(transport, DIRECT_UNARY, { value: entry, enumerable: false });
  return transport;
}

/**
 * The shortcuts of `transport`, or undefined when it has none, or when its `unary` was replaced (a proxy or
 * a wrapper that overrides `unary` must see every call, with a context and its signal).
 */
export function directUnaryOf(transport: CriTransport): DirectUnary | undefined {
  const entry = (transport as { [DIRECT_UNARY]?: DirectUnaryEntry })[DIRECT_UNARY];
  return entry !== undefined && entry.unary === transport.unary ? entry : undefined;
}
