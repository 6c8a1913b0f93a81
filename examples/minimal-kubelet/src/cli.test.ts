import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock } from "@kubelet-kit/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliIo, runCli } from "./cli.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "minimal-kubelet-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(stopSignal: Promise<string> = Promise.resolve("SIGTERM"), extra: Partial<CliIo> = {}) {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stopSignal,
      ...extra,
    } satisfies CliIo,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

async function configFile(body: string): Promise<string> {
  const file = join(dir, "kubelet.yaml");
  await writeFile(file, `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${body}`);
  return file;
}

describe("minimal-kubelet command line", { timeout: 30_000 }, () => {
  it("prints the usage for --help and exits 0", async () => {
    const out = io();
    expect(await runCli(["--help"], out.io)).toBe(0);
    expect(out.stdout()).toMatch(/^Usage: minimal-kubelet \[flags\]/);
  });

  it("exits 2 with the usage on a bad flag", async () => {
    const out = io();
    expect(await runCli(["--sync-frequency", "often"], out.io)).toBe(2);
    expect(out.stderr()).toMatch(/^minimal-kubelet: invalid argument "often" for "--sync-frequency" flag/);
    expect(out.stderr()).toContain("Usage: minimal-kubelet");
  });

  it("exits 1 naming the file when the configuration file cannot be read", async () => {
    const out = io();
    const missing = join(dir, "nope.yaml");
    expect(await runCli(["--config", missing], out.io)).toBe(1);
    expect(out.stderr()).toMatch(
      new RegExp(`^minimal-kubelet: failed to load kubelet config file, path: ${missing}, error: ENOENT`),
    );
  });

  it("exits 1 naming the field and the file on an invalid value", async () => {
    const out = io();
    const file = await configFile("maxPods: -3\n");
    expect(await runCli(["--config", file], out.io)).toBe(1);
    expect(out.stderr()).toBe(
      `minimal-kubelet: invalid configuration: maxPods (--max-pods) -3 must not be a negative number (set in ${file})\n`,
    );
  });

  it("accepts a flag that fixes the file's invalid value, and warns about unknown fields", async () => {
    const out = io();
    const manifests = join(dir, "manifests");
    const file = await configFile(
      `maxPods: -3\nstaticPodPath: ${manifests}\nimagePullProgressDeadline: 1m\n`,
    );
    expect(await runCli(["--config", file, "--max-pods", "3", "--hostname-override", "Edge-1"], out.io)).toBe(
      0,
    );
    expect(out.stderr()).toContain(
      `minimal-kubelet: warning: ${file}: unknown field "imagePullProgressDeadline"; ignoring it\n`,
    );
    expect(out.stderr()).toContain(
      `minimal-kubelet: node edge-1, the embedded fake runtime, pods from ${manifests}\n`,
    );
    expect(out.stderr()).toContain("minimal-kubelet: SIGTERM: stopping; pods keep running\n");
  });

  it("exits 1 when the runtime endpoint cannot be reached", async () => {
    const out = io();
    const endpoint = `unix://${join(dir, "missing.sock")}`;
    expect(await runCli(["--container-runtime-endpoint", endpoint], out.io)).toBe(1);
    expect(out.stderr()).toMatch(
      new RegExp(`^minimal-kubelet: cannot reach the container runtime at ${endpoint}: `),
    );
  });

  it("runs the bundled examples on the embedded fake runtime and shows them live", async () => {
    const clock = createFakeClock();
    let stop: (signal: string) => void = () => {};
    const out = io(new Promise((resolve) => (stop = resolve)), { clock });
    const exit = runCli(["--hostname-override", "test-node"], out.io);
    const shows = (pattern: RegExp): boolean =>
      out
        .stdout()
        .split("\n")
        .some((line) => pattern.test(line));
    // Which pod pulls the image first depends on real I/O, so wait for every expected row.
    const expected = [
      /^web-test-node +1\/1 +Running +0 +\d+s$/,
      /^crashloop-test-node +0\/1 +CrashLoopBackOff +1 \(\d+s ago\) +\d+s$/,
      /^init-sidecar-test-node +0\/2 +Init:0\/2 +0 +0s$/,
      /^job-test-node +0\/1 +Completed +0 +\d+s$/,
      /^probes-test-node +0\/1 +Running +0 +\d+s$/,
      /^probes-test-node +1\/1 +Running +0 +\d+s$/,
      // Restarted by its liveness probe (about 36 s in).
      /^probes-test-node +\d\/1 +Running +1 \(\d+s ago\) +\d+s$/,
    ];
    for (let i = 0; i < 400 && !expected.every(shows); i++) {
      await clock.advanceAsync(250);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    stop("SIGINT");
    expect(await exit).toBe(0);
    expect(out.stdout()).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE\n/);
    for (const pattern of expected) expect(shows(pattern), String(pattern)).toBe(true);
    expect(out.stderr()).toContain(
      "minimal-kubelet: Warning Unhealthy pod/probes-test-node container app: Startup probe failed: cat: can't open '/tmp/started': No such file or directory\n",
    );
    expect(out.stderr()).toContain(
      "minimal-kubelet: Normal Killing pod/probes-test-node container app: Container app failed liveness probe, will be restarted\n",
    );
    expect(out.stderr()).toContain("minimal-kubelet: SIGINT: stopping; pods keep running\n");
  });
});
