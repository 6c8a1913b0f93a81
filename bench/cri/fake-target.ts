import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type FakeServerArgs, type FakeServerMessage, formatFakeServerArgs } from "./fake-protocol.js";

/** The fake runtime, populated and served by a child process. */
export interface FakeTarget {
  readonly endpoint: string;
  /** Version's runtime name and version. */
  readonly runtime: string;
  /** Containers created in it. */
  readonly containers: number;
  /** Time the child spent creating them (in memory). */
  readonly createMs: number;
  /** Stops the server and waits for the child to exit. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Starts `fake-server.ts` in a child process (same Node flags as this one, so TypeScript sources and the
 * source condition work), and waits until it serves `socketPath` with its containers created.
 */
export async function startFakeTarget(args: FakeServerArgs): Promise<FakeTarget> {
  const child = fork(
    fileURLToPath(new URL("./fake-server.ts", import.meta.url)),
    formatFakeServerArgs(args),
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<Extract<FakeServerMessage, { type: "ready" }>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the fake runtime did not start within 60 s")),
      READY_TIMEOUT_MS,
    );
    child.once("message", (message: FakeServerMessage) => {
      clearTimeout(timer);
      if (message.type === "ready") resolve(message);
      else reject(new Error(`the fake runtime failed to start: ${message.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the fake runtime exited before it was ready (code ${code}, signal ${signal})`));
    });
  }).catch((err: unknown) => {
    child.kill();
    throw err;
  });
  return {
    endpoint: ready.endpoint,
    runtime: ready.runtime,
    containers: ready.containers,
    createMs: ready.createMs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.connected)
        child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
