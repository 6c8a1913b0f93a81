import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { type Clock, KubeletKitError } from "@kubelet-kit/core";
import { MAX_PROBE_OUTPUT_BYTES } from "../constants.js";
import { GO_ERRNO_TEXT } from "./go-errno.js";
import { joinHostPort } from "./host-port.js";
import type { HttpProbeUrl } from "./http-request.js";
import { resetSocket } from "./socket-reset.js";

// One HTTP request and its response on a fresh connection that is reset (RST, not FIN) when done, and the
// stop condition (timeout or abort) shared by every request of a probe attempt.

/** Go's http.Client wording when its timeout passes before the response headers arrive. */
export const TIMEOUT_AWAITING_HEADERS =
  "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
/** Go's wording when the timeout passes while the body is being read (upstream returns it as an error). */
export const TIMEOUT_READING_BODY =
  "context deadline exceeded (Client.Timeout or context cancellation while reading body)";

/** Why an attempt stopped early. */
export type StopCause =
  | { readonly type: "timeout" }
  | { readonly type: "aborted"; readonly error: KubeletKitError };

/** The stop condition of one attempt: its timeout (on a clock) or its caller's abort signal. */
export interface AttemptStop {
  /** Calls `fn` once the attempt stops (at once if it has); returns a function that stops watching. */
  watch(fn: (cause: StopCause) => void): () => void;
  /** Releases the timer and the signal listener. */
  dispose(): void;
}

/** Starts the stop condition: `timeoutMs` on `clock` (`0` = none, like Go's `Client.Timeout`), `signal`. */
export function startAttemptStop(
  clock: Clock,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): AttemptStop {
  const watchers = new Set<(cause: StopCause) => void>();
  let stopped: StopCause | undefined;
  const stop = (cause: StopCause): void => {
    if (stopped !== undefined) return;
    stopped = cause;
    const due = [...watchers];
    watchers.clear();
    for (const fn of due) fn(cause);
  };
  const onAbort = (): void =>
    stop({ type: "aborted", error: KubeletKitError.from(signal?.reason, "Canceled") });
  // The deadline races real socket I/O; on the real clock it is a plain timer, on a fake one a test moves it.
  const timer = timeoutMs > 0 ? clock.setTimeout(() => stop({ type: "timeout" }), timeoutMs) : undefined;
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    watch(fn) {
      if (stopped !== undefined) {
        fn(stopped);
        return () => {};
      }
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    dispose() {
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      watchers.clear();
    },
  };
}

/** How one request ended. */
export type Exchange =
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "aborted"; readonly error: KubeletKitError }
  | {
      readonly type: "response";
      readonly status: number;
      readonly location: string | undefined;
      /** The body, at most 10 KiB; rejects (upstream's error) when reading it breaks off or times out. */
      readonly body: Promise<Buffer>;
      /** Drops the response unread and resets the connection. */
      discard(): void;
    };

/**
 * Sends one GET on a connection of its own (no agent, `Connection: close`, TLS not verified) and resolves
 * once the status line and headers arrive, or with Go's words for what went wrong first.
 */
export function exchangeOnce(
  url: HttpProbeUrl,
  headers: Record<string, string | string[]>,
  stop: AttemptStop,
): Promise<Exchange> {
  return new Promise<Exchange>((resolve) => {
    let tcp: net.Socket | undefined;
    let request: http.ClientRequest | undefined;
    let endpoints = "";
    let settled = false;
    let unwatch = (): void => {};

    const settle = (exchange: Exchange): void => {
      if (settled) return;
      settled = true;
      unwatch();
      resolve(exchange);
    };
    // Every way out resets the TCP connection: an RST leaves no TIME_WAIT socket on this side.
    const reset = (): void => {
      if (tcp !== undefined) resetSocket(tcp);
      request?.destroy();
    };
    const createConnection = (): net.Socket => {
      const socket = net.connect({ host: url.hostname, port: url.port });
      tcp = socket;
      socket.once("connect", () => {
        const local = joinHostPort(socket.localAddress ?? "", socket.localPort ?? 0);
        endpoints = `${local}->${joinHostPort(socket.remoteAddress ?? "", socket.remotePort ?? 0)}`;
      });
      if (url.scheme !== "https") return socket;
      // SNI carries the URL's host name unless it is an IP address, as in Go; the certificate is not checked.
      const servername = net.isIP(url.hostname) === 0 ? url.hostname : "";
      return tls.connect({ socket, servername, rejectUnauthorized: false });
    };

    try {
      // No agent and a connection made here: one fresh socket per request, which the request closes.
      request = (url.scheme === "https" ? https : http).request({
        method: "GET",
        host: url.hostname,
        port: url.port,
        path: url.requestPath,
        headers,
        setHost: false,
        createConnection,
      });
    } catch (error) {
      reset();
      settle({ type: "failed", message: describeTransportError(error, url, endpoints) });
      return;
    }
    request.on("error", (error) => {
      if (settled) return;
      reset();
      settle({ type: "failed", message: describeTransportError(error, url, endpoints) });
    });
    request.on("response", (response) => {
      if (settled) {
        response.on("error", () => {});
        return;
      }
      const body = readBody(response, reset, stop);
      const location = response.headers.location;
      settle({
        type: "response",
        status: response.statusCode ?? 0,
        location: typeof location === "string" ? location : undefined,
        body: body.result,
        discard: body.discard,
      });
    });
    // A 101 answer to a request that asked for no upgrade: Go reports its status like any other.
    request.on("upgrade", (response) => {
      reset();
      const status = response.statusCode ?? 101;
      settle({
        type: "response",
        status,
        location: undefined,
        body: Promise.resolve(Buffer.alloc(0)),
        discard() {},
      });
    });
    unwatch = stop.watch((cause) => {
      reset();
      settle(cause.type === "timeout" ? { type: "failed", message: TIMEOUT_AWAITING_HEADERS } : cause);
    });
    request.end();
  });
}

