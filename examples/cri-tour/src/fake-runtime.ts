import { createRealClock } from "@kubelet-kit/core";
import { createFakeRuntime, serveFakeRuntime } from "@kubelet-kit/cri-client/testing";
import { CONTAINER_COMMAND, EXEC_COMMAND, GREETING } from "./steps.js";

/** Options of {@link startFakeRuntime}. */
export interface StartFakeRuntimeOptions {
  /** The image the tour runs: pullable (not present, so the tour shows a pull), scripted like busybox. */
  readonly image: string;
  /** Where to serve it (absolute path, in the tour's temporary directory). */
  readonly socketPath: string;
}

/** The fake runtime, served on a unix socket. */
export interface ServedFakeRuntime {
  /** `unix://<socketPath>`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves the fake runtime over a real gRPC socket, so the tour takes the same path as against containerd.
 * The tour's container is scripted to behave as busybox running its command does in containerd: it prints
 * the greeting, answers `echo exec-ok`, uses about as much memory, and SIGTERM ends it at once with exit
 * code 143 (the pod's pause process is PID 1, not the shell, so the default disposition applies).
 */
export async function startFakeRuntime(options: StartFakeRuntimeOptions): Promise<ServedFakeRuntime> {
  const runtime = createFakeRuntime({
    clock: createRealClock({ unref: true }),
    images: ["registry.k8s.io/pause:3.10"],
    pullable: [options.image],
    behaviours: [
      {
        image: options.image,
        command: [...CONTAINER_COMMAND],
        behaviour: {
          kind: "run-forever",
          logs: [{ line: GREETING }],
          exec: [
            { match: [...EXEC_COMMAND], stdout: `${EXEC_COMMAND.slice(1).join(" ")}\n` },
            { match: ["true"] },
            { match: ["false"], exitCode: 1 },
          ],
          stats: { memoryWorkingSetBytes: 540_672 },
        },
      },
    ],
  });
  const server = await serveFakeRuntime({ runtime, socketPath: options.socketPath });
  return {
    endpoint: server.endpoint,
    async close() {
      await server.close();
      runtime.close();
    },
  };
}
