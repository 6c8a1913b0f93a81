/**
 * The containerd target: the private containerd of `scripts/containerd/` (`pnpm test:containerd` starts it
 * and sets `KUBELET_KIT_CONTAINERD_ENDPOINT` and `KUBELET_KIT_CONTAINERD_STATE`), the real clock, and
 * bounded polling. Without the endpoint, setup throws, so every scenario fails rather than being skipped.
 */

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createRealClock, isKubeletKitError } from "@kubelet-kit/core";
import { createImageService, createRuntimeService, type RuntimeServiceClient } from "@kubelet-kit/cri-client";
import { startCliAgent } from "./cli-agent.js";
import { createCriRecorder } from "./cri-recorder.js";
import { startInProcessAgent } from "./in-process-agent.js";
import { E2E_NAMESPACE } from "./manifests.js";
import type { AgentDirs, E2eAgent, E2eTarget } from "./target.js";

const run = promisify(execFile);
const RESTART_SCRIPT = fileURLToPath(new URL("../../../scripts/containerd/restart.sh", import.meta.url));

/** How often a condition is polled, in ms. */
const POLL_INTERVAL_MS = 200;

export async function createContainerdTarget(): Promise<E2eTarget> {
  const endpoint = process.env.KUBELET_KIT_CONTAINERD_ENDPOINT?.trim();
  const state = process.env.KUBELET_KIT_CONTAINERD_STATE?.trim();
  if (!endpoint || !state) {
    throw new Error(
      "KUBELET_KIT_CONTAINERD_ENDPOINT and KUBELET_KIT_CONTAINERD_STATE must be set: the containerd e2e " +
        "scenarios need a running containerd. Run them with `pnpm test:containerd` (scripts/containerd/run-suite.sh " +
        "starts a private containerd and sets both), or start one with scripts/containerd/start.sh and export them.",
    );
  }
  const podSubnet = await cniSubnet(join(state, "cni", "net.d", "10-kubelet-kit.conflist"));
  const clock = createRealClock();
  const recorder = createCriRecorder(clock);
  const cri = {
    runtimeService: createRuntimeService({ endpoint, clock, interceptors: [recorder.interceptor] }),
    imageService: createImageService({ endpoint, clock, interceptors: [recorder.interceptor] }),
  };
  const runtime = createRuntimeService({ endpoint, clock, timeoutMs: 60_000 });
  const root = await mkdtemp(join(tmpdir(), "kubelet-kit-e2e-containerd-"));
  const agents: E2eAgent[] = [];
  const nodeIps = ["192.0.2.10"];
  let dirCount = 0;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const target: E2eTarget = {
    kind: "containerd",
    runtimeType: "containerd",
    clock,
    runtime,
    recorder,
    podSubnet,
    nodeIps,
    async newDirs(): Promise<AgentDirs> {
      const dir = join(root, `agent-${++dirCount}`);
      const dirs = { manifests: join(dir, "manifests"), podLogs: join(dir, "pods"), root: join(dir, "root") };
      await mkdir(dirs.manifests, { recursive: true });
      return dirs;
    },
    async startAgent(options) {
      const agent = await startInProcessAgent({ ...options, cri, clock, nodeIps, watchManifests: true });
      agents.push(agent);
      return agent;
    },
    async startKillableAgent(options) {
      const agent = await startCliAgent({ ...options, endpoint });
      agents.push(agent);
      return agent;
    },
    async waitFor(description, condition, limitMs) {
      const deadline = Date.now() + limitMs;
      while (!(await condition())) {
        if (Date.now() >= deadline) throw new Error(`waited ${limitMs} ms for ${description}`);
        await sleep(POLL_INTERVAL_MS);
      }
    },
    pass: sleep,
    async restartRuntime() {
      await run("bash", [RESTART_SCRIPT, "restart", state], { timeout: 60_000 });
    },
    async close() {
      try {
        for (const agent of agents.splice(0)) await agent.kill();
        await removeScenarioPods(runtime);
      } finally {
        runtime.close();
        cri.runtimeService.close();
        cri.imageService.close();
        await rm(root, { recursive: true, force: true });
      }
    },
  };
  return target;
}

/** Stops and removes every sandbox of the scenarios' namespace (their containers go with them). */
async function removeScenarioPods(runtime: RuntimeServiceClient): Promise<void> {
  const { items } = await runtime.listPodSandbox({
    filter: { labelSelector: { "io.kubernetes.pod.namespace": E2E_NAMESPACE } },
  });
  for (const sandbox of items) {
    try {
      await runtime.stopPodSandbox({ podSandboxId: sandbox.id });
    } catch (err) {
      if (!isKubeletKitError(err, "NotFound")) throw err;
    }
    await runtime.removePodSandbox({ podSandboxId: sandbox.id });
  }
}

/** The subnet of the bridge network start.sh configures (its first host-local range). */
async function cniSubnet(conflist: string): Promise<string> {
  const config = JSON.parse(await readFile(conflist, "utf8")) as {
    plugins: { ipam?: { ranges?: { subnet: string }[][] } }[];
  };
  const subnet = config.plugins.find((plugin) => plugin.ipam)?.ipam?.ranges?.[0]?.[0]?.subnet;
  if (subnet === undefined) throw new Error(`no host-local subnet in ${conflist}`);
  return subnet;
}
