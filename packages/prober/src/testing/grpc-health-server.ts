import {
  status as grpcStatus,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from "@grpc/grpc-js";
import {
  decodeHealthCheckRequest,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_METHOD,
  HEALTH_SERVING_STATUS,
  type HealthServingStatusName,
} from "../handlers/grpc-health-codec.js";

/**
 * How the server answers `Check` for one service: a status by name or raw number (any int32, to test
 * unknown values), or `"stall"` to never answer (the caller's deadline ends the call).
 */
export type GrpcHealthAnswer = HealthServingStatusName | number | "stall";

/** Options of {@link serveGrpcHealth}. */
export interface ServeGrpcHealthOptions {
  /** Loopback address to listen on. Default: `"127.0.0.1"`. */
  host?: string;
  /**
   * The answer per service name (`""` is the server as a whole). A service with no answer gets
   * `NotFound: unknown service`, as grpc-go's health server replies. Default: `{ "": "SERVING" }`.
   */
  answers?: Readonly<Record<string, GrpcHealthAnswer>>;
  /**
   * Whether the server registers the health service at all. When false, every `Check` fails with
   * `Unimplemented`, as a server without the health protocol does. Default: `true`.
   */
  implementsHealth?: boolean;
}

/** One `Check` call the server received. */
export interface GrpcHealthCheckCall {
  readonly service: string;
  /** The caller's `user-agent` header. */
  readonly userAgent: string | undefined;
}

/** A gRPC health server on loopback for grpc probes, in tests, e2e scenarios and benchmarks. */
export interface GrpcHealthServer {
  readonly host: string;
  readonly port: number;
  /** Every `Check` received, oldest first. */
  readonly calls: readonly GrpcHealthCheckCall[];
  /** Sets how `Check` for `service` is answered from now on. */
  setAnswer(service: string, answer: GrpcHealthAnswer): void;
  /** Forgets `service`: `Check` for it fails with `NotFound`. */
  clearAnswer(service: string): void;
  /** Stops the server, ending stalled and open calls. */
  close(): Promise<void>;
}

type Handler = (
  call: ServerUnaryCall<{ service: string }, Uint8Array>,
  callback: sendUnaryData<Uint8Array>,
) => void;

/** Starts a `grpc.health.v1.Health` server (plaintext, ephemeral port) whose answers a test controls. */
export async function serveGrpcHealth(options: ServeGrpcHealthOptions = {}): Promise<GrpcHealthServer> {
  const host = options.host ?? "127.0.0.1";
  const answers = new Map<string, GrpcHealthAnswer>(Object.entries(options.answers ?? { "": "SERVING" }));
  const calls: GrpcHealthCheckCall[] = [];
  const server = new Server({ "grpc.enable_channelz": 0 });

  if (options.implementsHealth ?? true) {
    const check: Handler = (call, callback) => {
      const service = call.request.service;
      const userAgent = call.metadata.get("user-agent")[0];
      calls.push({ service, userAgent: typeof userAgent === "string" ? userAgent : undefined });
      const answer = answers.get(service);
      if (answer === undefined) {
        callback({ code: grpcStatus.NOT_FOUND, details: "unknown service" });
        return;
      }
      if (answer === "stall") return;
      const status = typeof answer === "number" ? answer : HEALTH_SERVING_STATUS[answer];
      callback(null, encodeHealthCheckResponse(status));
    };
    server.addService(healthServiceDefinition(), { Check: check });
  }

  const bindHost = host.includes(":") ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:0`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });

  return {
    host,
    port,
    calls,
    setAnswer: (service, answer) => {
      answers.set(service, answer);
    },
    clearAnswer: (service) => {
      answers.delete(service);
    },
    close: async () => {
      server.forceShutdown();
    },
  };
}

function healthServiceDefinition(): ServiceDefinition {
  return {
    Check: {
      path: HEALTH_CHECK_METHOD,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: { service: string }) => Buffer.from(encodeHealthCheckRequest(value.service)),
      requestDeserialize: (bytes: Buffer) => decodeHealthCheckRequest(bytes),
      responseSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      responseDeserialize: (bytes: Buffer) => new Uint8Array(bytes),
    },
  };
}
