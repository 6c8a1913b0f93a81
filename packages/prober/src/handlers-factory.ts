import type { Clock, CommandRunner } from "@kubelet-kit/core";
import { runExecProbe } from "./handlers/exec.js";
import { runGrpcProbe } from "./handlers/grpc.js";
import { runHttpGetProbe } from "./handlers/http.js";
import { runTcpProbe } from "./handlers/tcp.js";
import type { ProbeHandlers } from "./run-probe.js";

/** Options of {@link createProbeHandlers}. */
export interface ProbeHandlersOptions {
  /** Runs exec probe commands in containers: the runtime's `execSync` (CRI `ExecSync`). Required. */
  runner: CommandRunner;
  /**
   * `User-Agent` of httpGet probes (unless the probe's headers set one) and prefix of grpc probes'.
   * Default: `kube-probe/<major>.<minor>` (`kubeProbeUserAgent()`).
   */
  userAgent?: string;
  /** Clock of the httpGet `timeoutMs` deadline. Default: the real clock. */
  clock?: Clock;
}

/**
 * Creates the four probe handlers the prober takes (`handlers` of `createProbeManager`), as the kubelet's
 * `prober.runProbe` dispatches them: `exec` through `runner`, `httpGet`, `tcpSocket` and `grpc` over the
 * network to the pod IP (or the action's host). Each request's container ID, pod IP, timeout and abort
 * signal are passed on unchanged.
 *
 * @example
 * ```ts
 * const handlers = createProbeHandlers({ runner: runtime, clock });
 * const prober = createProbeManager({ statusManager, handlers, clock });
 * ```
 */
export function createProbeHandlers(options: ProbeHandlersOptions): ProbeHandlers {
  const { runner, userAgent, clock } = options;
  return {
    exec: (request) =>
      runExecProbe({
        runner,
        containerId: request.containerId,
        action: request.action,
        container: request.container,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
      }),
    httpGet: (request) =>
      runHttpGetProbe({
        action: request.action,
        container: request.container,
        podIp: request.podIp,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        ...(userAgent === undefined ? {} : { userAgent }),
        ...(clock === undefined ? {} : { clock }),
      }),
    tcpSocket: (request) =>
      runTcpProbe({
        action: request.action,
        container: request.container,
        podIp: request.podIp,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
      }),
    grpc: (request) =>
      runGrpcProbe({
        action: request.action,
        podIp: request.podIp,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        ...(userAgent === undefined ? {} : { userAgent }),
      }),
  };
}
