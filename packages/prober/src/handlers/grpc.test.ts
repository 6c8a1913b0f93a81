import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_KUBE_PROBE_VERSION } from "../constants.js";
import {
  type GrpcHealthServer,
  type ServeGrpcHealthOptions,
  serveGrpcHealth,
} from "../testing/grpc-health-server.js";
import { serveTcpProbeTarget, type TcpProbeTarget } from "../testing/tcp-server.js";
import { runGrpcProbe } from "./grpc.js";
import { eventually, timeWaitCount } from "./sockets.test-helpers.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function healthServer(options?: ServeGrpcHealthOptions): Promise<GrpcHealthServer> {
  const server = await serveGrpcHealth(options);
  closers.push(() => server.close());
  return server;
}

async function tcpTarget(mode: "accept" | "refuse"): Promise<TcpProbeTarget> {
  const target = await serveTcpProbeTarget({ mode });
  closers.push(() => target.close());
  return target;
}

describe("runGrpcProbe", () => {
  it("succeeds when the server as a whole is SERVING, announcing itself as kube-probe", async () => {
    const server = await healthServer();
    const attempt = await runGrpcProbe({
      action: { port: server.port },
      podIp: "127.0.0.1",
      timeoutMs: 5000,
    });
    expect(attempt).toEqual({ outcome: "success", output: "service healthy" });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]?.service).toBe("");
    expect(server.calls[0]?.userAgent).toMatch(new RegExp(`^kube-probe/${DEFAULT_KUBE_PROBE_VERSION} `));
  });

  it("asks for the action's service and takes a user agent of the agent's own", async () => {
    const server = await healthServer({ answers: { payments: "SERVING" } });
    const attempt = await runGrpcProbe({
      action: { port: server.port, service: "payments" },
      podIp: "127.0.0.1",
      timeoutMs: 5000,
      userAgent: "kube-probe/1.30",
    });
    expect(attempt.outcome).toBe("success");
    expect(server.calls[0]?.service).toBe("payments");
    expect(server.calls[0]?.userAgent).toMatch(/^kube-probe\/1\.30 /);
  });

  it.each([
    ["NOT_SERVING", '"NOT_SERVING"'],
    ["UNKNOWN", '"UNKNOWN"'],
    ["SERVICE_UNKNOWN", '"SERVICE_UNKNOWN"'],
    [7, '"7"'],
  ] as const)("fails when the service answers %s, naming the status", async (answer, quoted) => {
    const server = await healthServer({ answers: { "": answer } });
    const attempt = await runGrpcProbe({
      action: { port: server.port },
      podIp: "127.0.0.1",
      timeoutMs: 5000,
    });
    expect(attempt).toEqual({ outcome: "failure", output: `service unhealthy (responded with ${quoted})` });
  });

  it("follows the server as its answer flips", async () => {
    const server = await healthServer();
    const probe = () => runGrpcProbe({ action: { port: server.port }, podIp: "127.0.0.1", timeoutMs: 5000 });
    expect((await probe()).outcome).toBe("success");
    server.setAnswer("", "NOT_SERVING");
    expect((await probe()).outcome).toBe("failure");
    server.setAnswer("", "SERVING");
    expect((await probe()).outcome).toBe("success");
  });

  it("reports an unknown service as the server's NotFound error, in Go's status wording", async () => {
    const server = await healthServer({ answers: {} });
    const attempt = await runGrpcProbe({
      action: { port: server.port, service: "ghost" },
      podIp: "127.0.0.1",
      timeoutMs: 5000,
    });
    expect(attempt).toEqual({
      outcome: "failure",
      output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service",
    });
  });

  it("says so when the server does not implement the health protocol", async () => {
    const server = await healthServer({ implementsHealth: false });
    const attempt = await runGrpcProbe({
      action: { port: server.port },
      podIp: "127.0.0.1",
      timeoutMs: 5000,
    });
    expect(attempt.outcome).toBe("failure");
    expect(attempt.output).toMatch(
      /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): .+/,
    );
    expect(attempt.output).toContain("/grpc.health.v1.Health/Check");
  });

  it("fails with the rpc timeout text when the server never answers the check", async () => {
    const server = await healthServer({ answers: { "": "stall" } });
    const attempt = await runGrpcProbe({ action: { port: server.port }, podIp: "127.0.0.1", timeoutMs: 500 });
    expect(attempt).toEqual({
      outcome: "failure",
      output: "timeout: health rpc did not complete within 500ms",
    });
    expect(server.calls).toHaveLength(1);
  });

  it("fails with the connect timeout text when nothing listens, as a blocking dial does", async () => {
    const target = await tcpTarget("refuse");
    const attempt = await runGrpcProbe({ action: { port: target.port }, podIp: "127.0.0.1", timeoutMs: 500 });
    expect(attempt).toEqual({
      outcome: "failure",
      output: `timeout: failed to connect service "127.0.0.1:${target.port}" within 500ms: context deadline exceeded`,
    });
  });

  it("fails with the connect timeout text when the port accepts but never speaks HTTP/2", async () => {
    const target = await tcpTarget("accept");
    const attempt = await runGrpcProbe({ action: { port: target.port }, podIp: "127.0.0.1", timeoutMs: 500 });
    expect(attempt.output).toBe(
      `timeout: failed to connect service "127.0.0.1:${target.port}" within 500ms: context deadline exceeded`,
    );
    expect(target.acceptedCount).toBeGreaterThan(0);
  });

  it("brackets an IPv6 pod IP in the target", async () => {
    const server = await healthServer({ host: "::1" });
    const ok = await runGrpcProbe({ action: { port: server.port }, podIp: "::1", timeoutMs: 5000 });
    expect(ok.outcome).toBe("success");
    await server.close();
    const refused = await runGrpcProbe({ action: { port: server.port }, podIp: "::1", timeoutMs: 300 });
    expect(refused.output).toBe(
      `timeout: failed to connect service "[::1]:${server.port}" within 300ms: context deadline exceeded`,
    );
  });

  it("gives up with Canceled when the worker's signal aborts mid-call", async () => {
    const server = await healthServer({ answers: { "": "stall" } });
    const controller = new AbortController();
    const attempt = runGrpcProbe({
      action: { port: server.port },
      podIp: "127.0.0.1",
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    await eventually(() => server.calls.length === 1, "the check to arrive");
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ name: "KubeletKitError", code: "Canceled" });
    await expect(
      runGrpcProbe({
        action: { port: server.port },
        podIp: "127.0.0.1",
        timeoutMs: 1000,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: "Canceled" });
  });

  it("resets its connection after each probe, leaving no TIME_WAIT socket", async () => {
    const server = await healthServer();
    for (let i = 0; i < 20; i++) {
      const attempt = await runGrpcProbe({
        action: { port: server.port },
        podIp: "127.0.0.1",
        timeoutMs: 5000,
      });
      expect(attempt.outcome).toBe("success");
    }
    expect(server.calls).toHaveLength(20);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(timeWaitCount(server.port)).toBe(0);
  });
});
