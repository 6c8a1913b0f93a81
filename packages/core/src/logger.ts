/** Severity of a log entry, lowest first. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** The log levels in increasing severity. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze([
  "trace",
  "debug",
  "info",
  "warn",
  "error",
] as const);

/**
 * One log method, pino-style: structured fields first, then an optional message; or a message alone.
 * Put an error under `err` (`logger.warn({ err, podUid }, "sync failed")`), as pino's serializers expect.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/**
 * The logger every kubelet-kit subsystem accepts as its `logger` option (default: {@link createNoopLogger}).
 *
 * A pino logger satisfies this interface structurally, so `createX({ logger: pino() })` type-checks without
 * an adapter: pino's `LogFn` has the overloads `(obj: unknown, msg?: string, ...args)` and
 * `(msg: string, ...args)`, which accept both of ours, and its `child(bindings: Bindings, options?)`
 * (`Bindings` being a string-keyed record) returns a pino logger, which again satisfies `Logger`. We only
 * call `(obj, msg)` and `(msg)`, never pino's printf-style extra arguments, and we never use `fatal`.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger that adds `bindings` to every entry (child bindings override the parent's on conflict). */
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything. The default `logger` of every factory in kubelet-kit. */
export function createNoopLogger(): Logger {
  const noop: LogFn = () => {};
  const logger: Logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    child: () => logger,
  };
  return logger;
}

/** One entry recorded by a {@link MemoryLogger}. */
export interface MemoryLogEntry {
  readonly level: LogLevel;
  /** The logger's bindings (outermost child first) merged with the call's object; the call wins on conflict. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The message, or `undefined` when the call passed only an object. */
  readonly msg: string | undefined;
}

/** A {@link Logger} that records entries in memory, for tests. Children share their root's `entries`. */
export interface MemoryLogger extends Logger {
  /** Every entry logged through this logger or any of its children, oldest first. */
  readonly entries: readonly MemoryLogEntry[];
  /** Forgets all recorded entries (of the whole family of loggers). */
  clear(): void;
  child(bindings: Record<string, unknown>): MemoryLogger;
}

/** Creates an empty {@link MemoryLogger}. */
export function createMemoryLogger(): MemoryLogger {
  const entries: MemoryLogEntry[] = [];

  function make(bindings: Readonly<Record<string, unknown>>): MemoryLogger {
    const method =
      (level: LogLevel): LogFn =>
      (objOrMsg: object | string, msg?: string) => {
        if (typeof objOrMsg === "string") {
          entries.push({ level, fields: { ...bindings }, msg: objOrMsg });
        } else if (objOrMsg instanceof Error) {
          // As pino does: an error passed alone is logged under `err`, its message standing in for `msg`.
          entries.push({ level, fields: { ...bindings, err: objOrMsg }, msg: msg ?? objOrMsg.message });
        } else {
          entries.push({ level, fields: { ...bindings, ...objOrMsg }, msg });
        }
      };
    return {
      entries,
      clear: () => {
        entries.length = 0;
      },
      trace: method("trace"),
      debug: method("debug"),
      info: method("info"),
      warn: method("warn"),
      error: method("error"),
      child: (childBindings) => make({ ...bindings, ...childBindings }),
    };
  }

  return make({});
}
