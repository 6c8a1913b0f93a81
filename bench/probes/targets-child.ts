// Child process of the probe benchmark: what the probes reach, for one mode, so its CPU is not the
// prober's. http: a plain node:http server answering 200 on /healthz; tcp: serveTcpProbeTarget (accepts
// and holds connections until the peer goes); grpc: serveGrpcHealth (SERVING); exec: the fake runtime
// (real clock) with N running containers, served on a unix socket as bench/pods serves it. Run by main.ts,
// never on its own.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealClock } from "@kubelet-kit/core";
import { NamespaceMode } from "@kubelet-kit/cri-api";
import { createRuntimeService } from "@kubelet-kit/cri-client";
import { createFakeRuntime, DEFAULT_SANDBOX_IMAGE, serveFakeRuntime } from "@kubelet-kit/cri-client/testing";
import { serveGrpcHealth, serveTcpProbeTarget } from "@kubelet-kit/prober/testing";
import { runBenchChildMain, sendToParent } from "../lib/child.js";
import {
  HEALTH_PATH,
  parseChildArgs,
  type TargetsChildArgs,
  type TargetsChildMessage,
  type TargetsChildRequest,
} from "./protocol.js";

/** The image of the exec mode's containers (present in the fake). */
const EXEC_IMAGE = "docker.io/library/busybox:latest";

interface Served {
  readonly description: string;
  readonly port: number;
  readonly endpoint: string;
  readonly containerIds: readonly string[];
  close(): Promise<void>;
}

async function serve(): Promise<void> {
  const args = parseChildArgs<TargetsChildArgs>(process.argv.slice(2), "targets-child");
  const served = await start(args);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await served.close();
    process.disconnect?.();
  };
  process.on("message", (request: TargetsChildRequest) => {
    if (request.type === "stop") void stop();
    if (request.type === "usage") {
      const { user, system } = process.cpuUsage();
      send({ type: "usage", cpuSeconds: (user + system) / 1e6 });
    }
  });
  // The benchmark died: do not outlive it.
  process.on("disconnect", () => void stop());
  send({
    type: "ready",
    description: served.description,
    port: served.port,
    endpoint: served.endpoint,
    containerIds: served.containerIds,
  });
}

async function start(args: TargetsChildArgs): Promise<Served> {
  switch (args.mode) {
    case "http":
      return serveHttp();
    case "tcp": {
      const target = await serveTcpProbeTarget({ host: "127.0.0.1" });
      return {
        description: "serveTcpProbeTarget (accepts, holds each connection until the peer closes it)",
        port: target.port,
        endpoint: "",
        containerIds: [],
        close: () => target.close(),
      };
    }
    case "grpc": {
      const server = await serveGrpcHealth({ host: "127.0.0.1", answers: { "": "SERVING" } });
      return {
        description: "serveGrpcHealth (grpc-js server, grpc.health.v1 SERVING)",
        port: server.port,
        endpoint: "",
        containerIds: [],
        close: () => server.close(),
      };
    }
    case "exec":
      return serveFake(args);
  }
}

/**
 * A bare node:http server rather than serveHttpProbeTarget: that one records every request, which over
 * minutes of 600 probes a second is hundreds of MiB in this process.
 */
async function serveHttp(): Promise<Served> {
  const body = Buffer.from("ok");
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(req.url === HEALTH_PATH ? 200 : 404, { "Content-Length": body.length });
    res.end(body);
  });
  // Probes reset their connection after the response: that is the expected end, not an error.
  server.on("clientError", (_error, socket) => socket.destroy());
  server.on("connection", (socket) => socket.on("error", () => {}));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    description: `node:http server (200 on ${HEALTH_PATH})`,
    port: (server.address() as AddressInfo).port,
    endpoint: "",
    containerIds: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The fake runtime with one host-network sandbox and `execContainers` running containers, on a unix socket. */
async function serveFake(args: TargetsChildArgs): Promise<Served> {
  const runtime = createFakeRuntime({
    clock: createRealClock({ unref: true }),
    images: [EXEC_IMAGE, DEFAULT_SANDBOX_IMAGE],
  });
  // Created through the in-memory transport: no socket round trips before serving.
  const direct = createRuntimeService({ transport: runtime.transport });
  const metadata = {
    name: "probe-bench",
    namespace: "kubelet-kit-bench",
    uid: "probe-bench-uid",
    attempt: 0,
  };
  const sandboxConfig = {
    metadata,
    logDirectory: join(tmpdir(), "kubelet-kit-bench-probes-logs"),
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  };
  const { podSandboxId } = await direct.runPodSandbox({ config: sandboxConfig });
  const containerIds: string[] = [];
  for (let i = 0; i < args.execContainers; i++) {
    const { containerId } = await direct.createContainer({
      podSandboxId,
      sandboxConfig,
      config: {
        metadata: { name: `c${i}`, attempt: 0 },
        image: { image: EXEC_IMAGE },
        command: ["sleep", "2147483647"],
      },
    });
    await direct.startContainer({ containerId });
    containerIds.push(containerId);
  }
  const server = await serveFakeRuntime({ runtime, socketPath: args.socketPath });
  return {
    description: `fake runtime (real clock) with ${containerIds.length} running containers, on a unix socket`,
    port: 0,
    endpoint: server.endpoint,
    containerIds,
    close: async () => {
      await server.close();
      runtime.close();
    },
  };
}

function send(message: TargetsChildMessage): void {
  sendToParent(message);
}

runBenchChildMain(serve);
