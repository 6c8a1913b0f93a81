import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealClock } from "@kubelet-kit/core";
import { createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import {
  CONTAINERD_1_6_UNIMPLEMENTED,
  type ContainerBehaviour,
  type ContainerBehaviourRule,
  createFakeRuntime,
  type FakeRuntime,
  type ScriptedExec,
  serveFakeRuntime,
} from "@kubelet-kit/cri-client/testing";
import type { CriTarget, CriTargetContext } from "../scenarios.js";
import {
  EXEC_ECHO,
  EXEC_EXIT_7,
  EXEC_SLOW,
  EXEC_STDERR,
  EXIT_0,
  EXIT_3,
  EXIT_ON_TERM,
  LOG_BOTH_STREAMS,
  RUN_FOREVER,
} from "./commands.js";

const BUSYBOX = "docker.io/library/busybox:latest";
const BUSYBOX_1_36 = "docker.io/library/busybox:1.36";
const TEST_IMAGE = "docker.io/kubelet-kit/test:1";
const PAUSE = "registry.k8s.io/pause:3.10";

/** The pod subnet the fake allocates from (containerd's default CNI range). */
const FAKE_POD_SUBNET = "10.88.0.0/16";

/** ExecSync as busybox answers the scenarios' commands. */
const EXEC_ANSWERS: readonly ScriptedExec[] = [
  { match: EXEC_ECHO, stdout: "exec-ok\n" },
  { match: EXEC_EXIT_7, exitCode: 7 },
  { match: EXEC_STDERR, stderr: "exec-err\n", exitCode: 2 },
  { match: EXEC_SLOW, delayMs: 5_000 },
];

/** A small idle shell, roughly what containerd reads from the cgroup of `sh -c 'sleep …'`. */
const IDLE_STATS = { cpuUsageCoreNanoSeconds: 4_000_000, memoryWorkingSetBytes: 380_928 };

/** A long-running busybox shell that prints `lines` at start. */
function shell(
  lines: ContainerBehaviour["logs"],
  sigterm: Pick<ContainerBehaviour, "ignoreSigterm" | "sigtermExitCode" | "sigtermExitAfterMs">,
): ContainerBehaviour {
  return { kind: "run-forever", logs: lines, exec: EXEC_ANSWERS, stats: IDLE_STATS, ...sigterm };
}

/** The scenarios' commands, behaving as busybox makes them behave under containerd. */
export const CONFORMANCE_BEHAVIOURS: readonly ContainerBehaviourRule[] = [
  // PID 1 of its own PID namespace without a handler: the kernel drops SIGTERM.
  { command: RUN_FOREVER, behaviour: shell([{ line: "started" }], { ignoreSigterm: true }) },
  {
    command: LOG_BOTH_STREAMS,
    behaviour: shell([{ line: "started" }, { stream: "stderr", line: "complaint" }], { ignoreSigterm: true }),
  },
  // The trap runs once the `sleep 1` in progress returns: up to a second after SIGTERM.
  {
    command: EXIT_ON_TERM,
    behaviour: shell([{ line: "started" }], { sigtermExitCode: 0, sigtermExitAfterMs: 500 }),
  },
  { command: EXIT_3, behaviour: { kind: "exit", code: 3 } },
  { command: EXIT_0, behaviour: { kind: "exit", code: 0 } },
];

/** A fake runtime holding the images scripts/containerd/build-images.sh imports into containerd. */
export function createConformanceFake(context: CriTargetContext): FakeRuntime {
  return createFakeRuntime({
    // A real clock: the scenarios wait on real state changes, as they do with containerd.
    clock: createRealClock({ unref: true }),
    images: [BUSYBOX, BUSYBOX_1_36, TEST_IMAGE, PAUSE],
    aliases: [[BUSYBOX, BUSYBOX_1_36], ...context.aliases],
    pullable: context.pullableImages,
    sandboxImage: PAUSE,
    behaviours: CONFORMANCE_BEHAVIOURS,
    unimplemented: CONTAINERD_1_6_UNIMPLEMENTED,
  });
}

/** Everything of a {@link CriTarget} that does not depend on how the fake is reached. */
export async function fakeTargetBase(): Promise<
  Pick<CriTarget, "logRoot" | "busyboxImage" | "sandboxImage" | "missingImage" | "podSubnet"> & {
    removeLogRoot(): Promise<void>;
  }
> {
  const logRoot = await mkdtemp(join(tmpdir(), "kubelet-kit-cri-logs-"));
  return {
    logRoot,
    busyboxImage: BUSYBOX,
    sandboxImage: PAUSE,
    missingImage: "docker.io/library/does-not-exist:1",
    podSubnet: FAKE_POD_SUBNET,
    removeLogRoot: () => rm(logRoot, { recursive: true, force: true }),
  };
}

/** The fake through its in-memory transport; "down" is the fake's own `setDown`. */
export async function createInMemoryFakeTarget(context: CriTargetContext): Promise<CriTarget> {
  const fake = createConformanceFake(context);
  const base = await fakeTargetBase();
  const runtime = createRuntimeService({ transport: fake.transport });
  const images = createImageService({ transport: fake.transport });
  return {
    ...base,
    kind: "fake-memory",
    runtime,
    images,
    async stopRuntime() {
      fake.setDown(true);
    },
    async startRuntime() {
      fake.setDown(false);
    },
    async restartRuntime() {
      fake.setDown(true);
      fake.setDown(false);
    },
    async close() {
      runtime.close();
      images.close();
      fake.close();
      await base.removeLogRoot();
    },
  };
}

/**
 * The fake served over a unix socket in a temporary directory, reached through the gRPC client. Stopping
 * closes the server (the socket goes away, as containerd's does); starting serves the same fake again.
 */
export async function createSocketFakeTarget(context: CriTargetContext): Promise<CriTarget> {
  const fake = createConformanceFake(context);
  const base = await fakeTargetBase();
  const socketDir = await mkdtemp(join(tmpdir(), "kubelet-kit-fake-cri-"));
  const socketPath = join(socketDir, "cri.sock");
  let server = await serveFakeRuntime({ runtime: fake, socketPath });
  const runtime = createRuntimeService({ endpoint: server.endpoint });
  const images = createImageService({ endpoint: server.endpoint });
  let serving = true;

  const stopRuntime = async () => {
    await server.close();
    serving = false;
  };
  const startRuntime = async () => {
    server = await serveFakeRuntime({ runtime: fake, socketPath });
    serving = true;
  };
  return {
    ...base,
    kind: "fake-socket",
    runtime,
    images,
    stopRuntime,
    startRuntime,
    async restartRuntime() {
      await stopRuntime();
      await startRuntime();
    },
    async close() {
      runtime.close();
      images.close();
      if (serving) await server.close();
      fake.close();
      await rm(socketDir, { recursive: true, force: true });
      await base.removeLogRoot();
    },
  };
}
