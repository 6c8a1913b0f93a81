import { once } from "node:events";
import net from "node:net";
import { Worker } from "node:worker_threads";

/**
 * How a {@link TcpProbeTarget} answers connection attempts:
 * - `accept`: connections complete (a tcpSocket probe succeeds);
 * - `refuse`: nothing listens on the port, so connecting fails with "connection refused";
 * - `stall`: the port listens but its accept queue is full, so the kernel drops new SYNs and a connect
 *   never completes (the probe times out).
 */
export type TcpProbeTargetMode = "accept" | "refuse" | "stall";

/** Options of {@link serveTcpProbeTarget}. */
export interface ServeTcpProbeTargetOptions {
  /** Loopback address to listen on. Default: `"127.0.0.1"`. */
  host?: string;
  /** How connection attempts are answered at first. Default: `"accept"`. */
  mode?: TcpProbeTargetMode;
}

/** A TCP port on loopback for tcpSocket probes to connect to, in tests, e2e scenarios and benchmarks. */
export interface TcpProbeTarget {
  readonly host: string;
  /** The port, kept across mode changes. */
  readonly port: number;
  readonly mode: TcpProbeTargetMode;
  /** Connections accepted so far (in `accept` mode). */
  readonly acceptedCount: number;
  /** Connections accepted and not yet closed by their peer. */
  readonly openCount: number;
  /** Switches how the port answers; resolves once new attempts see the new mode. */
  setMode(mode: TcpProbeTargetMode): Promise<void>;
  /** Stops listening and lets go of every connection. */
  close(): Promise<void>;
}

/** The wait after which a connect attempt is taken to be stalled while filling an accept queue. */
const FILL_PROBE_MS = 250;
/** The most connections one accept queue is filled with before giving up (Linux needs backlog + 1). */
const MAX_FILLERS = 16;

/**
 * Starts a TCP listener on loopback (ephemeral port) that accepts, refuses or stalls connections as a test
 * asks. Accepted connections are kept until the peer closes or resets them.
 */
export async function serveTcpProbeTarget(options: ServeTcpProbeTargetOptions = {}): Promise<TcpProbeTarget> {
  const host = options.host ?? "127.0.0.1";
  let mode: TcpProbeTargetMode;
  let port = 0;
  let acceptedCount = 0;
  const open = new Set<net.Socket>();
  let acceptServer: net.Server | undefined;
  let stalled: StalledListener | undefined;

  async function listenAccepting(): Promise<void> {
    const server = net.createServer((socket) => {
      acceptedCount++;
      open.add(socket);
      // A probe resets its connection; that is the expected end, not an error.
      socket.on("error", () => {});
      socket.on("close", () => open.delete(socket));
    });
    server.listen({ host, port });
    await once(server, "listening");
    port = (server.address() as net.AddressInfo).port;
    acceptServer = server;
  }

  async function stopCurrent(): Promise<void> {
    if (acceptServer !== undefined) {
      const server = acceptServer;
      acceptServer = undefined;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (stalled !== undefined) {
      const listener = stalled;
      stalled = undefined;
      await listener.close();
    }
  }

  async function enter(next: TcpProbeTargetMode): Promise<void> {
    await stopCurrent();
    if (next === "accept") await listenAccepting();
    else if (next === "stall") {
      stalled = await startStalledListener(host, port);
      port = stalled.port;
    }
    mode = next;
  }

  // The port is chosen by the first listener, so every mode (refuse included) keeps one number.
  await listenAccepting();
  mode = "accept";
  if (options.mode !== undefined && options.mode !== "accept") await enter(options.mode);

  return {
    host,
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    get acceptedCount() {
      return acceptedCount;
    },
    get openCount() {
      return open.size;
    },
    setMode: (next) => (next === mode ? Promise.resolve() : enter(next)),
    async close() {
      await stopCurrent();
      for (const socket of open) socket.destroy();
      open.clear();
      mode = "refuse";
    },
  };
}

interface StalledListener {
  readonly port: number;
  close(): Promise<void>;
}

// Runs in a worker thread: listens, reports its port, then blocks its own event loop until told to stop,
// so the listening socket is never accepted from and its kernel accept queue fills up.
const STALLED_LISTENER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const net = require("node:net");
const flag = new Int32Array(workerData.flag);
const server = net.createServer((socket) => socket.destroy());
server.on("error", (error) => parentPort.postMessage({ error: String(error && error.message) }));
server.listen({ host: workerData.host, port: workerData.port, backlog: 1 }, () => {
  parentPort.postMessage({ port: server.address().port });
  Atomics.wait(flag, 0, 0);
  server.close();
  parentPort.close();
});
`;

async function startStalledListener(host: string, port: number): Promise<StalledListener> {
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(STALLED_LISTENER_SOURCE, { eval: true, workerData: { host, port, flag } });
  const exited = once(worker, "exit");
  const [message] = (await once(worker, "message")) as [{ port?: number; error?: string }];
  const release = async (): Promise<void> => {
    const cell = new Int32Array(flag);
    Atomics.store(cell, 0, 1);
    Atomics.notify(cell, 0);
    await exited;
  };
  if (message.port === undefined) {
    await release();
    throw new Error(`stalled listener on ${host}:${port} failed: ${message.error ?? "unknown error"}`);
  }
  const boundPort = message.port;
  // Fill the accept queue: connections complete until it is full, then SYNs are dropped.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < MAX_FILLERS; i++) {
    const socket = net.connect({ host, port: boundPort });
    socket.on("error", () => {});
    const connected = await connectsWithin(socket, FILL_PROBE_MS);
    if (!connected) {
      socket.destroy();
      break;
    }
    fillers.push(socket);
  }
  return {
    port: boundPort,
    async close() {
      for (const socket of fillers) socket.destroy();
      await release();
    },
  };
}

function connectsWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let connected = false;
    socket.once("connect", () => {
      connected = true;
      clearTimeout(timer);
      resolve(true);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
    // Real time on purpose: this races the kernel's handshake, which no injected clock drives. The answer
    // waits for the next check phase, so a handshake that completed while the event loop was busy (its
    // event still queued behind this timer) still counts as connected.
    const timer = setTimeout(() => setImmediate(() => resolve(connected)), ms);
  });
}
