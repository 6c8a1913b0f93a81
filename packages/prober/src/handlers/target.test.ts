import { describe, expect, it } from "vitest";
import { probeHost, resolveProbePort } from "./target.js";

describe("resolveProbePort", () => {
  const container = {
    ports: [
      { name: "http", containerPort: 8080 },
      { name: "grpc", containerPort: 9090 },
    ],
  };

  it("takes numbers as they are and looks names up among the container's ports", () => {
    expect(resolveProbePort(80, container)).toBe(80);
    expect(resolveProbePort("http", container)).toBe(8080);
    expect(resolveProbePort("grpc", container)).toBe(9090);
  });

  it("reads a string that names no port as a number", () => {
    expect(resolveProbePort("8443", container)).toBe(8443);
  });

  it("rejects unknown names and ports outside 1-65535, as upstream words it", () => {
    expect(() => resolveProbePort("metrics", container)).toThrow(
      'strconv.Atoi: parsing "metrics": invalid syntax',
    );
    expect(() => resolveProbePort(0, container)).toThrow("invalid port number: 0");
    expect(() => resolveProbePort("70000", {})).toThrow("invalid port number: 70000");
  });
});

describe("probeHost", () => {
  it("uses the probe's host, else the pod IP", () => {
    expect(probeHost("example.test", "10.0.0.5")).toBe("example.test");
    expect(probeHost(undefined, "10.0.0.5")).toBe("10.0.0.5");
    expect(probeHost("", "10.0.0.5")).toBe("10.0.0.5");
  });
});
