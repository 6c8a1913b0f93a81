import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type Clock, isKubeletKitError, KubeletKitError, type TimerHandle } from "@kubelet-kit/core";
import type { CallEnd, Cancelable, UnaryCallSink } from "./direct-unary.js";
import type { CallContext, CallOptions } from "./types.js";

/**
 * One unary call of a client, from the call to its outcome: the promise the caller awaits, the deadline
 * timer on the injected clock and the caller's signal. The first outcome wins: the answer, a failure, the
 * deadline or the caller's abort. An outside end (the last two) rejects the promise at once, aborts the
 * context's signal if one was built, and cancels what transports watch, so a transport that ignores both
 * still cannot hold the caller past the deadline.
 *
 * A class rather than closures: a call allocates this object and its promise, and nothing is named per call
 * (under `tsx`, which keeps function names, every named closure costs a property definition).
 */
export class UnaryCall implements UnaryCallSink, CallEnd {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly deadlineMs: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly promise: Promise<unknown>;
  /** Set when the call was ended from outside (deadline, the caller's signal). */
  endReason: KubeletKitError | undefined;
  /** True once the call has an outcome, whatever it is. */
  ended = false;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private resolvePromise!: (value: unknown) => void;
  private rejectPromise!: (reason: unknown) => void;
  private timer: TimerHandle | undefined;
  // Usually one transport call watches; an interceptor that retries or hedges may start more.
  private watched: Cancelable | undefined;
  private moreWatched: Cancelable[] | undefined;
  private controller: AbortController | undefined;
  private readonly callerSignal: AbortSignal | undefined;
  private onCallerAbort: (() => void) | undefined;

  constructor(
    service: DescService,
    method: DescMethod,
    clock: Clock,
    timeoutMs: number,
    callOptions: CallOptions | undefined,
  ) {
    this.service = service;
    this.method = method;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.headers = callOptions?.headers;
    this.callerSignal = callOptions?.signal;
    this.promise = new Promise((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
    const hasDeadline = Number.isFinite(timeoutMs);
    this.deadlineMs = hasDeadline ? clock.now() + timeoutMs : undefined;

    const signal = this.callerSignal;
    if (signal?.aborted) {
      this.end(canceledError(method, signal.reason));
      return;
    }
    if (signal !== undefined) {
      this.onCallerAbort = () => this.end(canceledError(method, signal.reason));
      signal.addEventListener("abort", this.onCallerAbort, { once: true });
    }
    if (hasDeadline) this.timer = clock.setTimeout(() => this.end(this.deadlineError()), timeoutMs);
  }

  /**
   * The public context, for interceptors and transports. Its signal is built when first read (already
   * aborted, with the reason, if the call ended from outside before); its headers are a copy, as
   * interceptors may change them.
   */
  context(): CallContext {
    const call = this;
    return {
      service: this.service,
      method: this.method,
      deadlineMs: this.deadlineMs,
      get signal(): AbortSignal {
        return call.signal();
      },
      headers: { ...this.headers },
    };
  }

  watch(cancelable: Cancelable): void {
    if (this.ended) return;
    if (this.watched === undefined) this.watched = cancelable;
    else if (this.moreWatched === undefined) this.moreWatched = [cancelable];
    else this.moreWatched.push(cancelable);
  }

  unwatch(cancelable: Cancelable): void {
    if (this.watched === cancelable) this.watched = undefined;
    else if (this.moreWatched !== undefined) {
      const index = this.moreWatched.indexOf(cancelable);
      if (index >= 0) this.moreWatched.splice(index, 1);
    }
  }

  succeed(response: unknown): void {
    if (this.ended) return;
    this.finish();
    this.resolvePromise(response);
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.finish();
    this.rejectPromise(isKubeletKitError(error) ? error : KubeletKitError.from(error));
  }

  private signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.endReason !== undefined) this.controller.abort(this.endReason);
    }
    return this.controller.signal;
  }

  /** Ends the call from outside with `reason`: rejects, aborts the context's signal, cancels transports. */
  private end(reason: KubeletKitError): void {
    if (this.ended) return;
    const { watched, moreWatched } = this;
    this.endReason = reason;
    this.finish();
    this.rejectPromise(reason);
    this.controller?.abort(reason);
    watched?.cancel();
    if (moreWatched !== undefined) for (const cancelable of moreWatched) cancelable.cancel();
  }

  private finish(): void {
    this.ended = true;
    this.watched = undefined;
    this.moreWatched = undefined;
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.onCallerAbort !== undefined) {
      this.callerSignal?.removeEventListener("abort", this.onCallerAbort);
      this.onCallerAbort = undefined;
    }
  }

  private deadlineError(): KubeletKitError {
    const { method, timeoutMs } = this;
    return new KubeletKitError(
      "DeadlineExceeded",
      `${method.name} exceeded its deadline of ${timeoutMs} ms`,
      {
        details: { method: method.name, timeoutMs },
      },
    );
  }
}

/** The error a call ends with when the caller's signal aborts. */
export function canceledError(method: DescMethod, reason: unknown): KubeletKitError {
  // A parent operation may abort with a meaningful error (e.g. its own DeadlineExceeded): keep it.
  if (isKubeletKitError(reason)) return reason;
  return new KubeletKitError("Canceled", `${method.name} was canceled`, {
    cause: reason,
    details: { method: method.name },
  });
}
