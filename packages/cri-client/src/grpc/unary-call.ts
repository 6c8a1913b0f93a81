import {
  type ChannelInterface,
  type InterceptingListener,
  Metadata,
  type MethodDefinition,
  type ServiceError,
  type StatusObject,
  status,
} from "@grpc/grpc-js";
import { KubeletKitError } from "@kubelet-kit/core";
import type { Cancelable, UnaryCallSink } from "../direct-unary.js";
import { grpcErrorToKubeletKitError } from "./status.js";

type ChannelCall = ReturnType<ChannelInterface["createCall"]>;

/** Marks "no response yet": a decoder may return anything, `null` included. */
const NO_RESPONSE: unique symbol = Symbol("no response");

/**
 * Starts one unary call on a grpc-js channel, below grpc-js's generic `Client`: the call is created on the
 * channel and driven with a listener object. `Client.makeUnaryRequest` does the same work with, per call,
 * an argument check, an event emitter, an interceptor chain of three objects and their closures, and a
 * captured stack trace (`new Error()`) kept in case the call fails; none of it is needed here. Its answers
 * to broken calls are kept: an answer without a message is `UNIMPLEMENTED "No message received"`, a
 * response that fails to decode `INTERNAL "Response message parsing error: …"`, a request that fails to
 * encode `INTERNAL "Request message serialization failure: …"`. A second message is `UNIMPLEMENTED "Too many
 * responses received"`, as `makeUnaryRequest` means it to be (there, the call never reported it and waited
 * for its deadline). The outcome goes to `sink`, mapped to a `KubeletKitError`.
 *
 * `deadline` is in ms since the epoch on the wall clock (what grpc-js sends as `grpc-timeout`), or
 * `Infinity` for none.
 */
export function startGrpcUnaryCall(
  channel: ChannelInterface,
  definition: MethodDefinition<unknown, unknown>,
  request: unknown,
  deadline: number,
  sink: UnaryCallSink,
): void {
  let bytes: Buffer;
  try {
    bytes = definition.requestSerialize(request);
  } catch (err) {
    sink.fail(
      statusToKubeletKitError({
        code: status.INTERNAL,
        details: `Request message serialization failure: ${errorMessage(err)}`,
        metadata: new Metadata(),
      }),
    );
    return;
  }
  const call = channel.createCall(definition.path, deadline, null, null, null);
  const listener = new UnaryListener(call, definition.responseDeserialize, sink);
  sink.watch(listener);
  try {
    call.start(toMetadata(sink.headers), listener);
    call.sendMessageWithContext({}, bytes);
    call.halfClose();
    call.startRead();
  } catch (err) {
    sink.unwatch(listener);
    throw err;
  }
}

/** Receives one call's metadata, message and status, and settles the sink; cancels the call on request. */
class UnaryListener implements InterceptingListener, Cancelable {
  private response: unknown = NO_RESPONSE;
  private decodeError: StatusObject | undefined;
  private done = false;

  constructor(
    private readonly call: ChannelCall,
    private readonly decode: (bytes: Buffer) => unknown,
    private readonly sink: UnaryCallSink,
  ) {}

  onReceiveMetadata(): void {}

  onReceiveMessage(bytes: Buffer): void {
    let message: unknown;
    try {
      message = this.decode(bytes);
    } catch (err) {
      const details = `Response message parsing error: ${errorMessage(err)}`;
      this.decodeError = { code: status.INTERNAL, details, metadata: new Metadata() };
      this.call.cancelWithStatus(status.INTERNAL, details);
      return;
    }
    if (this.response !== NO_RESPONSE) {
      this.call.cancelWithStatus(status.UNIMPLEMENTED, "Too many responses received");
    }
    this.response = message;
    this.call.startRead();
  }

  onReceiveStatus(received: StatusObject): void {
    if (this.done) return;
    this.done = true;
    this.sink.unwatch(this);
    const final = this.decodeError ?? received;
    if (final.code !== status.OK) {
      this.sink.fail(statusToKubeletKitError(final));
    } else if (this.response === NO_RESPONSE) {
      this.sink.fail(
        statusToKubeletKitError({
          code: status.UNIMPLEMENTED,
          details: "No message received",
          metadata: final.metadata,
        }),
      );
    } else {
      this.sink.succeed(this.response);
    }
  }

  cancel(): void {
    this.call.cancelWithStatus(status.CANCELLED, "Cancelled on client");
  }
}

/**
 * Maps a call's final status once, at the edge, as grpc-js's client reports it: an `Error` whose message is
 * `"<code> <NAME>: <details>"`, with `code`, `details` and `metadata`, kept as the `cause`.
 */
export function statusToKubeletKitError(final: StatusObject): KubeletKitError {
  const err: ServiceError = Object.assign(
    new Error(`${final.code} ${status[final.code]}: ${final.details}`),
    final,
  );
  return callStatusErrorToKubeletKitError(err);
}

/**
 * Maps the error status of a call we did not cancel. CANCELLED then means the connection went away under the
 * call (grpc-js reports some drops as CANCELLED "Call cancelled"); grpc-go reports these as Unavailable, and
 * so do we, so callers retry.
 */
export function callStatusErrorToKubeletKitError(err: ServiceError): KubeletKitError {
  if (err.code === status.CANCELLED) {
    return new KubeletKitError("Unavailable", `${err.details} (connection to the runtime lost)`, {
      cause: err,
      details: { grpcCode: err.code },
    });
  }
  return grpcErrorToKubeletKitError(err);
}

/** gRPC metadata from a call's headers. */
export function toMetadata(headers: Readonly<Record<string, string>> | undefined): Metadata {
  const metadata = new Metadata();
  if (headers !== undefined)
    for (const key of Object.keys(headers)) metadata.set(key, headers[key] as string);
  return metadata;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
