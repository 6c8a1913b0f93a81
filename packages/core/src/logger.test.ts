import { describe, expect, expectTypeOf, it } from "vitest";
import { createMemoryLogger, createNoopLogger, type Logger } from "./logger.js";

/**
 * The shape of pino's logger as far as `Logger` cares, restated from pino's `pino.d.ts` (`LogFn` overloads
 * and `child(bindings, options?)`). pino is not a dependency; this checks that it would fit.
 */
interface PinoLikeLogFn {
  // biome-ignore lint/suspicious/noExplicitAny: restates pino's own signature, which uses any.
  <T extends object>(obj: T, msg?: string, ...args: any[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: restates pino's own signature, which uses any.
  (obj: unknown, msg?: string, ...args: any[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: restates pino's own signature, which uses any.
  (msg: string, ...args: any[]): void;
}
interface PinoLike {
  level: string;
  fatal: PinoLikeLogFn;
  error: PinoLikeLogFn;
  warn: PinoLikeLogFn;
  info: PinoLikeLogFn;
  debug: PinoLikeLogFn;
  trace: PinoLikeLogFn;
  silent: PinoLikeLogFn;
  // biome-ignore lint/suspicious/noExplicitAny: pino's Bindings is Record<string, any>.
  child(bindings: Record<string, any>, options?: { level?: string }): PinoLike;
}

describe("logger", () => {
  it("is satisfied structurally by a pino-shaped logger", () => {
    expectTypeOf<PinoLike>().toExtend<Logger>();
  });

  it("no-op logger accepts both call forms and returns itself as child", () => {
    const logger = createNoopLogger();
    expect(() => {
      logger.info({ podUid: "u" }, "synced");
      logger.warn("plain message");
    }).not.toThrow();
    expect(logger.child({ a: 1 })).toBe(logger);
  });

  it("memory logger records level, merged fields and message", () => {
    const logger = createMemoryLogger();
    logger.info({ podUid: "u1" }, "synced");
    logger.debug("just text");
    logger.trace({ only: "fields" });
    expect(logger.entries).toEqual([
      { level: "info", fields: { podUid: "u1" }, msg: "synced" },
      { level: "debug", fields: {}, msg: "just text" },
      { level: "trace", fields: { only: "fields" }, msg: undefined },
    ]);
  });

  it("memory logger children add bindings, innermost and call fields winning, into the shared entries", () => {
    const root = createMemoryLogger();
    const pod = root.child({ component: "pod-worker", podUid: "u1" });
    const container = pod.child({ container: "app", podUid: "u2" });
    container.warn({ container: "sidecar", attempt: 3 }, "restarting");
    pod.error("failed");
    expect(root.entries).toEqual([
      {
        level: "warn",
        fields: { component: "pod-worker", podUid: "u2", container: "sidecar", attempt: 3 },
        msg: "restarting",
      },
      { level: "error", fields: { component: "pod-worker", podUid: "u1" }, msg: "failed" },
    ]);
    expect(container.entries).toBe(root.entries);
  });

  it("memory logger files an error passed alone under err, with its message", () => {
    const logger = createMemoryLogger();
    const err = new Error("disk full");
    logger.error(err);
    expect(logger.entries).toEqual([{ level: "error", fields: { err }, msg: "disk full" }]);
  });

  it("memory logger clear forgets entries of the whole family", () => {
    const root = createMemoryLogger();
    const child = root.child({ a: 1 });
    child.info("x");
    root.clear();
    expect(child.entries).toHaveLength(0);
    child.info("y");
    expect(root.entries).toHaveLength(1);
  });

  it("memory loggers are independent of each other", () => {
    const a = createMemoryLogger();
    const b = createMemoryLogger();
    a.info("only a");
    expect(b.entries).toHaveLength(0);
  });
});
