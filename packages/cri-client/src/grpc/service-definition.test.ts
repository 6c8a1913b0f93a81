import { create } from "@bufbuild/protobuf";
import {
  ImageService,
  RuntimeService,
  VersionRequestSchema,
  VersionResponseSchema,
} from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { toGrpcServiceDefinition } from "./service-definition.js";

describe("toGrpcServiceDefinition", () => {
  it("has one method per RPC, keyed by local name, with the gRPC path", () => {
    const definition = toGrpcServiceDefinition(RuntimeService);
    expect(Object.keys(definition)).toHaveLength(RuntimeService.methods.length);
    expect(definition.version).toMatchObject({
      path: "/runtime.v1.RuntimeService/Version",
      requestStream: false,
      responseStream: false,
      originalName: "Version",
    });
    expect(definition.getContainerEvents).toMatchObject({
      path: "/runtime.v1.RuntimeService/GetContainerEvents",
      requestStream: false,
      responseStream: true,
    });
    expect(toGrpcServiceDefinition(ImageService).pullImage?.path).toBe("/runtime.v1.ImageService/PullImage");
  });

  it("round-trips messages, and serializes plain init objects too", () => {
    const { version } = toGrpcServiceDefinition(RuntimeService);
    if (version === undefined) throw new Error("no version method");
    const request = create(VersionRequestSchema, { version: "v1" });
    expect(version.requestDeserialize(version.requestSerialize(request))).toEqual(request);

    const bytes = version.responseSerialize({ runtimeName: "fake", runtimeApiVersion: "v1" });
    expect(version.responseDeserialize(bytes)).toEqual(
      create(VersionResponseSchema, { runtimeName: "fake", runtimeApiVersion: "v1" }),
    );
  });
});
