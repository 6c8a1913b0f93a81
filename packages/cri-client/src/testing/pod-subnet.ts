import { KubeletKitError } from "@kubelet-kit/core";

/** The pod subnet of containerd's default CNI config (bridge `cni0` + host-local IPAM). */
export const DEFAULT_POD_SUBNET = "10.88.0.0/16";

/** A parsed IPv4 pod subnet, as host-local IPAM sees its single range. */
export interface PodSubnet {
  /** As given, e.g. `"10.88.0.0/16"`. */
  readonly cidr: string;
  /** The network address as a 32-bit unsigned number. */
  readonly network: number;
  readonly prefixLength: number;
  /** The range's first address (network + 1): the bridge's gateway, never handed to a sandbox. */
  readonly gateway: number;
  /** The first address a sandbox can get (network + 2). */
  readonly first: number;
  /** The last address a sandbox can get (broadcast − 1). */
  readonly last: number;
}

/**
 * Parses the `podSubnet` option: an IPv4 CIDR (`a.b.c.d/n`; host bits are ignored, as Go's ParseCIDR does)
 * with room for at least one sandbox besides the gateway, i.e. a prefix of /30 or shorter.
 */
export function parsePodSubnet(text: string, option = "podSubnet"): PodSubnet {
  const fail = (why: string): never => {
    throw new KubeletKitError(
      "InvalidArgument",
      `${option}: ${JSON.stringify(text)} ${why} (expected an IPv4 CIDR such as "10.88.0.0/16" or "127.77.0.0/24")`,
    );
  };
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (m === null) return fail("is not an IPv4 CIDR");
  const octets = m.slice(1, 5).map(Number);
  const prefixLength = Number(m[5]);
  if (octets.some((octet) => octet > 255) || prefixLength > 32) return fail("is not an IPv4 CIDR");
  if (prefixLength > 30) return fail("has no room for a pod address besides the gateway (/30 at most)");
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const size = 2 ** (32 - prefixLength);
  const network = address - (address % size);
  return {
    cidr: text,
    network,
    prefixLength,
    gateway: network + 1,
    first: network + 2,
    last: network + size - 2,
  };
}

/** Dotted-quad form of a 32-bit unsigned address. */
export function formatIpv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join(".");
}

/** Whether a dotted-quad address is in 127.0.0.0/8 (loopback: bindable on Linux without any setup). */
export function isLoopbackIpv4(ip: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/**
 * Hands out sandbox addresses the way host-local IPAM does: the address after the last one handed out,
 * skipping addresses still held, wrapping from the last address back to the first; none left is an error.
 */
export class PodAddressPool {
  readonly #subnet: PodSubnet;
  #last: number;

  constructor(subnet: PodSubnet) {
    this.#subnet = subnet;
    this.#last = subnet.first - 1;
  }

  get subnet(): PodSubnet {
    return this.#subnet;
  }

  /**
   * The next free address; `held` are addresses of sandboxes whose network is still set up. Throws what
   * containerd answers when the range is exhausted (`sandboxId` names the sandbox being created).
   */
  allocate(held: ReadonlySet<string>, sandboxId: string): string {
    const { first, last } = this.#subnet;
    const count = last - first + 1;
    for (let i = 1; i <= count; i++) {
      const candidate = first + ((this.#last - first + i) % count);
      const ip = formatIpv4(candidate);
      if (!held.has(ip)) {
        this.#last = candidate;
        return ip;
      }
    }
    throw new KubeletKitError(
      "Unknown",
      `failed to setup network for sandbox "${sandboxId}": plugin type="bridge" name="containerd-net" failed (add): failed to allocate for range 0: no IP addresses available in range set: ${formatIpv4(this.#subnet.gateway)}-${formatIpv4(last)}`,
    );
  }
}
