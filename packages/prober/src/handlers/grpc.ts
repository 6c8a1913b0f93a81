import { isIPv4, isIPv6, type Socket } from "node:net";
import {
  ChannelCredentials,
  type ChannelOptions,
  Client,
  credentials,
  status as GrpcStatus,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { formatGoDuration, goQuote, KUBELET_KIT_ERROR_CODES, KubeletKitError } from "@kubelet-kit/core";
import type { V1GRPCAction } from "@kubernetes/client-node";
import { kubeProbeUserAgent } from "../constants.js";
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  HEALTH_CHECK_METHOD,
  HEALTH_SERVING_STATUS,
  healthStatusName,
} from "./grpc-health-codec.js";
import { joinHostPort } from "./host-port.js";
import { resetSocket } from "./socket-reset.js";
import type { ProbeAttempt } from "./types.js";

/** What one grpc probe attempt needs (the `grpc` case of the kubelet's `runProbe`). */
export interface GrpcProbeInput {
  /** The probe's `grpc` action: `port` and the optional `service` (default: `""`, the whole server). */
  readonly action: Pick<V1GRPCAction, "port" | "service">;
  /** The pod's IP: a grpc probe has no host field. */
  readonly podIp: string;
  /** The probe's `timeoutSeconds` in ms: bounds the connection and the call together. */
  readonly timeoutMs: number;
  /** The `User-Agent` prefix. Default: `kube-probe/<major>.<minor>` ({@link kubeProbeUserAgent}). */
  readonly userAgent?: string;
  /** Gives up at once when it aborts (the worker stopped): the attempt then throws `Canceled`. */
  readonly signal?: AbortSignal;
}

// gRPC status codes 1..16 carry the names Go prints (`codes.Code.String()`); core lists them in that order.
function goCodeName(code: number): string {
  return code === 0 ? "OK" : (KUBELET_KIT_ERROR_CODES[code - 1] ?? `Code(${code})`);
}

function failure(output: string): ProbeAttempt {
  return { outcome: "failure", output };
}

/**
 * Runs a grpc probe once, as the kubelet does (`pkg/probe/grpc`): a plaintext connection to the pod IP and
 * port, then `grpc.health.v1.Health/Check` for the action's service, the two together bounded by
 * `timeoutMs`. `SERVING` is a success (`service healthy`); anything else is a failure in upstream's words:
 * `service unhealthy (responded with "NOT_SERVING")`, the missing health service, `timeout: …` for either
 * half, or the RPC error. Never throws, unless `signal` aborts. Each probe has its own channel, closed (and
 * its connection reset, so no TIME_WAIT is left) before the promise settles.
 */
export async function runGrpcProbe(input: GrpcProbeInput): Promise<ProbeAttempt> {
  const { signal } = input;
  if (signal?.aborted) throw KubeletKitError.from(signal.reason, "Canceled");
  const address = joinHostPort(input.podIp, input.action.port);
  const sockets: Socket[] = [];
  let client: Client;
  try {
    client = new Client(
      dialTarget(input.podIp, address),
      new ProbeChannelCredentials(sockets),
      channelOptions(input),
    );
  } catch (error) {
    return failure(`error: failed to connect service at ${goQuote(address)}: ${messageOf(error)}`);
  }
  let onAbort: (() => void) | undefined;
  try {
    const probe = checkHealth(client, address, input);
    if (signal === undefined) return await probe;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(KubeletKitError.from(signal.reason, "Canceled"));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    return await Promise.race([probe, aborted]);
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    for (const socket of sockets) resetSocket(socket);
    client.close();
  }
}

