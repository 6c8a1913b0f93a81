// The launcher `bin/minimal-kubelet.js` as a user runs it: a real `node` process, from another working
// directory. Without dist/ it runs the TypeScript sources in its own process, so the pid a supervisor sees
// is the agent. Process inspection reads /proc (Linux, like the runtimes the agent drives).

import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXAMPLE_MANIFESTS_DIR } from "./fake-runtime-setup.js";

const LAUNCHER = fileURLToPath(new URL("../bin/minimal-kubelet.js", import.meta.url));
const NODE = "launcher-test";
/** Real time the launcher may take to compile the sources and start; generous for a loaded machine. */
const START_LIMIT_MS = 45_000;

let dir: string;
const started: ChildProcess[] = [];
const workDirs: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "minimal-kubelet-launcher-"));
});

afterEach(async () => {
  // The whole group, so that even a launcher that regressed to a child process leaves nothing running.
  for (const child of started.splice(0)) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await waitFor("the launcher's process group to end", async () => (await groupMembers(child.pid)) === 0);
  }
  // A killed agent cannot remove its temporary directory.
  for (const workDir of workDirs.splice(0)) await rm(workDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

interface Launched {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the launcher in its own process group, from `dir` as working directory. */
function launch(args: readonly string[]): Launched {
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    const workDir = /logs and state in (\S+) /.exec(stderr)?.[1];
    if (workDir !== undefined && !workDirs.includes(workDir)) workDirs.push(workDir);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor(description: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${START_LIMIT_MS} ms for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The web pod's first table row is out: the agent runs and syncs pods. */
async function startWebPod(): Promise<Launched> {
  const manifests = join(dir, "manifests");
  await mkdir(manifests);
  await copyFile(join(EXAMPLE_MANIFESTS_DIR, "web.yaml"), join(manifests, "web.yaml"));
  const launched = launch(["--pod-manifest-path", manifests, "--hostname-override", NODE]);
  let exited = false;
  void launched.exited.then(() => (exited = true));
  await waitFor("a row of the web pod", () => {
    if (exited) throw new Error(`the launcher exited early:\n${launched.stderr()}`);
    return new RegExp(`^web-${NODE} +0/1 +ContainerCreating`, "m").test(launched.stdout());
  });
  return launched;
}

/** Fields of /proc/<pid>/stat after the command name: state, parent, process group. */
async function procStat(pid: string): Promise<{ state: string; ppid: number; pgrp: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const [state = "", ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Live processes (zombies waiting for a reaper do not count) whose parent or process group is `pid`. */
async function processesWith(field: "ppid" | "pgrp", pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await procStat(entry);
    if (stat !== undefined && stat.state !== "Z" && stat[field] === pid) found.push(Number(entry));
  }
  return found;
}

async function groupMembers(pgid: number | undefined): Promise<number> {
  return pgid === undefined ? 0 : (await processesWith("pgrp", pgid)).length;
}

async function executableOf(pid: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

describe("the minimal-kubelet launcher", { timeout: 60_000 }, () => {
  it("prints the usage for --help and exits 0, from any working directory", async () => {
    const { stdout, exited } = launch(["--help"]);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stdout()).toMatch(/^Usage: minimal-kubelet \[flags\]/);
  });

  it("exits with the agent's own code: 2 and the usage for a bad flag", async () => {
    const { stderr, exited } = launch(["--max-pods", "many"]);
    expect(await exited).toEqual({ code: 2, signal: null });
    expect(stderr()).toMatch(/^minimal-kubelet: invalid argument "many" for "--max-pods" flag/);
  });

  it("runs the agent in its own process: no node child, and SIGKILL of its pid leaves nothing behind", async () => {
    const { child, exited } = await startWebPod();
    const pid = child.pid as number;
    const node = await realpath(process.execPath);
    // Helpers may run beside it (tsx's esbuild service), but no second Node.js process with the agent.
    const children = await processesWith("ppid", pid);
    const executables = await Promise.all(children.map(executableOf));
    expect(executables.filter((exe) => exe === node)).toEqual([]);

    process.kill(pid, "SIGKILL");
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    // Nothing of its process group survives (helpers exit once their pipes to it close).
    await waitFor("the launcher's process group to be empty", async () => (await groupMembers(pid)) === 0);
  });

  it("handles SIGTERM itself: stops the agent, leaves the pods, exits 0", async () => {
    const { child, stderr, exited } = await startWebPod();
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr()).toContain("minimal-kubelet: SIGTERM: stopping; pods keep running");
  });
});
