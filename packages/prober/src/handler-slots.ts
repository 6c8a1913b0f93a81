import { KubeletKitError } from "@kubelet-kit/core";
import type { ProbeAttempt } from "./handlers/types.js";
import type { ProbeHandlers } from "./run-probe.js";

// At most so many handler calls in flight; the others wait, first come first served. A call's timeout
// starts when it leaves the queue, so a busy event loop delays probes instead of timing them out.

/** Default of `maxConcurrentProbes`. */
export const DEFAULT_MAX_CONCURRENT_PROBES = 128;

/**
 * Wraps `handlers` so that at most `max` calls, of every action together, run at once. A waiting call whose
 * `signal` aborts leaves the queue and throws `Canceled`, as a handler does. `Infinity` returns `handlers`.
 */
export function limitProbeConcurrency(handlers: Partial<ProbeHandlers>, max: number): Partial<ProbeHandlers> {
  if (max === Number.POSITIVE_INFINITY) return handlers;
  if (!Number.isInteger(max) || max < 1) {
    throw new KubeletKitError(
      "InvalidArgument",
      `maxConcurrentProbes: must be a positive integer or Infinity, got ${max}`,
    );
  }
  let running = 0;
  const waiting: (() => void)[] = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running--;
  };

  const acquire = (signal: AbortSignal): Promise<void> => {
    if (running < max) {
      running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      function onAbort(): void {
        const index = waiting.indexOf(grant);
        if (index >= 0) waiting.splice(index, 1);
        reject(KubeletKitError.from(signal.reason, "Canceled"));
      }
      if (signal.aborted) {
        reject(KubeletKitError.from(signal.reason, "Canceled"));
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      waiting.push(grant);
    });
  };

  const run = async (signal: AbortSignal, call: () => Promise<ProbeAttempt>): Promise<ProbeAttempt> => {
    await acquire(signal);
    try {
      return await call();
    } finally {
      release();
    }
  };

  const { exec, httpGet, tcpSocket, grpc } = handlers;
  return {
    ...(exec && { exec: (request) => run(request.signal, () => exec.call(handlers, request)) }),
    ...(httpGet && { httpGet: (request) => run(request.signal, () => httpGet.call(handlers, request)) }),
    ...(tcpSocket && {
      tcpSocket: (request) => run(request.signal, () => tcpSocket.call(handlers, request)),
    }),
    ...(grpc && { grpc: (request) => run(request.signal, () => grpc.call(handlers, request)) }),
  };
}
