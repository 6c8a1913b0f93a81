import { KubeletKitError } from "@kubelet-kit/core";

/** A CRI endpoint resolved for grpc-js. */
export interface CriEndpoint {
  /** The grpc-js target, always `unix:///abs/path`. */
  readonly target: string;
  /** The absolute socket path. */
  readonly socketPath: string;
}

const UNIX_PREFIX = "unix://";

/**
 * Parses a CRI endpoint as the kubelet's `--container-runtime-endpoint` accepts it on Linux:
 * `unix:///abs/path.sock` or a bare absolute path. Any other scheme (`tcp://`, `npipe://`, …) or a
 * relative path throws an `InvalidArgument` error naming the endpoint.
 */
export function parseCriEndpoint(endpoint: string): CriEndpoint {
  let socketPath: string;
  if (endpoint.startsWith("/")) {
    socketPath = endpoint;
  } else if (endpoint.startsWith(UNIX_PREFIX)) {
    socketPath = endpoint.slice(UNIX_PREFIX.length);
    if (!socketPath.startsWith("/")) {
      throw invalid(endpoint, "the unix socket path must be absolute (unix:///path/to.sock)");
    }
  } else {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(endpoint)?.[1];
    throw invalid(
      endpoint,
      scheme === undefined
        ? "expected unix:///path/to.sock or an absolute path"
        : `scheme "${scheme}" is not supported, only unix sockets are`,
    );
  }
  if (socketPath.length <= 1) throw invalid(endpoint, "the socket path is empty");
  return { target: `${UNIX_PREFIX}${socketPath}`, socketPath };
}

function invalid(endpoint: string, reason: string): KubeletKitError {
  return new KubeletKitError("InvalidArgument", `invalid CRI endpoint "${endpoint}": ${reason}`, {
    details: { endpoint },
  });
}
