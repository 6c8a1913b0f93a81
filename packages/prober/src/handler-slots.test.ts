import { isKubeletKitError } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { limitProbeConcurrency } from "./handler-slots.js";
import type { ProbeAttempt } from "./handlers/types.js";
import type { ProbeHandlers, ProbeRequest } from "./run-probe.js";

/** Handlers whose calls stay in flight until the test finishes them, in call order. */
function heldHandlers() {
  const calls: { action: string; finish: () => void }[] = [];
  const hold = (action: string) => (): Promise<ProbeAttempt> =>
    new Promise((resolve) => {
      calls.push({ action, finish: () => resolve({ outcome: "success", output: action }) });
    });
  const handlers: ProbeHandlers = {
    exec: hold("exec"),
    httpGet: hold("httpGet"),
    tcpSocket: hold("tcpSocket"),
    grpc: hold("grpc"),
  };
  return { handlers, calls };
}

function request(signal = new AbortController().signal): ProbeRequest<never> {
  return { signal } as unknown as ProbeRequest<never>;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("limitProbeConcurrency", () => {
  it("runs at most `max` calls of every action together; the others start, in order, as calls finish", async () => {
    const { handlers, calls } = heldHandlers();
    const limited = limitProbeConcurrency(handlers, 2);
    const answers = [
      limited.grpc?.(request()),
      limited.httpGet?.(request()),
      limited.tcpSocket?.(request()),
      limited.exec?.(request()),
    ];
    await flush();
    expect(calls.map((c) => c.action)).toEqual(["grpc", "httpGet"]);
    calls[1]?.finish();
    await flush();
    expect(calls.map((c) => c.action)).toEqual(["grpc", "httpGet", "tcpSocket"]);
    calls[0]?.finish();
    await flush();
    expect(calls.map((c) => c.action)).toEqual(["grpc", "httpGet", "tcpSocket", "exec"]);
    for (const call of calls.slice(2)) call.finish();
    expect((await Promise.all(answers)).map((a) => a?.output)).toEqual([
      "grpc",
      "httpGet",
      "tcpSocket",
      "exec",
    ]);
  });

  it("frees the slot of a call that throws", async () => {
    let first = true;
    const limited = limitProbeConcurrency(
      {
        tcpSocket: async () => {
          if (first) {
            first = false;
            throw new Error("bad port");
          }
          return { outcome: "success", output: "" };
        },
      },
      1,
    );
    await expect(limited.tcpSocket?.(request())).rejects.toThrow("bad port");
    await expect(limited.tcpSocket?.(request())).resolves.toEqual({ outcome: "success", output: "" });
  });

  it("drops a waiting call whose signal aborts: it throws Canceled and never runs", async () => {
    const { handlers, calls } = heldHandlers();
    const limited = limitProbeConcurrency(handlers, 1);
    const running = limited.httpGet?.(request());
    const abort = new AbortController();
    const waiting = limited.httpGet?.(request(abort.signal));
    const after = limited.grpc?.(request());
    await flush();
    abort.abort();
    const error = await waiting?.catch((e: unknown) => e);
    expect(isKubeletKitError(error, "Canceled")).toBe(true);
    calls[0]?.finish();
    await flush();
    expect(calls.map((c) => c.action)).toEqual(["httpGet", "grpc"]);
    calls[1]?.finish();
    await expect(running).resolves.toMatchObject({ outcome: "success" });
    await expect(after).resolves.toMatchObject({ output: "grpc" });
  });

  it("leaves the handlers as they are with Infinity, keeps missing actions missing, and rejects a bad limit", () => {
    const { handlers } = heldHandlers();
    expect(limitProbeConcurrency(handlers, Number.POSITIVE_INFINITY)).toBe(handlers);
    expect(Object.keys(limitProbeConcurrency({ exec: handlers.exec }, 4))).toEqual(["exec"]);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => limitProbeConcurrency(handlers, bad)).toThrow(
        /maxConcurrentProbes: must be a positive integer/,
      );
    }
  });
});
