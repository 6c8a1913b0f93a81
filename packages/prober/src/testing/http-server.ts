import * as http from "node:http";
import * as https from "node:https";
import type * as net from "node:net";
import { type Clock, createRealClock } from "@kubelet-kit/core";

/**
 * What an {@link HttpProbeTarget} does with a request. Discriminated on `type`:
 * - `respond`: a status with headers and a body (`body`, or `bodyBytes` bytes of `x`), optionally after
 *   `delayMs`. `holdConnection` keeps the connection open after the response, ignoring the client's
 *   `Connection: close`, so the client is the side that closes it (how TIME_WAIT sockets land on a prober).
 * - `redirect`: a 3xx (default 302) with `Location: location`.
 * - `partial`: the status line, headers announcing `bodyBytes` bytes, only `sentBytes` of them, and
 *   `afterwards` reset the connection, or hang until the server closes.
 * - `reset`: reset the connection (RST) without answering.
 * - `close`: close the connection (FIN) without answering.
 * - `hang`: never answer; the connection stays open until the client goes or the server closes.
 */
export type HttpProbeReply =
  | {
      readonly type: "respond";
      /** Default: 200. */
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string | readonly string[]>>;
      /** Default: `"ok"` unless `bodyBytes` is set. */
      readonly body?: string | Uint8Array;
      /** A body of this many `x` bytes instead of `body`. */
      readonly bodyBytes?: number;
      /** Send the body chunked instead of with a `Content-Length`. Default: false. */
      readonly chunked?: boolean;
      /** Wait this long (on the server's clock) before answering. Default: 0. */
      readonly delayMs?: number;
      /** Keep the connection open after the response. Default: false. */
      readonly holdConnection?: boolean;
    }
  | {
      readonly type: "redirect";
      readonly location: string;
      /** Default: 302. */
      readonly status?: number;
      /** Default: empty. */
      readonly body?: string;
      readonly delayMs?: number;
    }
  | {
      readonly type: "partial";
      /** Default: 200. */
      readonly status?: number;
      readonly bodyBytes: number;
      readonly sentBytes: number;
      readonly afterwards: "reset" | "hang";
    }
  | { readonly type: "reset" }
  | { readonly type: "close" }
  | { readonly type: "hang" };

/** A request the server received. */
export interface RecordedHttpRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly path: string;
  /** Headers with lower-cased names (Node's `IncomingHttpHeaders`). */
  readonly headers: http.IncomingHttpHeaders;
  /** Header names and values as sent, in order: `[name0, value0, name1, value1, …]`. */
  readonly rawHeaders: readonly string[];
  /** The client's port: with the server's port, it identifies the client's socket in `/proc/net/tcp`. */
  readonly remotePort: number;
}

/** A fixed reply, or a function choosing one per request (by path, by count, …). */
export type HttpProbeReplySource = HttpProbeReply | ((request: RecordedHttpRequest) => HttpProbeReply);

/** Options of {@link serveHttpProbeTarget}. */
export interface ServeHttpProbeTargetOptions {
  /** Address to listen on. Default: `"127.0.0.1"`; `"::1"` for IPv6. The port is always ephemeral. */
  host?: string;
  /** Serve HTTPS with a built-in self-signed certificate (probes do not verify it). Default: false. */
  tls?: boolean;
  /** What to answer. Default: `{ type: "respond", status: 200, body: "ok" }`. Change it with `setReply`. */
  reply?: HttpProbeReplySource;
  /** Clock of `delayMs`. Default: a real clock. */
  clock?: Clock;
}

/** A loopback HTTP(S) server with scripted replies, for probe tests, e2e scenarios and benchmarks. */
export interface HttpProbeTarget {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` (or `https://`, `[::1]`), without a trailing slash. */
  readonly url: string;
  /** Every request received so far, oldest first. */
  readonly requests: readonly RecordedHttpRequest[];
  /** Replaces the reply for requests from now on. */
  setReply(reply: HttpProbeReplySource): void;
  /** Resolves once at least `count` requests have arrived in total. */
  waitForRequests(count: number): Promise<void>;
  /** Connections accepted and not yet closed. */
  openConnections(): number;
  /** Resolves once no accepted connection is open any more. */
  waitForNoConnections(): Promise<void>;
  /** Closes the server and every connection it holds. */
  close(): Promise<void>;
}

/**
 * Test-only self-signed certificate and key (EC P-256, CN `kubelet-kit-test`, valid until 2126). Not a
 * secret: it protects nothing and is never trusted, probes skip TLS verification.
 */