/** Go's blocking dial, then the `Check` call, both before one deadline; every outcome becomes an attempt. */
async function checkHealth(client: Client, address: string, input: GrpcProbeInput): Promise<ProbeAttempt> {
  const timeout = formatGoDuration(input.timeoutMs);
  // grpc-js measures deadlines against the wall clock with its own timers; they race real socket I/O,
  // which the injected clock does not drive.
  const deadline = input.timeoutMs > 0 ? Date.now() + input.timeoutMs : Number.POSITIVE_INFINITY;
  try {
    if (!(await connected(client, deadline))) {
      return failure(
        `timeout: failed to connect service ${goQuote(address)} within ${timeout}: context deadline exceeded`,
      );
    }
    const answer = await check(client, input.action.service ?? "", deadline);
    if ("error" in answer) return describeRpcError(answer.error, timeout);
    if (answer.status !== HEALTH_SERVING_STATUS.SERVING) {
      return failure(`service unhealthy (responded with ${goQuote(healthStatusName(answer.status))})`);
    }
    return { outcome: "success", output: "service healthy" };
  } catch (error) {
    return failure(`error: health rpc probe failed: ${messageOf(error)}`);
  }
}

/**
 * The grpc-js target for `address`. A pod IP needs no name resolution: the `ipv4:`/`ipv6:` schemes make
 * grpc-js use the address as it is, where a bare `ip:port` would build a DNS resolver (a c-ares channel)
 * for every probe, about a tenth of a probe's CPU. Anything else goes through DNS as before.
 */
function dialTarget(host: string, address: string): string {
  if (isIPv4(host)) return `ipv4:${address}`;
  if (isIPv6(host)) return `ipv6:${address}`;
  return address;
}

function channelOptions(input: GrpcProbeInput): ChannelOptions {
  return {
    "grpc.primary_user_agent": input.userAgent ?? kubeProbeUserAgent(),
    // The kubelet dials with its own dialer, so no proxy applies (grpc-js would read *_proxy variables).
    "grpc.enable_http_proxy": 0,
    // A connection of its own per probe, never a subchannel shared with another channel.
    "grpc.use_local_subchannel_pool": 1,
    "grpc.service_config_disable_resolution": 1,
    "grpc.enable_channelz": 0,
  };
}

/** Waits until the channel is ready (Go's blocking dial); false when the deadline passed first. */
function connected(client: Client, deadline: number): Promise<boolean> {
  return new Promise((resolve) => client.waitForReady(deadline, (error) => resolve(error === undefined)));
}

type CheckAnswer = { readonly status: number } | { readonly error: ServiceError };

function check(client: Client, service: string, deadline: number): Promise<CheckAnswer> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      HEALTH_CHECK_METHOD,
      (request: Uint8Array) => Buffer.from(request.buffer, request.byteOffset, request.byteLength),
      (response: Buffer) => decodeHealthCheckResponse(response),
      encodeHealthCheckRequest(service),
      new Metadata(),
      { deadline },
      (error, response) => {
        if (error) resolve({ error });
        else resolve({ status: response?.status ?? HEALTH_SERVING_STATUS.UNKNOWN });
      },
    );
  });
}

function describeRpcError(error: ServiceError, timeout: string): ProbeAttempt {
  switch (error.code) {
    case GrpcStatus.UNIMPLEMENTED:
      return failure(
        `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${error.details}`,
      );
    case GrpcStatus.DEADLINE_EXCEEDED:
      return failure(`timeout: health rpc did not complete within ${timeout}`);
    default:
      // Go prints a status error as `rpc error: code = <Code> desc = <message>`.
      return failure(
        `error: health rpc probe failed: rpc error: code = ${goCodeName(error.code)} desc = ${error.details}`,
      );
  }
}

/**
 * Plaintext credentials that also keep every connection the channel makes, so the probe can reset them
 * instead of closing them gracefully (the kubelet's probe dialer shortens the linger for the same reason).
 */
class ProbeChannelCredentials extends ChannelCredentials {
  private readonly plaintext = credentials.createInsecure();

  constructor(private readonly sockets: Socket[]) {
    super();
  }

  override _isSecure(): boolean {
    return false;
  }

  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(
    ...args: Parameters<ChannelCredentials["_createSecureConnector"]>
  ): ReturnType<ChannelCredentials["_createSecureConnector"]> {
    const inner = this.plaintext._createSecureConnector(...args);
    return {
      connect: (socket) => {
        this.sockets.push(socket);
        return inner.connect(socket);
      },
      waitForReady: () => inner.waitForReady(),
      getCallCredentials: () => inner.getCallCredentials(),
      destroy: () => inner.destroy(),
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
