import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import type { Logger } from "@kubelet-kit/core";
import type { ScriptedListener } from "./behaviour.js";
import { inWindow } from "./exec.js";

// A container's scripted listeners: real sockets on the sandbox's loopback IP, opened and closed on the
// edges of their windows (the container's running time on the fake's clock). Created only for a container
// whose behaviour has `listen` entries.

/** What the listeners need from the container they belong to. */
export interface ListenerHooks {
  /** How long the container has run, in ms on the fake's clock. */
  runningMs(): number;
  /** Runs `fn` after `delayMs` on the fake's clock, unless the container stopped running meanwhile. */
  after(delayMs: number, fn: () => void): void;
  /** A window opened but its port could not be bound (`reason` names the address). */
  bindFailed(reason: string): void;
  readonly logger: Logger;
}

/** Body of a request no route answers (what Go's `http.NotFound` writes). */
export const NOT_FOUND_BODY = "404 page not found\n";

interface Slot {
  readonly spec: ScriptedListener;
  /** `ip:port`. */
  readonly address: string;
  server: Server | undefined;
  binding: boolean;
  /** Whether the window is open (the socket should be listening). */
  wanted: boolean;
  /** Accepted connections, destroyed when the port closes. */
  readonly sockets: Set<Socket>;
}

/** The listeners of one container. Closing is final. */
export class ContainerListeners {
  readonly #ip: string;
  readonly #slots: readonly Slot[];
  readonly #hooks: ListenerHooks;
  #closed = false;

  constructor(ip: string, specs: readonly ScriptedListener[], hooks: ListenerHooks) {
    this.#ip = ip;
    this.#hooks = hooks;
    this.#slots = specs.map((spec) => ({
      spec,
      address: `${ip}:${spec.port}`,
      server: undefined,
      binding: false,
      wanted: false,
      sockets: new Set(),
    }));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Binds every listener whose window holds running time 0, before the process counts as started. Rejects
   * with the reason (naming the address) of the first that fails, after closing the others.
   */
  async bindInitial(): Promise<void> {
    const initial = this.#slots.filter((slot) => inWindow(slot.spec, 0));
    for (const slot of initial) {
      slot.wanted = true;
      slot.binding = true;
    }
    const results = await Promise.allSettled(initial.map((slot) => this.#bind(slot)));
    let failure: string | undefined;
    results.forEach((result, i) => {
      const slot = initial[i] as Slot;
      slot.binding = false;
      if (result.status === "fulfilled") slot.server = result.value;
      else failure ??= bindFailure(slot.address, result.reason);
    });
    if (this.#closed) {
      for (const slot of initial) this.#shut(slot);
    } else if (failure !== undefined) {
      this.close();
      throw new Error(failure);
    }
  }

  /** Once the process runs: opens and closes ports at the edges of their windows on the fake's clock. */
  scheduleWindows(): void {
    const edges = new Set<number>();
    for (const { spec } of this.#slots) {
      if ((spec.fromMs ?? 0) > 0) edges.add(spec.fromMs as number);
      if (spec.untilMs !== undefined) edges.add(spec.untilMs);
    }
    const now = this.#hooks.runningMs();
    for (const edge of edges) this.#hooks.after(edge - now, () => this.#reconcile(edge));
  }

  /** Stops listening on every port and destroys every accepted connection. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const slot of this.#slots) this.#shut(slot);
  }

  /** Closes ports whose window ended before opening those whose window began (they may share a port). */
  #reconcile(runningMs: number): void {
    if (this.#closed) return;
    for (const slot of this.#slots) if (!inWindow(slot.spec, runningMs)) this.#shut(slot);
    for (const slot of this.#slots) if (inWindow(slot.spec, runningMs)) this.#open(slot);
  }

  #open(slot: Slot): void {
    slot.wanted = true;
    if (slot.server !== undefined || slot.binding) return;
    slot.binding = true;
    this.#bind(slot).then(
      (server) => {
        slot.binding = false;
        slot.server = server;
        if (!slot.wanted || this.#closed) this.#shut(slot);
      },
      (err: unknown) => {
        slot.binding = false;
        if (!slot.wanted || this.#closed) return;
        slot.wanted = false;
        this.#hooks.bindFailed(bindFailure(slot.address, err));
      },
    );
  }

  #shut(slot: Slot): void {
    slot.wanted = false;
    const server = slot.server;
    slot.server = undefined;
    server?.close();
    for (const socket of slot.sockets) socket.destroy();
    slot.sockets.clear();
  }

  #bind(slot: Slot): Promise<Server> {
    const { spec } = slot;
    const server =
      spec.protocol === "http"
        ? createHttpServer((req, res) => this.#answer(spec, req, res))
        : createTcpServer(holdConnection);
    server.on("connection", (socket: Socket) => {
      slot.sockets.add(socket);
      socket.once("close", () => slot.sockets.delete(socket));
    });
    return new Promise<Server>((resolve, reject) => {
      const onError = (err: Error): void => {
        server.off("listening", onListening);
        reject(err);
      };
      const onListening = (): void => {
        server.off("error", onError);
        server.on("error", (err) =>
          this.#hooks.logger.warn({ err, address: slot.address }, "fake listener error"),
        );
        // Like the fake's default clock, its sockets do not keep the process alive.
        server.unref();
        resolve(server);
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen({ host: this.#ip, port: spec.port, exclusive: true });
    });
  }

  #answer(spec: ScriptedListener, req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = (req.url ?? "/").split("?", 1)[0];
    const runningMs = this.#hooks.runningMs();
    const route = (spec.routes ?? []).find((r) => r.path === path && inWindow(r, runningMs));
    const status = route === undefined ? 404 : (route.status ?? 200);
    const body = route === undefined ? NOT_FOUND_BODY : (route.body ?? "");
    res.writeHead(status, {
      "Content-Type": "text/plain",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  }
}

/** "tcp": accept, discard what the peer sends, and close only when it does. */
function holdConnection(socket: Socket): void {
  socket.on("error", () => {
    // A peer resetting the connection (as probes do) is expected.
  });
  socket.on("end", () => socket.end());
  socket.resume();
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "cannot assign requested address",
  EACCES: "permission denied",
};

/** `listen tcp 127.77.0.2:8080: bind: address already in use`, as a Go server would report it. */
function bindFailure(address: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = (code === undefined ? undefined : ERRNO_TEXT[code]) ?? (err as Error | undefined)?.message;
  return `listen tcp ${address}: bind: ${text ?? String(err)}`;
}
