import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A message of a benchmark child: a `type`, and `error` with a `message` when the child failed. */
export interface ChildMessage {
  readonly type: string;
}

/** A child process of a benchmark, spoken to over Node IPC. */
export interface BenchChild<Request, Message extends ChildMessage> {
  readonly pid: number | undefined;
  send(request: Request): void;
  /**
   * The next message of `type` (earlier messages of other types are dropped). Rejects when the child sends
   * `{ type: "error", message }`, exits first, or nothing arrives within `timeoutMs`.
   */
  next<T extends Message["type"]>(type: T, timeoutMs: number): Promise<Extract<Message, { type: T }>>;
  /** Resolves when the child exited; kills it (SIGKILL) if it has not after `graceMs`. */
  waitForExit(graceMs: number): Promise<void>;
  kill(): void;
}

/**
 * Forks `module` with `args` as its arguments and `execArgv` as its Node flags. The default, this
 * process's flags (`--conditions=@kubelet-kit/source --import tsx`), runs a `.ts` file next to the caller
 * (`new URL("./x.ts", import.meta.url)`) from the workspace's sources; a compiled `.js` file runs with `[]`
 * and loads the packages' dist/.
 */
export function forkBenchChild<Request, Message extends ChildMessage>(
  module: URL,
  args: readonly string[],
  execArgv: readonly string[] = process.execArgv,
): BenchChild<Request, Message> {
  const child: ChildProcess = fork(fileURLToPath(module), [...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // Structured clone instead of JSON: NaN (a figure that could not be measured) survives the trip.
    serialization: "advanced",
    execArgv: [...execArgv],
  });
  const queue: Message[] = [];
  let exit: string | undefined;
  let wake: (() => void) | undefined;
  child.on("message", (message: Message) => {
    queue.push(message);
    wake?.();
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = `exited (code ${code}, signal ${signal})`;
      wake?.();
      resolve();
    });
  });
  child.once("error", (err) => {
    exit = `could not run: ${err.message}`;
    wake?.();
  });

  return {
    pid: child.pid,
    send(request) {
      if (child.connected) child.send(request as object);
    },
    async next(type, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = queue.shift();
        if (message !== undefined) {
          if (message.type === type) return message as Extract<Message, { type: typeof type }>;
          if (message.type === "error") {
            const text = (message as unknown as { message?: unknown }).message;
            throw new Error(`child ${child.pid} failed: ${String(text)}`);
          }
          continue;
        }
        if (exit !== undefined) throw new Error(`child ${child.pid} ${exit} while waiting for "${type}"`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`child ${child.pid}: no "${type}" within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
    async waitForExit(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Child side: sends one message to the benchmark over IPC (a no-op when run without a parent). */
export function sendToParent(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * Child side: runs `main`; if it fails, tells the benchmark with `{ type: "error", message }`, sets a
 * non-zero exit code and lets go of the IPC channel so the process can exit.
 */
export function runBenchChildMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const failure = {
      type: "error",
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
    sendToParent(failure);
    process.exitCode = 1;
    process.disconnect?.();
  });
}
