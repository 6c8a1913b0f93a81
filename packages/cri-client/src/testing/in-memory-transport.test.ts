import { create } from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import { RuntimeService, VersionRequestSchema, VersionResponseSchema } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import type { CallContext, ServiceHandlers } from "../types.js";
import { createInMemoryTransport } from "./index.js";

const versionMethod = RuntimeService.method.version;

function context(signal: AbortSignal = new AbortController().signal): CallContext {
  return {
    service: RuntimeService,
    method: versionMethod,
    deadlineMs: undefined,
    signal,
    headers: { "x-test": "1" },
  };
}

describe("in-memory transport", () => {
  it("round-trips requests and responses through the wire format", async () => {
    let seen: unknown;
    const handlers: ServiceHandlers<typeof RuntimeService> = {
      version(request, ctx) {
        seen = { request, headers: ctx.headers };
        return { version: request.version, runtimeName: "x", unknownField: 1 } as never;
      },
    };
    const transport = createInMemoryTransport([{ service: RuntimeService, handlers }]);
    const request = create(VersionRequestSchema, { version: "0.1.0" });
    const response = await transport.unary(context(), VersionRequestSchema, VersionResponseSchema, request);
    expect(response).toEqual(create(VersionResponseSchema, { version: "0.1.0", runtimeName: "x" }));
    expect(seen).toMatchObject({ request: { version: "0.1.0" }, headers: { "x-test": "1" } });
    expect((seen as { request: unknown }).request).not.toBe(request);
  });

  it("hands errors over as a gRPC status would: code and message, nothing else", async () => {
    const transport = createInMemoryTransport([
      {
        service: RuntimeService,
        handlers: {
          version() {
            throw new KubeletKitError("NotFound", "gone", { details: { secret: 1 } });
          },
          status() {
            throw new TypeError("bug");
          },
        } satisfies ServiceHandlers<typeof RuntimeService>,
      },
    ]);
    const request = create(VersionRequestSchema, {});
    const err = await transport
      .unary(context(), VersionRequestSchema, VersionResponseSchema, request)
      .catch((e) => e);
    expect(err).toMatchObject({ code: "NotFound", rawMessage: "gone", details: { grpcCode: 5 } });
    const statusCtx = { ...context(), method: RuntimeService.method.status };
    const bug = await transport
      .unary(statusCtx, VersionRequestSchema, VersionResponseSchema, request)
      .catch((e) => e);
    expect(bug).toMatchObject({ code: "Internal", rawMessage: "bug" });
    const missing = { ...context(), method: RuntimeService.method.listContainers };
    await expect(
      transport.unary(missing, VersionRequestSchema, VersionResponseSchema, request),
    ).rejects.toMatchObject({
      code: "Unimplemented",
    });
  });

  it("rejects with the signal's reason when the call is aborted, and tells the handler", async () => {
    let handlerSignal: AbortSignal | undefined;
    const transport = createInMemoryTransport([
      {
        service: RuntimeService,
        handlers: {
          version(_request, ctx) {
            handlerSignal = ctx.signal;
            return new Promise(() => {});
          },
        } satisfies ServiceHandlers<typeof RuntimeService>,
      },
    ]);
    const controller = new AbortController();
    const pending = transport.unary(
      context(controller.signal),
      VersionRequestSchema,
      VersionResponseSchema,
      create(VersionRequestSchema),
    );
    controller.abort(new KubeletKitError("DeadlineExceeded", "Version exceeded its deadline of 5 ms"));
    await expect(pending).rejects.toMatchObject({ code: "DeadlineExceeded" });
    expect(handlerSignal?.aborted).toBe(true);

    const plain = new AbortController();
    plain.abort();
    await expect(
      transport.unary(
        context(plain.signal),
        VersionRequestSchema,
        VersionResponseSchema,
        create(VersionRequestSchema),
      ),
    ).rejects.toMatchObject({ code: "Canceled" });
  });

  it("fails calls with Unavailable once closed", async () => {
    const transport = createInMemoryTransport([
      { service: RuntimeService, handlers: { version: () => ({}) } },
    ]);
    transport.close();
    await expect(
      transport.unary(context(), VersionRequestSchema, VersionResponseSchema, create(VersionRequestSchema)),
    ).rejects.toMatchObject({ code: "Unavailable" });
  });
});
