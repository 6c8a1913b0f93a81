import { type CommandRunner, type ExecResult, KubeletKitError } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { MAX_PROBE_OUTPUT_BYTES } from "../constants.js";
import { runExecProbe } from "./exec.js";

interface RecordedExec {
  readonly containerId: string;
  readonly cmd: readonly string[];
  readonly timeoutMs: number;
}

/** A command runner that answers every call with `answer` and records what it was asked. */
function scriptedRunner(answer: (cmd: readonly string[]) => ExecResult | Error): {
  runner: CommandRunner;
  calls: RecordedExec[];
} {
  const calls: RecordedExec[] = [];
  const runner: CommandRunner = {
    async execSync(containerId, cmd, timeoutMs) {
      calls.push({ containerId, cmd: [...cmd], timeoutMs });
      const result = answer(cmd);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { runner, calls };
}

const text = new TextEncoder();

function exited(exitCode: number, stdout = "", stderr = ""): ExecResult {
  return { exitCode, stdout: text.encode(stdout), stderr: text.encode(stderr) };
}

describe("runExecProbe", () => {
  it("runs the command in the container with the probe timeout and succeeds on exit code 0", async () => {
    const { runner, calls } = scriptedRunner(() => exited(0, "ok\n"));
    const attempt = await runExecProbe({
      runner,
      containerId: "c1",
      action: { command: ["cat", "/tmp/healthy"] },
      container: {},
      timeoutMs: 1000,
    });
    expect(attempt).toEqual({ outcome: "success", output: "ok\n" });
    expect(calls).toEqual([{ containerId: "c1", cmd: ["cat", "/tmp/healthy"], timeoutMs: 1000 }]);
  });

  it("expands $(VAR) from the container's literal env only, a valueFrom name becoming empty", async () => {
    const { runner, calls } = scriptedRunner(() => exited(0));
    await runExecProbe({
      runner,
      containerId: "c1",
      action: { command: ["sh", "-c", "nc -z $(HOST) $(PORT) [$(POD_IP)] $$(PORT) $(UNSET)"] },
      container: {
        env: [
          { name: "HOST", value: "127.0.0.1" },
          { name: "PORT", value: "8080" },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
      },
      timeoutMs: 1000,
    });
    expect(calls[0]?.cmd).toEqual(["sh", "-c", "nc -z 127.0.0.1 8080 [] $(PORT) $(UNSET)"]);
  });

  it("fails on a non-zero exit with stdout followed by stderr as the output", async () => {
    const { runner } = scriptedRunner(() => exited(3, "partial out\n", "boom\n"));
    const attempt = await runExecProbe({
      runner,
      containerId: "c1",
      action: { command: ["check"] },
      container: {},
      timeoutMs: 1000,
    });
    expect(attempt).toEqual({ outcome: "failure", output: "partial out\nboom\n" });
  });

  it("keeps at most 10 KiB of output, stdout first", async () => {
    const big = "x".repeat(11 * 1024);
    const onlyStdout = await runExecProbe({
      runner: scriptedRunner(() => exited(0, big, "never seen")).runner,
      containerId: "c1",
      action: { command: ["spam"] },
      container: {},
      timeoutMs: 1000,
    });
    expect(onlyStdout.output).toBe("x".repeat(MAX_PROBE_OUTPUT_BYTES));

    const mixed = await runExecProbe({
      runner: scriptedRunner(() => exited(1, "o".repeat(8 * 1024), "e".repeat(4 * 1024))).runner,
      containerId: "c1",
      action: { command: ["spam"] },
      container: {},
      timeoutMs: 1000,
    });
    expect(mixed).toEqual({
      outcome: "failure",
      output: "o".repeat(8 * 1024) + "e".repeat(2 * 1024),
    });
  });

  it("fails with the CRI client's timeout message when the command outlives its timeout", async () => {
    const { runner } = scriptedRunner(
      () => new KubeletKitError("DeadlineExceeded", "context deadline exceeded"),
    );
    const attempt = await runExecProbe({
      runner,
      containerId: "c1",
      action: { command: ["sh", "-c", 'sleep 10; echo "done"'] },
      container: {},
      timeoutMs: 2000,
    });
    expect(attempt).toEqual({
      outcome: "failure",
      output: 'command timed out: "sh -c sleep 10; echo \\"done\\"" timed out after 2s',
    });
  });

  it("throws any other runtime error, so the prober retries it as an error", async () => {
    const unavailable = new KubeletKitError("Unavailable", "connection refused");
    await expect(
      runExecProbe({
        runner: scriptedRunner(() => unavailable).runner,
        containerId: "c1",
        action: { command: ["true"] },
        container: {},
        timeoutMs: 1000,
      }),
    ).rejects.toBe(unavailable);

    const notFound = new KubeletKitError("NotFound", "container c1 not found");
    await expect(
      runExecProbe({
        runner: scriptedRunner(() => notFound).runner,
        containerId: "c1",
        action: { command: ["true"] },
        container: {},
        timeoutMs: 1000,
      }),
    ).rejects.toBe(notFound);
  });

  it("hands the worker's abort signal to the runtime, whose cancellation it throws", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const runner: CommandRunner = {
      execSync(_id, _cmd, _timeoutMs, options) {
        seen = options?.signal;
        return new Promise((_, reject) => {
          options?.signal?.addEventListener("abort", () =>
            reject(new KubeletKitError("Canceled", "exec canceled")),
          );
        });
      },
    };
    const attempt = runExecProbe({
      runner,
      containerId: "c1",
      action: { command: ["sleep", "60"] },
      container: {},
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    expect(seen).toBe(controller.signal);
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ code: "Canceled" });
  });

  it("passes an action without a command on as an empty command, for the runtime to refuse", async () => {
    const { runner, calls } = scriptedRunner(
      () => new KubeletKitError("InvalidArgument", "command must not be empty"),
    );
    await expect(
      runExecProbe({ runner, containerId: "c1", action: {}, container: {}, timeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: "InvalidArgument" });
    expect(calls[0]?.cmd).toEqual([]);
  });
});
