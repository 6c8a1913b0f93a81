import type { CommandRunner, ExecResult } from "@kubelet-kit/core";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { createProbeHandlers } from "./handlers-factory.js";
import type { ProbeRequest } from "./run-probe.js";
import { serveGrpcHealth, serveHttpProbeTarget, serveTcpProbeTarget } from "./testing/index.js";

const pod: V1Pod = { metadata: { name: "web", namespace: "default", uid: "uid-1" } };
const container: V1Container = { name: "app", env: [{ name: "FILE", value: "/tmp/healthy" }] };

function request<A>(action: A, extra: Partial<ProbeRequest<A>> = {}): ProbeRequest<A> {
  return {
    action,
    kind: "liveness",
    pod,
    container,
    containerId: "cid-1",
    podIp: "127.0.0.1",
    timeoutMs: 10_000,
    signal: new AbortController().signal,
    ...extra,
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("createProbeHandlers", () => {
  it("runs exec probes through the runner in the probed container, with $(VAR) expanded and the timeout", async () => {
    const calls: { containerId: string; cmd: readonly string[]; timeoutMs: number }[] = [];
    const runner: CommandRunner = {
      async execSync(containerId, cmd, timeoutMs): Promise<ExecResult> {
        calls.push({ containerId, cmd: [...cmd], timeoutMs });
        return { exitCode: 1, stdout: new TextEncoder().encode("missing"), stderr: new Uint8Array() };
      },
    };
    const handlers = createProbeHandlers({ runner });
    const attempt = await handlers.exec(request({ command: ["cat", "$(FILE)"] }, { timeoutMs: 3000 }));
    expect(attempt).toEqual({ outcome: "failure", output: "missing" });
    expect(calls).toEqual([{ containerId: "cid-1", cmd: ["cat", "/tmp/healthy"], timeoutMs: 3000 }]);
  });

  it("sends httpGet probes to the pod IP with the configured user agent", async () => {
    const target = await serveHttpProbeTarget({ reply: { type: "respond", status: 503, body: "down" } });
    closers.push(() => target.close());
    const handlers = createProbeHandlers({ runner: unusedRunner(), userAgent: "my-agent/1.0" });
    const attempt = await handlers.httpGet(request({ port: target.port, path: "/healthz" }));
    expect(attempt).toEqual({ outcome: "failure", output: "HTTP probe failed with statuscode: 503" });
    expect(target.requests[0]?.path).toBe("/healthz");
    expect(target.requests[0]?.headers["user-agent"]).toBe("my-agent/1.0");
  });

  it("uses the kube-probe user agent by default", async () => {
    const target = await serveHttpProbeTarget();
    closers.push(() => target.close());
    const handlers = createProbeHandlers({ runner: unusedRunner() });
    const attempt = await handlers.httpGet(request({ port: target.port }));
    expect(attempt.outcome).toBe("success");
    expect(target.requests[0]?.headers["user-agent"]).toMatch(/^kube-probe\/\d+\.\d+$/);
  });

  it("resolves tcpSocket probes' named ports from the container", async () => {
    const target = await serveTcpProbeTarget({ mode: "refuse" });
    closers.push(() => target.close());
    const handlers = createProbeHandlers({ runner: unusedRunner() });
    const named = { ...container, ports: [{ name: "http", containerPort: target.port }] };
    const refused = await handlers.tcpSocket(request({ port: "http" }, { container: named }));
    expect(refused.outcome).toBe("failure");
    expect(refused.output).toContain(`127.0.0.1:${target.port}`);
    await target.setMode("accept");
    const accepted = await handlers.tcpSocket(request({ port: "http" }, { container: named }));
    expect(accepted.outcome).toBe("success");
  });

  it("checks grpc probes' service on the pod IP with the configured user agent", async () => {
    const server = await serveGrpcHealth({ answers: { db: "NOT_SERVING" } });
    closers.push(() => server.close());
    const handlers = createProbeHandlers({ runner: unusedRunner(), userAgent: "my-agent/1.0" });
    const attempt = await handlers.grpc(request({ port: server.port, service: "db" }));
    expect(attempt).toEqual({
      outcome: "failure",
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
    expect(server.calls[0]?.service).toBe("db");
    expect(server.calls[0]?.userAgent).toMatch(/^my-agent\/1\.0/);
  });
});

function unusedRunner(): CommandRunner {
  return {
    async execSync() {
      throw new Error("exec not expected");
    },
  };
}
