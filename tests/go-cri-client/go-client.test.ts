// Drives the fake CRI runtime (kubelet-kit-fake-cri) over its unix socket with a real Go gRPC
// client built from Debian's packages: scripts/go-cri-client/run.sh installs the toolchain (apt,
// so this runs as root), builds tests/go-cri-client/main.go, starts the fake and runs the client.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const runScript = fileURLToPath(new URL("../../scripts/go-cri-client/run.sh", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

// One "ok <Step>" line per step, in the order main.go runs them.
const steps = [
  "Version",
  "Status",
  "ImageStatus",
  "PullImage",
  "RunPodSandbox",
  "PodSandboxStatus",
  "CreateContainer",
  "StartContainer",
  "ContainerStatus(running)",
  "ListContainers",
  "ExecSync",
  "ContainerStats",
  "StopContainer",
  "ContainerStatus(exited)",
  "RemoveContainer",
  "StopPodSandbox",
  "RemovePodSandbox",
  "ListPodSandbox",
  "GetContainerEvents",
  "Unimplemented",
  "NotFound",
];

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      [runScript],
      { cwd: repoRoot, timeout: 5 * 60_000, killSignal: "SIGTERM", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
        resolve({
          code: failed === null ? 0 : typeof failed.code === "number" ? failed.code : null,
          signal: failed?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("Go CRI client against kubelet-kit-fake-cri", () => {
  it("drives a full pod lifecycle over the unix socket", { timeout: 6 * 60_000 }, async () => {
    const result = await run();
    const output = `exit code: ${result.code} signal: ${result.signal}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
    expect(result.code, output).toBe(0);
    const okLines = result.stdout.split("\n").filter((line) => line.startsWith("ok "));
    for (const step of steps) {
      const pattern = new RegExp(`^ok ${escapeRegExp(step)}( |$)`, "m");
      expect(result.stdout, `missing "ok ${step}" line\n${output}`).toMatch(pattern);
    }
    expect(okLines.length, output).toBe(steps.length);
    expect(result.stdout, output).toMatch(/^ok Version .*api=v1$/m);
    expect(result.stdout, output).toMatch(/^PASS full pod lifecycle/m);
  });
});
