import { createFakeClock, isKubeletKitError, KubeletKitError } from "@kubelet-kit/core";
import { type ContainerEventResponse, RuntimeService } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { createRuntimeService } from "./client.js";
import type { CallContext, CriTransport } from "./types.js";

/** A transport whose calls stay pending until the test settles them; it records every context. */
function pendingTransport(options: { honourSignal: boolean }) {
  const contexts: CallContext[] = [];
  const requests: unknown[] = [];
  let closed = 0;
  const transport: CriTransport = {
    unary(ctx, _input, _output, request) {
      contexts.push(ctx);
      requests.push(request);
      return new Promise((_, reject) => {
        if (options.honourSignal) ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      });
    },
    serverStream(ctx) {
      contexts.push(ctx);
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<never>>(() => {}),
        }),
      };
    },
    close() {
      closed++;
    },
  };
  return { transport, contexts, requests, closedCount: () => closed };
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe("call context", () => {
  it("computes the deadline on the injected clock and fires it when that clock reaches it", async () => {
    const clock = createFakeClock();
    const { transport, contexts } = pendingTransport({ honourSignal: true });
    const client = createRuntimeService({ transport, clock, timeoutMs: 5_000 });

    const outcome = settle(client.version());
    const [ctx] = contexts;
    expect(ctx?.deadlineMs).toBe(clock.now() + 5_000);
    expect(ctx?.method.name).toBe("Version");
    expect(ctx?.service).toBe(RuntimeService);

    clock.advance(4_999);
    expect(ctx?.signal.aborted).toBe(false);
    clock.advance(1);
    const { error } = await outcome;
    expect(isKubeletKitError(error, "DeadlineExceeded")).toBe(true);
    expect(ctx?.signal.reason).toBe(error);
  });

  it("ends the call at its deadline even when the transport ignores the signal", async () => {
    const clock = createFakeClock();
    const { transport } = pendingTransport({ honourSignal: false });
    const outcome = settle(createRuntimeService({ transport, clock }).listContainers({}, { timeoutMs: 10 }));
    clock.advance(10);
    expect(isKubeletKitError((await outcome).error, "DeadlineExceeded")).toBe(true);
  });

  it("clears the deadline timer when the call ends", async () => {
    const clock = createFakeClock();
    const transport: CriTransport = {
      unary: async (_ctx, _input, output) => ({ $typeName: output.typeName }) as never,
      serverStream: () => ({
        [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
      }),
      close: () => {},
    };
    await createRuntimeService({ transport, clock }).version();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("turns the caller's abort into Canceled, with the caller's reason as cause", async () => {
    const { transport, contexts } = pendingTransport({ honourSignal: true });
    const controller = new AbortController();
    const outcome = settle(createRuntimeService({ transport }).version({}, { signal: controller.signal }));
    const reason = new Error("shutting down");
    controller.abort(reason);
    const { error } = await outcome;
    expect(isKubeletKitError(error, "Canceled")).toBe(true);
    expect((error as KubeletKitError).cause).toBe(reason);
    expect(contexts[0]?.signal.aborted).toBe(true);
  });

  it("builds the request message from a partial init object, or an empty one", async () => {
    const { transport, requests } = pendingTransport({ honourSignal: true });
    const client = createRuntimeService({ transport });
    const controller = new AbortController();
    void settle(client.execSync({ containerId: "c1", timeout: 5n }, { signal: controller.signal }));
    void settle(client.version(undefined, { signal: controller.signal }));
    controller.abort();
    expect(requests).toMatchObject([
      { $typeName: "runtime.v1.ExecSyncRequest", containerId: "c1", cmd: [], timeout: 5n },
      { $typeName: "runtime.v1.VersionRequest", version: "" },
    ]);
  });

  it("maps anything a transport throws that is not a KubeletKitError, once", async () => {
    const transport: CriTransport = {
      unary: async () => {
        throw new TypeError("socket hang up");
      },
      serverStream: () => ({
        [Symbol.asyncIterator]: () => ({
          next: () => Promise.reject(new KubeletKitError("Unimplemented", "no events")),
        }),
      }),
      close: () => {},
    };
    const client = createRuntimeService({ transport });
    const { error } = await settle(client.version());
    expect(isKubeletKitError(error, "Unknown")).toBe(true);
    expect((error as KubeletKitError).rawMessage).toBe("socket hang up");

    const iterator = client.getContainerEvents()[Symbol.asyncIterator]();
    const streamed = await settle(iterator.next());
    expect(isKubeletKitError(streamed.error, "Unimplemented")).toBe(true);
  });

  it("gives streams no deadline unless the caller asks, and a clock-driven one when it does", async () => {
    const clock = createFakeClock();
    const { transport, contexts } = pendingTransport({ honourSignal: true });
    const client = createRuntimeService({ transport, clock, timeoutMs: 1_000 });

    const endless = client.getContainerEvents()[Symbol.asyncIterator]();
    const endlessNext = settle(endless.next());
    const bounded = client.getContainerEvents({}, { timeoutMs: 50 })[Symbol.asyncIterator]();
    const boundedNext: Promise<{ value?: IteratorResult<ContainerEventResponse>; error?: unknown }> = settle(
      bounded.next(),
    );
    await Promise.resolve();
    expect(contexts.map((c) => c.deadlineMs)).toEqual([undefined, clock.now() + 50]);

    clock.advance(10_000);
    expect(isKubeletKitError((await boundedNext).error, "DeadlineExceeded")).toBe(true);
    expect(contexts[0]?.signal.aborted).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    void endlessNext;
  });

  it("gives interceptors a signal aborted with the call's end reason, even when first read after the end", async () => {
    const clock = createFakeClock();
    const { transport } = pendingTransport({ honourSignal: false });
    const seen: CallContext[] = [];
    const client = createRuntimeService({
      transport,
      clock,
      interceptors: [
        (next) => (req) => {
          seen.push(req.ctx);
          return next(req);
        },
      ],
    });
    const outcome = settle(client.version({}, { timeoutMs: 10 }));
    clock.advance(10);
    const { error } = await outcome;
    expect(isKubeletKitError(error, "DeadlineExceeded")).toBe(true);
    const [ctx] = seen;
    expect(ctx?.signal.aborted).toBe(true);
    expect(ctx?.signal.reason).toBe(error);
    // A copy, as interceptors make to change headers, carries the same signal.
    expect({ ...ctx }.signal).toBe(ctx?.signal);
  });

  it("closes a transport it created, never one it was given", () => {
    const { transport, closedCount } = pendingTransport({ honourSignal: true });
    createRuntimeService({ transport }).close();
    expect(closedCount()).toBe(0);
  });
});
