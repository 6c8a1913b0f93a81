/**
 * Records the CRI calls an agent makes, through a client interceptor, so scenarios can check what was asked
 * of the runtime (ExecSync of a preStop hook, StopContainer's timeout) the same way on every target.
 */

import type { Clock } from "@kubelet-kit/core";
import type { Interceptor } from "@kubelet-kit/cri-client";

/** One unary CRI call. */
export interface RecordedCriCall {
  /** The RPC name, e.g. `StopContainer`. */
  readonly method: string;
  /** The request message (protobuf-es shape: camelCase fields, int64 as bigint). */
  readonly request: Record<string, unknown>;
  /** When it was sent and when it ended, on the target's clock. */
  readonly startedAtMs: number;
  endedAtMs?: number;
  /** Set when the call failed. */
  error?: unknown;
}

export interface CriRecorder {
  readonly interceptor: Interceptor;
  /** Every call so far, oldest first. */
  calls(): readonly RecordedCriCall[];
  /** Calls to one RPC, oldest first. */
  callsTo(method: string): readonly RecordedCriCall[];
  /** Calls sent but not answered yet. */
  inFlight(): number;
}

export function createCriRecorder(clock: Clock): CriRecorder {
  const calls: RecordedCriCall[] = [];
  let inFlight = 0;
  const interceptor: Interceptor = (next) => async (req) => {
    const call: RecordedCriCall = {
      method: req.ctx.method.name,
      request: req.message as Record<string, unknown>,
      startedAtMs: clock.now(),
    };
    calls.push(call);
    inFlight++;
    try {
      return await next(req);
    } catch (err) {
      call.error = err;
      throw err;
    } finally {
      inFlight--;
      call.endedAtMs = clock.now();
    }
  };
  return {
    interceptor,
    calls: () => calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    inFlight: () => inFlight,
  };
}
