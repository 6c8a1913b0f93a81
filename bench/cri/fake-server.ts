// Child process of the benchmark: the fake runtime with N containers, served on a unix socket. Run by
// fake-target.ts (never on its own), so the server has its own event loop and core, as a real runtime does.
import { mkdir } from "node:fs/promises";
import { createRealClock } from "@kubelet-kit/core";
import { createRuntimeService } from "@kubelet-kit/cri-client";
import { createFakeRuntime, serveFakeRuntime } from "@kubelet-kit/cri-client/testing";
import { runBenchChildMain, sendToParent } from "../lib/child.js";
import { type FakeServerMessage, type FakeServerRequest, parseFakeServerArgs } from "./fake-protocol.js";
import { populate } from "./populate.js";

const IMAGE = "docker.io/library/busybox:latest";

async function serve(): Promise<void> {
  const options = parseFakeServerArgs(process.argv.slice(2));
  await mkdir(options.logDirectory, { recursive: true });
  const runtime = createFakeRuntime({
    clock: createRealClock({ unref: true }),
    images: [IMAGE, "registry.k8s.io/pause:3.10"],
  });
  // Populated through the in-memory transport: no socket round trips, so 1,000 containers take well under a second.
  const direct = createRuntimeService({ transport: runtime.transport });
  const population = await populate({
    runtime: direct,
    image: IMAGE,
    containers: options.containers,
    sandboxes: options.sandboxes,
    concurrency: 1,
    logDirectory: options.logDirectory,
  });
  const { runtimeName, runtimeVersion } = await direct.version({});
  const server = await serveFakeRuntime({ runtime, socketPath: options.socketPath });

  const stop = async (): Promise<void> => {
    await server.close();
    runtime.close();
    process.disconnect?.();
  };
  process.on("message", (request: FakeServerRequest) => {
    if (request.type === "stop") void stop();
  });
  // The benchmark died: do not outlive it.
  process.on("disconnect", () => void server.close().then(() => runtime.close()));
  send({
    type: "ready",
    endpoint: server.endpoint,
    runtime: `${runtimeName} ${runtimeVersion}`,
    containers: population.containerIds.length,
    createMs: population.createMs,
  });
}

function send(message: FakeServerMessage): void {
  sendToParent(message);
}

runBenchChildMain(serve);
