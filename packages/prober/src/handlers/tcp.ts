import net from "node:net";
import { getSystemErrorMap } from "node:util";
import { KubeletKitError } from "@kubelet-kit/core";
import type { V1Container, V1TCPSocketAction } from "@kubernetes/client-node";
import { GO_ERRNO_TEXT } from "./go-errno.js";
import { joinHostPort } from "./host-port.js";
import { resetSocket } from "./socket-reset.js";
import { probeHost, resolveProbePort } from "./target.js";
import type { ProbeAttempt } from "./types.js";

/** What one tcpSocket probe attempt needs (the `tcpSocket` case of the kubelet's `runProbe`). */
export interface TcpProbeInput {
  /** The probe's `tcpSocket` action: `port` (number, numeric string or named container port), `host`. */
  readonly action: Pick<V1TCPSocketAction, "host" | "port">;
  /** The container, for named ports. */
  readonly container: Pick<V1Container, "ports">;
  /** The pod's IP, dialled when the action names no host. */
  readonly podIp: string;
  /** The probe's `timeoutSeconds` in ms: the connect must complete within it. 0 = no limit. */
  readonly timeoutMs: number;
  /** Gives up at once when it aborts (the worker stopped): the attempt then throws `Canceled`. */
  readonly signal?: AbortSignal;
}

/**
 * Runs a tcpSocket probe once, as the kubelet does (`pkg/probe/tcp`): a success when a TCP connection to
 * the action's host (default: the pod IP) and port completes within `timeoutMs`, otherwise a failure with
 * Go's dial error text (`dial tcp 10.0.0.5:8080: connect: connection refused`,
 * `dial tcp 10.0.0.5:8080: i/o timeout`). The connection is reset at once instead of closed, so probes
 * leave no sockets in TIME_WAIT (the kubelet's probe dialer shortens the linger for the same reason).
 * Throws only when the port cannot be resolved, or when `signal` aborts.
 */
export async function runTcpProbe(input: TcpProbeInput): Promise<ProbeAttempt> {
  const port = resolveProbePort(input.action.port, input.container);
  const host = probeHost(input.action.host, input.podIp);
  if (input.signal?.aborted) throw KubeletKitError.from(input.signal.reason, "Canceled");
  return dialTcp(host, port, input.timeoutMs, input.signal);
}

function dialTcp(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ProbeAttempt> {
  return new Promise((resolve, reject) => {
    // What Go's error names as the peer: the literal address, or the one a host name resolved to.
    let target: string | undefined = net.isIP(host) !== 0 ? joinHostPort(host, port) : undefined;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const socket = net.connect({ host, port });
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const finish = (attempt: ProbeAttempt): void => {
      if (settle()) resolve(attempt);
    };
    function onAbort(): void {
      resetSocket(socket);
      if (settle()) reject(KubeletKitError.from(signal?.reason, "Canceled"));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("lookup", (error: Error | null, address: string) => {
      if (error === null) target = joinHostPort(address, port);
    });
    socket.once("connect", () => {
      socket.resetAndDestroy();
      finish({ outcome: "success", output: "" });
    });
    socket.on("error", (error) => {
      socket.destroy();
      finish({ outcome: "failure", output: describeDialError(error, host, port, target) });
    });
    if (timeoutMs > 0) {
      // Node's own timer, not the injected clock: it races real socket I/O, which no clock drives.
      timer = setTimeout(() => {
        resetSocket(socket);
        const output =
          target !== undefined ? `dial tcp ${target}: i/o timeout` : `dial tcp: lookup ${host}: i/o timeout`;
        finish({ outcome: "failure", output });
      }, timeoutMs);
    }
  });
}

/** Name-resolution failures, as Go's resolver words them. */
const LOOKUP_TEXT: Readonly<Record<string, string>> = {
  ENOTFOUND: "no such host",
  EAI_NONAME: "no such host",
  EAI_NODATA: "no such host",
  EAI_AGAIN: "Temporary failure in name resolution",
  EAI_FAIL: "Non-recoverable failure in name resolution",
};

interface SystemErrorLike extends Error {
  code?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  errors?: unknown[];
}

/**
 * A Node dial error as Go's `*net.OpError` prints: `dial tcp <addr>: connect: <errno text>`, or
 * `dial tcp: lookup <host>: <reason>` when the name did not resolve.
 */
function describeDialError(raw: Error, host: string, port: number, target: string | undefined): string {
  // With several addresses to try (happy eyeballs), Node reports every attempt; Go reports the first.
  const first = (raw as SystemErrorLike).errors?.[0];
  const error = (first instanceof Error ? first : raw) as SystemErrorLike;
  const code = error.code ?? (raw as SystemErrorLike).code;
  if (code !== undefined && (error.syscall === "getaddrinfo" || code in LOOKUP_TEXT)) {
    return `dial tcp: lookup ${host}: ${LOOKUP_TEXT[code] ?? error.message}`;
  }
  const peer =
    error.address !== undefined && error.port !== undefined
      ? joinHostPort(error.address, error.port)
      : (target ?? joinHostPort(host, port));
  if (code !== undefined) {
    const text = GO_ERRNO_TEXT[code] ?? libuvText(error.errno) ?? error.message;
    return `dial tcp ${peer}: ${error.syscall ?? "connect"}: ${text}`;
  }
  return `dial tcp ${peer}: ${error.message}`;
}

function libuvText(errno: number | undefined): string | undefined {
  return errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
}
