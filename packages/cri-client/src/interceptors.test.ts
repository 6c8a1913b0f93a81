import {
  createFakeClock,
  createMemoryLogger,
  KubeletKitError,
  type KubeletKitErrorCode,
} from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { createRuntimeService } from "./client.js";
import { loggingInterceptor, metricsInterceptor } from "./interceptors.js";
import type { CriTransport } from "./types.js";

/** Answers Version after 30 ms of fake time; fails everything else with NotFound after 5 ms. */
function slowTransport(clock: ReturnType<typeof createFakeClock>): CriTransport {
  return {
    async unary(ctx, _input, output) {
      if (ctx.method.name === "Version") {
        await clock.sleep(30);
        return { $typeName: output.typeName, runtimeName: "fake" } as never;
      }
      await clock.sleep(5);
      throw new KubeletKitError("NotFound", "nope");
    },
    serverStream: () => ({
      [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
    }),
    close: () => {},
  };
}

describe("loggingInterceptor", () => {
  it("logs start and end at debug, with the method, the clock's duration and the error code", async () => {
    const clock = createFakeClock();
    const logger = createMemoryLogger();
    const client = createRuntimeService({
      transport: slowTransport(clock),
      clock,
      interceptors: [loggingInterceptor(logger, { clock })],
    });

    const ok = client.version();
    await clock.advanceAsync(30);
    await ok;
    const failed = client.containerStatus({ containerId: "x" }).catch((err: unknown) => err);
    await clock.advanceAsync(5);
    await failed;

    expect(
      logger.entries.map((e) => [e.level, e.msg, e.fields.method, e.fields.durationMs, e.fields.code]),
    ).toEqual([
      ["debug", "cri call started", "Version", undefined, undefined],
      ["debug", "cri call finished", "Version", 30, undefined],
      ["debug", "cri call started", "ContainerStatus", undefined, undefined],
      ["debug", "cri call failed", "ContainerStatus", 5, "NotFound"],
    ]);
  });
});

describe("metricsInterceptor", () => {
  it("observes every call's method, outcome and duration", async () => {
    const clock = createFakeClock();
    const observed: [string, KubeletKitErrorCode | "OK", number][] = [];
    const client = createRuntimeService({
      transport: slowTransport(clock),
      clock,
      interceptors: [metricsInterceptor({ observe: (...args) => observed.push(args) }, { clock })],
    });

    const ok = client.version();
    await clock.advanceAsync(30);
    await ok;
    const failed = client.listContainers().catch(() => {});
    await clock.advanceAsync(5);
    await failed;

    expect(observed).toEqual([
      ["Version", "OK", 30],
      ["ListContainers", "NotFound", 5],
    ]);
  });
});
