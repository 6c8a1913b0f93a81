import type { DescService, Message } from "@bufbuild/protobuf";
import {
  type Clock,
  isKubeletKitError,
  KubeletKitError,
  type KubeletKitErrorCode,
  type Logger,
} from "@kubelet-kit/core";
import type { ImageService, RuntimeService } from "@kubelet-kit/cri-api";
import type { HandlerContext } from "../types.js";
import * as errors from "./containerd-errors.js";

/** An RPC of either CRI service, by its proto name: `"RunPodSandbox"`, `"PullImage"`, … */
export type FakeMethodName =
  | Capitalize<keyof (typeof RuntimeService)["method"] & string>
  | Capitalize<keyof (typeof ImageService)["method"] & string>;

/** One call the fake received, whichever way it came (in-memory transport, socket, direct handler call). */
export interface RecordedCall {
  readonly method: FakeMethodName;
  /** The decoded request message. */
  readonly request: Message;
  /** The fake clock's time when the call arrived. */
  readonly atMs: number;
  /** Set when the call failed (for streams: when the stream failed). */
  readonly error?: KubeletKitError;
}

/**
 * A fault injected into one RPC. Calls are counted from the moment the fault is injected. With `nth` the
 * fault hits that call only (then retires); with `every` each `every`-th call; with neither, every call
 * until removed. The delay (on the fake's clock, honouring the call's cancellation) comes first, then the
 * error; with neither error nor delay the fault only counts.
 */
export interface FaultSpec {
  method: FakeMethodName;
  nth?: number;
  every?: number;
  /** An error, or a code: the message then reads `injected fault on <Method>`. */
  error?: KubeletKitError | KubeletKitErrorCode;
  delayMs?: number;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  seen: number;
}

type AnyHandler = (request: Message, ctx: HandlerContext) => unknown;

/** Records calls and applies faults, "down" and unimplemented methods in front of the handlers. */
export class CallGate {
  readonly calls: RecordedCall[] = [];
  readonly #faults = new Set<ActiveFault>();
  readonly #clock: Clock;
  readonly #unimplemented: ReadonlySet<string>;
  /** Why every call fails right now (down, closed), or undefined. */
  unavailable: (() => KubeletKitError) | undefined;

  readonly #logger: Logger;

  constructor(clock: Clock, unimplemented: readonly FakeMethodName[], logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
    this.#unimplemented = new Set(unimplemented);
  }

  inject(spec: FaultSpec): () => void {
    for (const key of ["nth", "every"] as const) {
      const value = spec[key];
      if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
        throw new KubeletKitError("InvalidArgument", `fault ${key} must be an integer >= 1, got ${value}`);
      }
    }
    const fault: ActiveFault = { spec, seen: 0 };
    this.#faults.add(fault);
    return () => {
      this.#faults.delete(fault);
    };
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Wraps every handler of `service` in `handlers`. */
  wrap<H extends object>(service: DescService, handlers: H): H {
    const wrapped: Record<string, unknown> = {};
    for (const method of service.methods) {
      const handler = (handlers as Record<string, AnyHandler | undefined>)[method.localName];
      if (handler === undefined) continue;
      const name = method.name as FakeMethodName;
      wrapped[method.localName] =
        method.methodKind === "server_streaming"
          ? this.#wrapStream(service, name, handler)
          : this.#wrapUnary(service, name, handler);
    }
    return wrapped as H;
  }

  #wrapUnary(service: DescService, name: FakeMethodName, handler: AnyHandler): AnyHandler {
    return async (request, ctx) => {
      const call = this.#record(name, request);
      try {
        await this.#admit(service, name, ctx);
        return await handler(request, ctx);
      } catch (err) {
        throw this.#fail(call, err);
      }
    };
  }

  #wrapStream(service: DescService, name: FakeMethodName, handler: AnyHandler): AnyHandler {
    const gate = this;
    return async function* (request: Message, ctx: HandlerContext) {
      const call = gate.#record(name, request);
      try {
        await gate.#admit(service, name, ctx);
        yield* handler(request, ctx) as AsyncIterable<unknown>;
      } catch (err) {
        throw gate.#fail(call, err);
      }
    };
  }

  #record(method: FakeMethodName, request: Message): { method: FakeMethodName; error?: KubeletKitError } {
    const call: { -readonly [K in keyof RecordedCall]: RecordedCall[K] } = {
      method,
      request,
      atMs: this.#clock.now(),
    };
    this.calls.push(call);
    this.#logger.debug({ method }, "fake cri call");
    return call;
  }

  #fail(call: { method: FakeMethodName; error?: KubeletKitError }, err: unknown): KubeletKitError {
    // Anything that is not a KubeletKitError is a bug in a handler: Internal, as a gRPC server answers it.
    const error = isKubeletKitError(err) ? err : KubeletKitError.from(err, "Internal");
    call.error = error;
    this.#logger.debug({ method: call.method, code: error.code, err: error }, "fake cri call failed");
    return error;
  }

  async #admit(service: DescService, name: FakeMethodName, ctx: HandlerContext): Promise<void> {
    if (this.unavailable !== undefined) throw this.unavailable();
    if (this.#unimplemented.has(name)) throw errors.unknownMethod(service.typeName, name);
    for (const fault of [...this.#faults]) {
      const { spec } = fault;
      if (spec.method !== name) continue;
      fault.seen++;
      const hits =
        spec.nth !== undefined
          ? fault.seen === spec.nth
          : spec.every === undefined || fault.seen % spec.every === 0;
      if (spec.nth !== undefined && fault.seen >= spec.nth) this.#faults.delete(fault);
      if (!hits) continue;
      if (spec.delayMs !== undefined && spec.delayMs > 0) await this.#clock.sleep(spec.delayMs, ctx.signal);
      if (spec.error !== undefined) {
        throw typeof spec.error === "string"
          ? new KubeletKitError(spec.error, `injected fault on ${name}`)
          : spec.error;
      }
    }
  }
}
