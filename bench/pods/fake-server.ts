// Child process of the pod-start benchmark: an empty fake CRI runtime (real clock, no artificial latency,
// the pod image and the sandbox image present) served on a unix socket, so the agent reaches it over gRPC
// from another process, as it reaches containerd. Run by main.ts, never on its own.
//
// With KUBELET_KIT_BENCH_FAKE_PROFILE=DIR set, the fake profiles its CPU between the benchmark's first
// and second usage requests (the window "runtime CPU s, start" covers), writes the profile to DIR and
// prints where the time went.
import { basename, join, resolve } from "node:path";
import { createRealClock } from "@kubelet-kit/core";
import { createFakeRuntime, DEFAULT_SANDBOX_IMAGE, serveFakeRuntime } from "@kubelet-kit/cri-client/testing";
import { runBenchChildMain, sendToParent } from "../lib/child.js";
import {
  type CpuProfiler,
  createCpuProfiler,
  formatProfileSummary,
  summarizeProfile,
} from "../lib/profile.js";
import { POD_IMAGE } from "./options.js";

/** Directory for a CPU profile of the fake's start window (see the header). */
export const FAKE_PROFILE_ENV = "KUBELET_KIT_BENCH_FAKE_PROFILE";

/** Child → benchmark. */
export type FakeServerMessage =
  | { readonly type: "ready"; readonly endpoint: string; readonly runtime: string }
  /** CPU time of the fake's process so far (user + system), in seconds. */
  | { readonly type: "usage"; readonly cpuSeconds: number }
  | { readonly type: "error"; readonly message: string };

/** Benchmark → child. */
export type FakeServerRequest = { readonly type: "stop" } | { readonly type: "usage" };

async function serve(): Promise<void> {
  const socketPath = process.argv[2];
  if (socketPath === undefined || socketPath === "") throw new TypeError("fake-server: socket path required");
  const runtime = createFakeRuntime({
    clock: createRealClock({ unref: true }),
    images: [POD_IMAGE, DEFAULT_SANDBOX_IMAGE],
  });
  const server = await serveFakeRuntime({ runtime, socketPath });
  const stop = async (): Promise<void> => {
    await server.close();
    runtime.close();
    process.disconnect?.();
  };
  const profileWindow = createProfileWindow(process.env[FAKE_PROFILE_ENV], socketPath);
  process.on("message", (request: FakeServerRequest) => {
    if (request.type === "stop") void stop();
    if (request.type === "usage") {
      // Stop first and measure after, so the profiler's own start/stop stays out of the window.
      void profileWindow.next().then(() => {
        const { user, system } = process.cpuUsage();
        send({ type: "usage", cpuSeconds: (user + system) / 1e6 });
      });
    }
  });
  // The benchmark died: do not outlive it.
  process.on("disconnect", () => void server.close().then(() => runtime.close()));
  send({ type: "ready", endpoint: server.endpoint, runtime: "fake-runtime (served from a child process)" });
}

/** Starts the profiler at the first usage request and stops it at the second; nothing without a directory. */
function createProfileWindow(dir: string | undefined, socketPath: string): { next(): Promise<void> } {
  if (dir === undefined || dir === "") return { next: async () => {} };
  let profiler: CpuProfiler | undefined;
  let requests = 0;
  return {
    async next() {
      requests++;
      if (requests === 1) {
        profiler = createCpuProfiler();
        await profiler.start();
      } else if (requests === 2 && profiler !== undefined) {
        const file = join(resolve(dir), `fake-${basename(socketPath, ".sock")}-${process.pid}.cpuprofile`);
        const profile = await profiler.stop(file);
        process.stderr.write(
          `${formatProfileSummary(`${file} (fake runtime, start)`, summarizeProfile(profile, 30))}\n`,
        );
      }
    },
  };
}

function send(message: FakeServerMessage): void {
  sendToParent(message);
}

runBenchChildMain(serve);
