import type { V1Container } from "@kubernetes/client-node";

/**
 * The port a probe names, as a number (`probe.ResolveContainerPort`): a number is taken as is; a string is
 * first looked up among the container's named ports, then read as a number (lifecycle hooks resolve in the
 * other order, with other errors: see the runtime manager). Throws when the name
 * is unknown and not a number, or the port is outside 1–65535.
 */
export function resolveProbePort(port: number | string, container: Pick<V1Container, "ports">): number {
  let resolved: number;
  if (typeof port === "number") {
    resolved = port;
  } else {
    const named = container.ports?.find((p) => p.name === port);
    if (named !== undefined) {
      resolved = named.containerPort;
    } else if (/^[+-]?\d+$/.test(port.trim())) {
      resolved = Number.parseInt(port.trim(), 10);
    } else {
      // What Go's strconv.Atoi says, which upstream passes on.
      throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
    }
  }
  if (!Number.isInteger(resolved) || resolved <= 0 || resolved >= 65_536) {
    throw new Error(`invalid port number: ${resolved}`);
  }
  return resolved;
}

/** The host a httpGet or tcpSocket probe connects to: its own `host`, else the pod's IP. */
export function probeHost(host: string | undefined, podIp: string): string {
  return host !== undefined && host !== "" ? host : podIp;
}
