import type { V1Probe } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  container,
  createScriptedHandlers,
  failure,
  pod,
  probe,
  success,
} from "./prober-fixtures.test-helpers.js";
import { MAX_PROBE_ATTEMPTS, type ProbeHandlers, type RunProbeInput, runProbe } from "./run-probe.js";

const app = container("app");
const thePod = pod({ containers: [app] });

function input(overrides: Partial<RunProbeInput> & { handlers: Partial<ProbeHandlers> }): RunProbeInput {
  return {
    kind: "liveness",
    probe: probe(),
    pod: thePod,
    container: app,
    containerId: "c1",
    podIp: "10.0.0.7",
    timeoutMs: 1_000,
    ...overrides,
  };
}

describe("runProbe", () => {
  it("counts a success with no event, passing the handler its action, target and timeout", async () => {
    const script = createScriptedHandlers(success);
    const http: V1Probe = { httpGet: { port: 8080, path: "/healthz" } };
    const run = await runProbe(input({ handlers: script.handlers, probe: http, timeoutMs: 3_000 }));
    expect(run).toEqual({ result: "success", output: "", attempts: 1 });
    expect(script.calls).toHaveLength(1);
    expect(script.calls[0]).toMatchObject({
      action: { port: 8080, path: "/healthz" },
      kind: "liveness",
      containerId: "c1",
      podIp: "10.0.0.7",
      timeoutMs: 3_000,
    });
  });

  it("counts a warning as a success and asks for a ProbeWarning event", async () => {
    const script = createScriptedHandlers(() => ({
      outcome: "warning",
      output: "Probe terminated redirects",
    }));
    const run = await runProbe(input({ kind: "readiness", handlers: script.handlers }));
    expect(run.result).toBe("success");
    expect(run.event).toEqual({
      reason: "ProbeWarning",
      message: "Readiness probe warning: Probe terminated redirects",
    });
  });

  it("returns a failure at once, with an Unhealthy event, without retrying", async () => {
    const script = createScriptedHandlers(() => failure("HTTP probe failed with statuscode: 500"));
    const run = await runProbe(input({ handlers: script.handlers }));
    expect(run.result).toBe("failure");
    expect(run.error).toBeUndefined();
    expect(run.event).toEqual({
      reason: "Unhealthy",
      message: "Liveness probe failed: HTTP probe failed with statuscode: 500",
    });
    expect(script.calls).toHaveLength(1);
  });

  it("retries only attempts that throw, up to three, then reports the error", async () => {
    const script = createScriptedHandlers(() => {
      throw new Error("rpc error: code = Unavailable");
    });
    const run = await runProbe(input({ kind: "startup", handlers: script.handlers }));
    expect(script.calls).toHaveLength(MAX_PROBE_ATTEMPTS);
    expect(run.attempts).toBe(3);
    expect(run.error).toBeInstanceOf(Error);
    expect(run.event).toEqual({
      reason: "Unhealthy",
      message: "Startup probe errored and resulted in unknown state: rpc error: code = Unavailable",
    });
  });

  it("stops retrying as soon as an attempt gives an answer", async () => {
    let n = 0;
    const script = createScriptedHandlers(async () => {
      n++;
      if (n === 1) throw new Error("transient");
      return failure("exit 1");
    });
    const run = await runProbe(input({ handlers: script.handlers }));
    expect(run).toMatchObject({ result: "failure", attempts: 2 });
    expect(run.error).toBeUndefined();
  });

  it("errors with missing probe handler when the probe has no action or its handler is absent", async () => {
    const script = createScriptedHandlers(success);
    const none = await runProbe(input({ handlers: script.handlers, probe: { periodSeconds: 10 } }));
    expect(none.error).toBeInstanceOf(Error);
    expect(none.output).toBe("missing probe handler for web_default(uid-1):app");
    expect(none.attempts).toBe(3);

    const { exec: _exec, ...noExec } = script.handlers;
    const absent = await runProbe(input({ handlers: noExec }));
    expect(absent.event?.message).toBe(
      "Liveness probe errored and resulted in unknown state: missing probe handler for web_default(uid-1):app",
    );
    expect(script.calls).toHaveLength(0);
  });

  it("picks the action in the kubelet's order: exec, httpGet, tcpSocket, grpc", async () => {
    const used: string[] = [];
    const record = (name: string) => async () => {
      used.push(name);
      return success();
    };
    const handlers: ProbeHandlers = {
      exec: record("exec"),
      httpGet: record("httpGet"),
      tcpSocket: record("tcpSocket"),
      grpc: record("grpc"),
    };
    await runProbe(input({ handlers, probe: { tcpSocket: { port: 80 }, grpc: { port: 9000 } } }));
    await runProbe(input({ handlers, probe: { grpc: { port: 9000 } } }));
    await runProbe(input({ handlers, probe: { exec: { command: ["true"] }, httpGet: { port: 80 } } }));
    expect(used).toEqual(["tcpSocket", "grpc", "exec"]);
  });

  it("makes no further attempt once the signal aborted", async () => {
    const controller = new AbortController();
    const script = createScriptedHandlers(() => {
      controller.abort();
      throw new Error("aborted");
    });
    const run = await runProbe(input({ handlers: script.handlers, signal: controller.signal }));
    expect(run.attempts).toBe(1);
    expect(run.error).toBeInstanceOf(Error);
  });
});
