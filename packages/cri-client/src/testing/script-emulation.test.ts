import { describe, expect, it } from "vitest";
import { goDuration } from "./containerd-errors.js";
import { planExec } from "./exec.js";
import { createFakeRuntime } from "./fake-runtime.js";
import { formatCriLogLine, formatRfc3339Nano, MAX_LOG_LINE_BYTES } from "./log-writer.js";

describe("exec emulation", () => {
  const run = (cmd: string[]) => planExec(cmd, [], 0);

  it("runs echo, exit, true/false and sleep inside sh -c with ;, && and ||", () => {
    expect(run(["sh", "-c", "echo a; echo 'b c' && false || echo d"])).toEqual({
      stdout: "a\nb c\nd\n",
      stderr: "",
      exitCode: 0,
      delayMs: 0,
    });
    expect(run(["/bin/sh", "-c", "sleep 1.5; exit 4; echo never"])).toMatchObject({
      exitCode: 4,
      delayMs: 1500,
      stdout: "",
    });
    expect(run(["sh", "-c", 'echo "x" 1>&2; echo -n y >/dev/null; echo z 2>/dev/null'])).toMatchObject({
      stdout: "z\n",
      stderr: "x\n",
    });
    expect(run(["false"]).exitCode).toBe(1);
  });

  it("succeeds silently for commands it does not know, and lets scripted rules win", () => {
    expect(run(["grpc_health_probe", "-addr=:9000"])).toEqual({
      stdout: "",
      stderr: "",
      exitCode: 0,
      delayMs: 0,
    });
    expect(planExec(["echo", "x"], [{ match: ["echo"], stdout: "scripted\n" }], 0).stdout).toBe("scripted\n");
    expect(planExec(["ls"], [{ match: (cmd) => cmd.length === 1, exitCode: 3 }], 0).exitCode).toBe(3);
  });
});

describe("CRI log format", () => {
  it("stamps RFC3339Nano in UTC without trailing zeros", () => {
    expect(formatRfc3339Nano(1_700_000_000_000_000_000n)).toBe("2023-11-14T22:13:20Z");
    expect(formatRfc3339Nano(1_700_000_000_120_000_000n)).toBe("2023-11-14T22:13:20.12Z");
    expect(formatRfc3339Nano(1_700_000_000_000_000_001n)).toBe("2023-11-14T22:13:20.000000001Z");
  });

  it("splits lines longer than 16 KiB into P pieces ending with an F piece", () => {
    const text = formatCriLogLine("T", "stdout", "x".repeat(MAX_LOG_LINE_BYTES + 3)).toString();
    const lines = text.split("\n").filter((line) => line !== "");
    expect(lines.map((line) => line.slice(0, 11))).toEqual(["T stdout P ", "T stdout F "]);
    expect(lines[1]).toBe("T stdout F xxx");
  });
});

describe("Go durations", () => {
  it("prints whole seconds as time.Duration.String does", () => {
    expect([0n, 2n, 90n, 3600n].map(goDuration)).toEqual(["0s", "2s", "1m30s", "1h0m0s"]);
  });
});

describe("behaviour rules", () => {
  it("rejects malformed rules when the fake is created, naming the bad field", () => {
    expect(() => createFakeRuntime({ behaviours: [{ command: 3, behaviour: {} } as never] })).toThrow(
      /behaviours\[0\]: `command` must be/,
    );
    expect(() => createFakeRuntime({ behaviours: [{ behaviour: { kind: "explode" } } as never] })).toThrow(
      /unknown kind "explode"/,
    );
    expect(() => createFakeRuntime({ behaviours: [{ behaviour: { kind: "exit" } } as never] })).toThrow(
      /needs an integer `code`/,
    );
  });
});