function readBody(
  response: http.IncomingMessage,
  reset: () => void,
  stop: AttemptStop,
): { result: Promise<Buffer>; discard(): void } {
  let done = false;
  let unwatch = (): void => {};
  let finish: (error?: Error) => void = () => {};
  const chunks: Buffer[] = [];
  let size = 0;
  const result = new Promise<Buffer>((resolve, reject) => {
    finish = (error) => {
      if (done) return;
      done = true;
      unwatch();
      reset();
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else reject(error);
    };
  });
  // Nobody awaits the body of a discarded redirect; keep its end from surfacing as an unhandled rejection.
  result.catch(() => {});
  unwatch = stop.watch((cause) =>
    finish(cause.type === "timeout" ? new Error(TIMEOUT_READING_BODY) : cause.error),
  );

  // Ahead of Node's own end handler, which FIN-closes the socket; a reset after that would come too late.
  response.prependListener("end", () => finish());
  response.on("data", (chunk: Buffer) => {
    if (done) return;
    const room = MAX_PROBE_OUTPUT_BYTES - size;
    if (chunk.length < room) {
      chunks.push(chunk);
      size += chunk.length;
      return;
    }
    // Truncation at 10 KiB is not an error; the rest of the body is never read.
    chunks.push(chunk.subarray(0, room));
    size += room;
    finish();
  });
  // The connection broke before the body was complete (Go: a read error, usually "unexpected EOF").
  response.on("error", () => finish(new Error("unexpected EOF")));
  response.on("close", () => finish(new Error("unexpected EOF")));
  return {
    result,
    discard() {
      if (done) return;
      done = true;
      unwatch();
      reset();
    },
  };
}

/** A Node transport error in Go's words: the part of `Get "<url>": <cause>` after the colon. */
function describeTransportError(error: unknown, url: HttpProbeUrl, endpoints: string): string {
  // With several addresses to try (happy eyeballs), Node reports every attempt; Go reports the first.
  const first = (error as { errors?: unknown[] }).errors?.[0];
  const e = (first instanceof Error ? first : error) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  const code = e.code ?? "";
  const message = e.message ?? String(error);
  // Node's words for a connection closed before any response (or during the TLS handshake); Go reads
  // them as an end of file.
  if (message === "socket hang up" || message.startsWith("Client network socket disconnected")) return "EOF";
  if (e.syscall === "getaddrinfo") {
    return `dial tcp: lookup ${url.hostname}: ${code === "ENOTFOUND" ? "no such host" : message}`;
  }
  const errno = GO_ERRNO_TEXT[code];
  if (e.syscall === "connect") {
    return `dial tcp ${joinHostPort(e.address ?? url.hostname, e.port ?? url.port)}: connect: ${errno ?? message}`;
  }
  if ((e.syscall === "read" || e.syscall === "write") && errno !== undefined) {
    const on = endpoints === "" ? "" : ` ${endpoints}`;
    return `${e.syscall} tcp${on}: ${e.syscall}: ${errno}`;
  }
  // OpenSSL's view of a plain-HTTP answer to a TLS hello (an error code, or only the text, by Node version).
  if (
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" ||
    /:(wrong version number|packet length too long):/.test(message)
  ) {
    return "http: server gave HTTP response to HTTPS client";
  }
  return message;
}
