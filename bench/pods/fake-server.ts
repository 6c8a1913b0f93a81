// Child process of the pod-start benchmark: an empty fake CRI runtime (real clock, no artificial latency,
// the pod image and the sandbox image present) served on a unix socket, so the agent reaches it over gRPC
// from another process, as it reaches containerd. Run by main.ts, never on its own.
import { createRealClock } from "@kubelet-kit/core";
import { createFakeRuntime, DEFAULT_SANDBOX_IMAGE, serveFakeRuntime } from "@kubelet-kit/cri-client/testing";
import { runBenchChildMain, sendToParent } from "../lib/child.js";
import { POD_IMAGE } from "./options.js";

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
  process.on("message", (request: FakeServerRequest) => {
    if (request.type === "stop") void stop();
    if (request.type === "usage") {
      const { user, system } = process.cpuUsage();
      send({ type: "usage", cpuSeconds: (user + system) / 1e6 });
    }
  });
  // The benchmark died: do not outlive it.
  process.on("disconnect", () => void server.close().then(() => runtime.close()));
  send({ type: "ready", endpoint: server.endpoint, runtime: "fake-runtime (served from a child process)" });
}

function send(message: FakeServerMessage): void {
  sendToParent(message);
}

runBenchChildMain(serve);
