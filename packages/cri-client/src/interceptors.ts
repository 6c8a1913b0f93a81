import {
  type Clock,
  createRealClock,
  KubeletKitError,
  type KubeletKitErrorCode,
  type Logger,
} from "@kubelet-kit/core";
import type { Interceptor } from "./types.js";

/** Options of the built-in interceptors. */
export interface InterceptorOptions {
  /** Measures call durations. Default: the real clock. */
  clock?: Clock;
}

/** Logs every unary call at debug level: method on start; method, duration and error code on end. */
export function loggingInterceptor(logger: Logger, options: InterceptorOptions = {}): Interceptor {
  const clock = options.clock ?? createRealClock();
  return (next) => async (req) => {
    const method = req.ctx.method.name;
    const startMs = clock.now();
    logger.debug({ method }, "cri call started");
    try {
      const response = await next(req);
      logger.debug({ method, durationMs: clock.now() - startMs }, "cri call finished");
      return response;
    } catch (err) {
      logger.debug({ method, durationMs: clock.now() - startMs, code: codeOf(err), err }, "cri call failed");
      throw err;
    }
  };
}

/** Receives one observation per unary call; e.g. a Prometheus histogram labelled by method and code. */
export interface CallMetricsSink {
  observe(method: string, code: KubeletKitErrorCode | "OK", durationMs: number): void;
}

/** Reports every unary call's method, outcome code and duration to `sink`. */
export function metricsInterceptor(sink: CallMetricsSink, options: InterceptorOptions = {}): Interceptor {
  const clock = options.clock ?? createRealClock();
  return (next) => async (req) => {
    const startMs = clock.now();
    let code: KubeletKitErrorCode | "OK" = "OK";
    try {
      return await next(req);
    } catch (err) {
      code = codeOf(err);
      throw err;
    } finally {
      sink.observe(req.ctx.method.name, code, clock.now() - startMs);
    }
  };
}

function codeOf(err: unknown): KubeletKitErrorCode {
  return KubeletKitError.from(err).code;
}
