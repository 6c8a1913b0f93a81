import { connect as netConnect } from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { type Client, credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { CRI_MAX_MESSAGE_BYTES } from "@kubelet-kit/core";
import { type ListContainersResponse, RuntimeService, type VersionResponse } from "@kubelet-kit/cri-api";
import { createRuntimeService, parseCriEndpoint, toGrpcServiceDefinition } from "@kubelet-kit/cri-client";

/** The transports compared. `kubelet-kit` is the baseline of every ratio. */
export type TransportKey = "kubelet-kit" | "grpc-js-raw" | "connect-node";

/** The two calls measured, behind one shape for every transport. */
export interface BenchClient {
  readonly key: TransportKey;
  /** What the table shows. */
  readonly label: string;
  version(): Promise<unknown>;
  /** Resolves to the number of containers listed. */
  listContainers(): Promise<number>;
  close(): void;
}

export const TRANSPORT_LABELS: Readonly<Record<TransportKey, string>> = {
  "kubelet-kit": "kubelet-kit client (grpc-js)",
  "grpc-js-raw": "grpc-js raw stub",
  "connect-node": "connect-node 2.1.2",
};

/** Opens one client of each transport to `endpoint`, baseline first. Each has its own HTTP/2 connection. */
export function openBenchClients(endpoint: string): BenchClient[] {
  return [openKubeletKitClient(endpoint), openRawGrpcClient(endpoint), openConnectClient(endpoint)];
}

/** Our client, exactly as an embedder creates it: 2 min deadline per call, no interceptors. */
function openKubeletKitClient(endpoint: string): BenchClient {
  const runtime = createRuntimeService({ endpoint });
  return {
    key: "kubelet-kit",
    label: TRANSPORT_LABELS["kubelet-kit"],
    version: () => runtime.version({ version: "v1" }),
    listContainers: async () => (await runtime.listContainers({})).containers.length,
    close: () => runtime.close(),
  };
}

type UnaryStubMethod<Res> = (
  request: object,
  callback: (err: ServiceError | null, response: Res) => void,
) => void;

/**
 * A grpc-js generic client over the same service definition our client uses, called directly: no deadline,
 * no abort signal, no interceptor chain. Its own subchannel pool, so it never shares our client's connection.
 */
function openRawGrpcClient(endpoint: string): BenchClient {
  const Stub = makeGenericClientConstructor(toGrpcServiceDefinition(RuntimeService), "RuntimeService");
  const stub = new Stub(parseCriEndpoint(endpoint).target, credentials.createInsecure(), {
    "grpc.max_receive_message_length": CRI_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": CRI_MAX_MESSAGE_BYTES,
    "grpc.default_authority": "localhost",
    "grpc.use_local_subchannel_pool": 1,
  });
  const unary = <Res>(method: string, request: object): Promise<Res> =>
    new Promise((resolve, reject) => {
      const fn = (stub as unknown as Record<string, UnaryStubMethod<Res>>)[method];
      if (fn === undefined) throw new Error(`no stub method ${method}`);
      fn.call(stub, request, (err, response) => (err ? reject(err) : resolve(response)));
    });
  return {
    key: "grpc-js-raw",
    label: TRANSPORT_LABELS["grpc-js-raw"],
    version: () => unary<VersionResponse>("version", { version: "v1" }),
    listContainers: async () => (await unary<ListContainersResponse>("listContainers", {})).containers.length,
    close: () => (stub as Client).close(),
  };
}

/**
 * connect-node's gRPC transport over the unix socket (`createConnection`), with its own session manager so
 * the HTTP/2 session can be closed at the end (otherwise it keeps the process alive until it idles out).
 */
function openConnectClient(endpoint: string): BenchClient {
  const { socketPath } = parseCriEndpoint(endpoint);
  const sessionManager = new Http2SessionManager(
    "http://localhost",
    {},
    {
      createConnection: () => netConnect(socketPath),
    },
  );
  const transport = createGrpcTransport({ baseUrl: "http://localhost", sessionManager });
  const client = createClient(RuntimeService, transport);
  return {
    key: "connect-node",
    label: TRANSPORT_LABELS["connect-node"],
    version: () => client.version({ version: "v1" }),
    listContainers: async () => (await client.listContainers({})).containers.length,
    close: () => sessionManager.abort(),
  };
}
