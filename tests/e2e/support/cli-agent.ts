/**
 * The real `minimal-kubelet` command in a child process (`examples/minimal-kubelet/bin/minimal-kubelet.js`,
 * `-o json`), observed through its output, and killable like a crashed kubelet.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { AgentOptions, AgentPod, AgentSourceError, E2eAgent } from "./target.js";

const CLI = fileURLToPath(
  new URL("../../../examples/minimal-kubelet/bin/minimal-kubelet.js", import.meta.url),
);

export interface CliAgentOptions extends AgentOptions {
  /** `--container-runtime-endpoint`. */
  readonly endpoint: string;
}

/**
 * Starts the CLI. The launcher runs the agent in its own process (tsx's loader in process); it still gets a
 * process group of its own, and {@link E2eAgent.kill} SIGKILLs the whole group, so that helper processes
 * (tsx's esbuild service) go at once too.
 */
export async function startCliAgent(options: CliAgentOptions): Promise<E2eAgent> {
  const { nodeName, dirs } = options;
  const child = spawn(
    process.execPath,
    [
      CLI,
      "--container-runtime-endpoint",
      options.endpoint,
      "--pod-manifest-path",
      dirs.manifests,
      "--pod-logs-dir",
      dirs.podLogs,
      "--root-dir",
      dirs.root,
      "--hostname-override",
      nodeName,
      "-o",
      "json",
    ],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  const byUid = new Map<string, AgentPod>();
  const histories = new Map<string, V1PodStatus[]>();
  const errors: AgentSourceError[] = [];
  let stderr = "";
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exited = true;
      resolve();
    });
  });

  lines(child.stdout, (line) => {
    const { metadata, status } = JSON.parse(line) as { metadata: V1Pod["metadata"]; status: V1PodStatus };
    const uid = metadata?.uid ?? "";
    byUid.set(uid, { pod: { metadata }, status });
    const name = metadata?.name ?? "";
    histories.set(name, [...(histories.get(name) ?? []), status]);
  });
  lines(child.stderr, (line) => {
    stderr += `${line}\n`;
    // Source errors name their manifest: "minimal-kubelet: <file>: <problem>".
    const message = line.replace(/^minimal-kubelet: /, "");
    if (message.startsWith(dirs.manifests)) {
      errors.push({ file: message.slice(0, message.indexOf(":")), message });
    }
  });

  // Started once it announced itself (its first line names the node and the runtime).
  const started = Date.now();
  while (!stderr.includes(`node ${nodeName},`)) {
    if (exited) throw new Error(`minimal-kubelet exited at start:\n${stderr}`);
    if (Date.now() - started > 30_000) throw new Error(`minimal-kubelet did not start in 30 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const end = async (signal: () => void): Promise<void> => {
    if (!exited) signal();
    await exit;
    await groupGone(child);
  };
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };

  return {
    nodeName,
    pods: () => [...byUid.values()],
    history: (name) => histories.get(`${name}-${nodeName}`) ?? [],
    sourceErrors: () => errors,
    events: () => {
      // The CLI prints probe events as warnings on stderr but no runtime events: an empty or partial list
      // would make an assertion about events pass or fail for the wrong reason.
      throw new Error("the CLI agent does not report events; use target.startAgent (in-process) for them");
    },
    // The agent handles SIGTERM itself: it stops and leaves the pods running.
    stop: () => end(() => child.kill("SIGTERM")),
    kill: () => end(killGroup),
  };
}

/** Calls `fn` with each complete line of `stream`. */
function lines(stream: NodeJS.ReadableStream | null, fn: (line: string) => void): void {
  let buffered = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== "") fn(line);
      newline = buffered.indexOf("\n");
    }
  });
}

/** Waits (up to 10 s) until no process of the child's group is left. */
async function groupGone(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`processes of minimal-kubelet's group ${child.pid} still run 10 s after the signal`);
}
