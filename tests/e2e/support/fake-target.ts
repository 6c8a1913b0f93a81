/**
 * The fake target: the example's fake runtime (`createExampleFakeRuntime`) on a fake clock, scripted with
 * the workloads' behaviours. Time moves only when a scenario waits: the clock jumps to the next timer, then
 * the process settles (promise chains, real filesystem I/O such as manifest reads and log directories, and
 * probes' connections to the containers' loopback listeners finish) before the next jump, so every run
 * takes the same steps at the same fake times. Pods get addresses from a loopback `/16`
 * ({@link loopbackPodSubnet}), so httpGet and tcpSocket probes reach the fake's real listeners.
 */

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock } from "@kubelet-kit/core";
import { createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import { createExampleFakeRuntime } from "@kubelet-kit/example-minimal-kubelet/fake-runtime";
import { createCriRecorder } from "./cri-recorder.js";
import { startInProcessAgent } from "./in-process-agent.js";
import type { AgentDirs, E2eAgent, E2eTarget } from "./target.js";
import { FAKE_BEHAVIOURS } from "./workloads.js";

/** How long the fake runtime stays down in {@link E2eTarget.restartRuntime}, on the fake clock. */
const RUNTIME_DOWN_MS = 5_000;

/** Node handle types of pending filesystem work (libuv thread pool requests). */
const PENDING_FS = /^(FSReq|FileHandle|CloseReq|StatWatcher)/;

/**
 * Node handle types of socket work in flight: a probe's connection (client or accepted side: connects,
 * writes, shutdowns, name lookups) to a container's loopback listener. A listening socket
 * (`TCPServerWrap`) is not work: it stays while its container runs.
 */
const PENDING_SOCKET =
  /^(TCPSocketWrap|TCPConnectWrap|ConnectWrap|WriteWrap|SimpleWriteWrap|ShutdownWrap|SimpleShutdownWrap|GetAddrInfoReqWrap)$/;

function pendingIo(): boolean {
  return process.getActiveResourcesInfo().some((type) => PENDING_FS.test(type) || PENDING_SOCKET.test(type));
}

/**
 * The loopback subnet pods get their addresses from, `127.<n>.0.0/16` with a random n in 64..250: the fake
 * runtime's listeners bind the sandbox IP, so two runs in parallel (two vitest processes) rarely share one.
 */
function loopbackPodSubnet(): string {
  return `127.${64 + Math.floor(Math.random() * 187)}.0.0/16`;
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Real time a settle may take before the harness gives up (something keeps the process busy). */
const SETTLE_LIMIT_MS = 10_000;

/**
 * Waits until the process is quiet: no filesystem request or socket connection pending (a probe's HTTP
 * request or TCP connect to a container's loopback listener) and no CRI call sent, for a few turns of the
 * event loop in a row. (A file read can take a thousand turns, so the bound is in real time.) Calls
 * that wait on the fake clock (a stop's grace period, a pull) stay pending, which is fine: only the clock
 * can finish them.
 */
async function settle(callCount: () => number): Promise<void> {
  const started = Date.now();
  let quietTurns = 0;
  let calls = callCount();
  while (quietTurns < 5) {
    if (Date.now() - started > SETTLE_LIMIT_MS) {
      throw new Error(
        `the agent did not settle within ${SETTLE_LIMIT_MS} ms of real time (pending: ${process.getActiveResourcesInfo().join(", ")})`,
      );
    }
    await nextMacrotask();
    const now = callCount();
    quietTurns = pendingIo() || now !== calls ? 0 : quietTurns + 1;
    calls = now;
  }
}

export async function createFakeTarget(): Promise<E2eTarget> {
  const clock = createFakeClock();
  const podSubnet = loopbackPodSubnet();
  const example = createExampleFakeRuntime({ clock, behaviours: FAKE_BEHAVIOURS, podSubnet });
  const { fake } = example;
  const recorder = createCriRecorder(clock);
  const cri = {
    runtimeService: createRuntimeService({
      transport: fake.transport,
      clock,
      interceptors: [recorder.interceptor],
    }),
    imageService: createImageService({
      transport: fake.transport,
      clock,
      interceptors: [recorder.interceptor],
    }),
  };
  const runtime = createRuntimeService({ transport: fake.transport, clock });
  const root = await mkdtemp(join(tmpdir(), "kubelet-kit-e2e-fake-"));
  const agents: E2eAgent[] = [];
  const nodeIps = ["192.0.2.10"];
  let dirCount = 0;

  const quiet = (): Promise<void> => settle(() => fake.calls.length);

  /** Moves the clock to the next timer (or to `limitMs`, whichever is first) and settles. */
  const step = async (limitMs: number): Promise<void> => {
    const next = clock.nextDueMs();
    const to = next === undefined ? limitMs : Math.min(next, limitMs);
    await clock.advanceAsync(Math.max(0, to - clock.now()));
    await quiet();
  };

  /**
   * Runs `work` (an agent stopping, which waits for steps in flight) while the clock keeps moving, since
   * those steps may wait on it (a pull, a grace period).
   */
  const whileTimePasses = async (work: Promise<void>): Promise<void> => {
    let done = false;
    const finished = work.finally(() => {
      done = true;
    });
    const limit = clock.now() + 10 * 60_000;
    while (!done && clock.now() < limit) await step(clock.now() + 1_000);
    await finished;
  };

  const target: E2eTarget = {
    kind: "fake",
    runtimeType: "fake-runtime",
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
      const inProcess = await startInProcessAgent({ ...options, cri, clock, nodeIps, watchManifests: false });
      const agent: E2eAgent = {
        ...inProcess,
        stop: () => whileTimePasses(inProcess.stop()),
        kill: () => whileTimePasses(inProcess.kill()),
      };
      agents.push(agent);
      await quiet();
      return agent;
    },
    startKillableAgent: (options) => target.startAgent(options),
    async waitFor(description, condition, limitMs) {
      const deadline = clock.now() + limitMs;
      await quiet();
      while (!(await condition())) {
        if (clock.now() >= deadline) {
          throw new Error(`waited ${limitMs} ms (fake clock) for ${description}`);
        }
        await step(deadline);
      }
    },
    async pass(ms) {
      const until = clock.now() + ms;
      await quiet();
      while (clock.now() < until) await step(until);
    },
    async restartRuntime() {
      fake.setDown(true);
      await target.pass(RUNTIME_DOWN_MS);
      fake.setDown(false);
    },
    async close() {
      for (const agent of agents.splice(0)) await agent.stop();
      runtime.close();
      cri.runtimeService.close();
      cri.imageService.close();
      example.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return target;
}
