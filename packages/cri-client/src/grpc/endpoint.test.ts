import { isKubeletKitError } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { parseCriEndpoint } from "./endpoint.js";

describe("parseCriEndpoint", () => {
  it("accepts unix:///abs/path", () => {
    expect(parseCriEndpoint("unix:///run/containerd/containerd.sock")).toEqual({
      target: "unix:///run/containerd/containerd.sock",
      socketPath: "/run/containerd/containerd.sock",
    });
  });

  it("accepts a bare absolute path", () => {
    expect(parseCriEndpoint("/run/crio/crio.sock")).toEqual({
      target: "unix:///run/crio/crio.sock",
      socketPath: "/run/crio/crio.sock",
    });
  });

  it.each([
    ["tcp://127.0.0.1:1234", 'scheme "tcp"'],
    ["npipe:////./pipe/containerd-containerd", 'scheme "npipe"'],
    ["unix://relative/path.sock", "must be absolute"],
    ["relative.sock", "expected unix://"],
    ["", "expected unix://"],
    ["unix://", "must be absolute"],
    ["/", "empty"],
  ])("rejects %j as InvalidArgument naming the endpoint", (endpoint, reason) => {
    let thrown: unknown;
    try {
      parseCriEndpoint(endpoint);
    } catch (err) {
      thrown = err;
    }
    expect(isKubeletKitError(thrown, "InvalidArgument")).toBe(true);
    expect((thrown as Error).message).toContain(`"${endpoint}"`);
    expect((thrown as Error).message).toContain(reason);
  });
});