const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQsD44WN/Z5JuqMJa
N8eLTxME0nvHxu730tu1mgKdnqehRANCAAT9rHP/eODlGoTl1uGcTaQIquzl+G5W
vnrfKwCmrOBMkPM/BjX8yC3lLL0SUFPvV8fQi8zqKqGxx9j4mnZvSA3E
-----END PRIVATE KEY-----
`;
const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUSI03xKREmDzEzji6o/Xrt71tjUgwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQa3ViZWxldC1raXQtdGVzdDAgFw0yNjExMjcwNTE0MzJaGA8y
MTI2MTEwMzA1MTQzMlowGzEZMBcGA1UEAwwQa3ViZWxldC1raXQtdGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABP2sc/944OUahOXW4ZxNpAiq7OX4bla+et8r
AKas4EyQ8z8GNfzILeUsvRJQU+9Xx9CLzOoqobHH2Piadm9IDcSjUzBRMB0GA1Ud
DgQWBBRllGq+KswcyERtMo/odBKqf5UOzDAfBgNVHSMEGDAWgBRllGq+KswcyERt
Mo/odBKqf5UOzDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIAm0
AiXvs5Y3JrOsWSXmKUoAon44Wv+1VbG/utz9OgsMAiBrK/0Hu2kHv8s1IwWyhHHC
rArsg/SH2MbfAF3qzeewzA==
-----END CERTIFICATE-----
`;

function resolveServerOptions(options: ServeHttpProbeTargetOptions): Required<ServeHttpProbeTargetOptions> {
  return {
    host: options.host ?? "127.0.0.1",
    tls: options.tls ?? false,
    reply: options.reply ?? { type: "respond", status: 200, body: "ok" },
    clock: options.clock ?? createRealClock(),
  };
}

/** Starts an {@link HttpProbeTarget} on an ephemeral port. */
export async function serveHttpProbeTarget(
  options: ServeHttpProbeTargetOptions = {},
): Promise<HttpProbeTarget> {
  const { host, tls, clock, reply: initialReply } = resolveServerOptions(options);
  let reply = initialReply;
  const requests: RecordedHttpRequest[] = [];
  const requestWaiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<net.Socket>();
  let idleWaiters: (() => void)[] = [];

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const recorded: RecordedHttpRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      remotePort: req.socket.remotePort ?? 0,
    };
    requests.push(recorded);
    for (const waiter of requestWaiters.filter((w) => requests.length >= w.count)) {
      requestWaiters.splice(requestWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const chosen = typeof reply === "function" ? reply(recorded) : reply;
    // Drain the (empty) request body so the response can complete.
    req.resume();
    answer(chosen, req.socket, res, clock);
  };

  const server = tls
    ? https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, onRequest)
    : http.createServer(onRequest);
  // Like Node's default: a 400 for bytes that are not HTTP (say, a TLS hello); resets pass silently.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: net.Socket) => {
    if (error.code !== "ECONNRESET" && socket.writable) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    } else {
      socket.destroy();
    }
  });
  server.on(tls ? "secureConnection" : "connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const authority = host.includes(":") ? `[${host}]:${address.port}` : `${host}:${address.port}`;

  return {
    host,
    port: address.port,
    url: `${tls ? "https" : "http"}://${authority}`,
    requests,
    setReply(next) {
      reply = next;
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => requestWaiters.push({ count, resolve }));
    },
    openConnections: () => sockets.size,
    waitForNoConnections() {
      if (sockets.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function answer(reply: HttpProbeReply, socket: net.Socket, res: http.ServerResponse, clock: Clock): void {
  switch (reply.type) {
    case "reset":
      resetSocket(socket);
      return;
    case "close":
      socket.end();
      return;
    case "hang":
      return;
    case "partial": {
      res.writeHead(reply.status ?? 200, { "Content-Length": String(reply.bodyBytes) });
      res.write(Buffer.alloc(reply.sentBytes, "x"), () => {
        if (reply.afterwards === "reset") resetSocket(socket);
      });
      return;
    }
    case "redirect": {
      const send = (): void => {
        res.writeHead(reply.status ?? 302, { Location: reply.location });
        res.end(reply.body ?? "");
      };
      later(clock, reply.delayMs, send);
      return;
    }
    case "respond": {
      const body =
        reply.bodyBytes !== undefined ? Buffer.alloc(reply.bodyBytes, "x") : toBuffer(reply.body ?? "ok");
      const status = reply.status ?? 200;
      const send = (): void => {
        if (reply.holdConnection === true) {
          writeRawResponse(socket, status, reply.headers ?? {}, body);
          return;
        }
        for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
        if (reply.chunked !== true) res.setHeader("Content-Length", body.length);
        res.statusCode = status;
        res.end(body);
      };
      later(clock, reply.delayMs, send);
      return;
    }
  }
}

/**
 * Writes a response straight to the socket and leaves the connection open: Node's server would otherwise
 * honour the client's `Connection: close` and close first.
 */
function writeRawResponse(
  socket: net.Socket,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  body: Buffer,
): void {
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Status"}`];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of typeof value === "string" ? [value] : value) lines.push(`${name}: ${one}`);
  }
  lines.push(`Content-Length: ${body.length}`, "Connection: keep-alive", "", "");
  socket.write(Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), body]));
}

function resetSocket(socket: net.Socket): void {
  // A TLS socket wraps no separate TCP socket object; destroying it is the closest we get.
  if (typeof socket.resetAndDestroy === "function" && !("encrypted" in socket)) socket.resetAndDestroy();
  else socket.destroy();
}

function later(clock: Clock, delayMs: number | undefined, fn: () => void): void {
  if (delayMs === undefined || delayMs <= 0) fn();
  else clock.setTimeout(fn, delayMs);
}

function toBuffer(body: string | Uint8Array): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
}
