import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveTcpProbeTarget, type TcpProbeTarget } from "../testing/tcp-server.js";
import { eventually, timeWaitCount } from "./sockets.test-helpers.js";
import { runTcpProbe } from "./tcp.js";

const targets: TcpProbeTarget[] = [];
async function target(mode?: "accept" | "refuse" | "stall", host?: string): Promise<TcpProbeTarget> {
  const t = await serveTcpProbeTarget({ ...(mode ? { mode } : {}), ...(host ? { host } : {}) });
  targets.push(t);
  return t;
}

afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

describe("runTcpProbe", () => {
  it("succeeds when the pod IP accepts the connection, with no output", async () => {
    const t = await target();
    const attempt = await runTcpProbe({
      action: { port: t.port },
      container: {},
      podIp: "127.0.0.1",
      timeoutMs: 5000,
    });
    expect(attempt).toEqual({ outcome: "success", output: "" });
    expect(t.acceptedCount).toBe(1);
  });

  it("resolves a named container port and prefers the action's host over the pod IP", async () => {
    const t = await target();
    const attempt = await runTcpProbe({
      // 192.0.2.1 (TEST-NET-1) is never dialled: the action's host wins.
      action: { port: "probe", host: "127.0.0.1" },
      container: { ports: [{ name: "probe", containerPort: t.port }] },
      podIp: "192.0.2.1",
      timeoutMs: 5000,
    });
    expect(attempt.outcome).toBe("success");
    expect(t.acceptedCount).toBe(1);
  });

  it("dials a host name after resolving it", async () => {
    const t = await target();
    const attempt = await runTcpProbe({
      action: { port: t.port, host: "localhost" },
      container: {},
      podIp: "",
      timeoutMs: 5000,
    });
    expect(attempt.outcome).toBe("success");
  });

  it("resets each connection, so neither end is left in TIME_WAIT", async () => {
    const t = await target();
    for (let i = 0; i < 20; i++) {
      const attempt = await runTcpProbe({
        action: { port: t.port },
        container: {},
        podIp: "127.0.0.1",
        timeoutMs: 5000,
      });
      expect(attempt.outcome).toBe("success");
    }
    await eventually(() => t.acceptedCount === 20 && t.openCount === 0, "the server to see 20 resets");
    expect(timeWaitCount(t.port)).toBe(0);
  });

  it("would see TIME_WAIT sockets after a plain close (the check above can fail)", async () => {
    const t = await target();
    const socket = net.connect({ host: "127.0.0.1", port: t.port });
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.destroy();
    await eventually(() => timeWaitCount(t.port) > 0, "a TIME_WAIT socket");
  });

  it("fails with Go's refusal text when nothing listens on the port", async () => {
    const t = await target("refuse");
    const attempt = await runTcpProbe({
      action: { port: t.port },
      container: {},
      podIp: "127.0.0.1",
      timeoutMs: 5000,
    });
    expect(attempt).toEqual({
      outcome: "failure",
      output: `dial tcp 127.0.0.1:${t.port}: connect: connection refused`,
    });
  });

  it("brackets an IPv6 address in the failure text", async () => {
    const t = await target("refuse", "::1");
    const attempt = await runTcpProbe({
      action: { port: t.port },
      container: {},
      podIp: "::1",
      timeoutMs: 5000,
    });
    expect(attempt.output).toBe(`dial tcp [::1]:${t.port}: connect: connection refused`);
  });

  it("fails with an i/o timeout when the connect does not complete within the timeout", async () => {
    const t = await target("stall");
    const attempt = await runTcpProbe({
      action: { port: t.port },
      container: {},
      podIp: "127.0.0.1",
      timeoutMs: 300,
    });
    expect(attempt).toEqual({ outcome: "failure", output: `dial tcp 127.0.0.1:${t.port}: i/o timeout` });
  });

  it("follows the target as it switches between accepting, refusing and stalling", async () => {
    const t = await target();
    const probe = () =>
      runTcpProbe({ action: { port: t.port }, container: {}, podIp: "127.0.0.1", timeoutMs: 300 });
    expect((await probe()).outcome).toBe("success");
    await t.setMode("refuse");
    expect((await probe()).output).toContain("connection refused");
    await t.setMode("stall");
    expect((await probe()).output).toContain("i/o timeout");
    await t.setMode("accept");
    expect((await probe()).outcome).toBe("success");
  });

  it("gives up with Canceled when the worker's signal aborts mid-connect", async () => {
    const t = await target("stall");
    const controller = new AbortController();
    const attempt = runTcpProbe({
      action: { port: t.port },
      container: {},
      podIp: "127.0.0.1",
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(attempt).rejects.toMatchObject({ name: "KubeletKitError", code: "Canceled" });
    await expect(
      runTcpProbe({
        action: { port: t.port },
        container: {},
        podIp: "127.0.0.1",
        timeoutMs: 1000,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: "Canceled" });
  });

  it("throws when the port cannot be resolved, which the prober counts as an error", async () => {
    await expect(
      runTcpProbe({ action: { port: "metrics" }, container: {}, podIp: "127.0.0.1", timeoutMs: 1000 }),
    ).rejects.toThrow('strconv.Atoi: parsing "metrics": invalid syntax');
    await expect(
      runTcpProbe({ action: { port: 0 }, container: {}, podIp: "127.0.0.1", timeoutMs: 1000 }),
    ).rejects.toThrow("invalid port number: 0");
  });
});
