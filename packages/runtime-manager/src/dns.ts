import type { V1Pod } from "@kubernetes/client-node";

/** A resolver configuration (CRI `DNSConfig`). */
export interface DnsSettings {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

/** The node's DNS setup, mirroring kubelet flags; see {@link RuntimeManagerOptions.dns}. */
export interface DnsOptions {
  /** Cluster DNS server IPs (`--cluster-dns`, `clusterDNS`). Default: none. */
  readonly clusterDnsIps?: readonly string[];
  /** Cluster domain (`--cluster-domain`, `clusterDomain`), e.g. `cluster.local`. Default: none. */
  readonly clusterDomain?: string;
  /**
   * The host resolver configuration (what the kubelet parses from `--resolv-conf`, `resolvConf`). Nothing is
   * read from disk: pass it in. Default: empty, which leaves the runtime to use its own default.
   */
  readonly host?: DnsSettings;
}

const NDOTS_5 = "ndots:5";

/**
 * The pod's DNS config (`dns.Configurer.GetPodDNS`): policy `None` starts empty; `ClusterFirst` (non host
 * network) and `ClusterFirstWithHostNet` use the cluster DNS servers, the cluster search domains followed
 * by the host's, and `ndots:5`, falling back to the host config when no cluster DNS is configured; `Default`
 * and host-network `ClusterFirst` use the host config. `spec.dnsConfig` is merged in last.
 */
export function podDnsConfig(pod: V1Pod, options: DnsOptions): DnsSettings {
  const host = options.host ?? { servers: [], searches: [], options: [] };
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  let servers: string[] = [...host.servers];
  let searches: string[] = [...host.searches];
  let dnsOptions: string[] = [...host.options];
  const cluster =
    policy === "ClusterFirstWithHostNet" ||
    (policy !== "Default" && policy !== "None" && pod.spec?.hostNetwork !== true);
  if (policy === "None") {
    servers = [];
    searches = [];
    dnsOptions = [];
  } else if (cluster && (options.clusterDnsIps ?? []).length > 0) {
    servers = [...(options.clusterDnsIps ?? [])];
    searches = clusterSearches(pod, options.clusterDomain ?? "", host.searches);
    dnsOptions = [NDOTS_5];
  }
  const extra = pod.spec?.dnsConfig;
  if (extra !== undefined) {
    servers = unique([...servers, ...(extra.nameservers ?? [])]);
    searches = unique([...searches, ...(extra.searches ?? [])]);
    dnsOptions = mergeOptions(
      dnsOptions,
      (extra.options ?? []).map((o) =>
        o.value === undefined ? (o.name ?? "") : `${o.name ?? ""}:${o.value}`,
      ),
    );
  }
  return { servers, searches, options: dnsOptions };
}

function clusterSearches(pod: V1Pod, domain: string, hostSearches: readonly string[]): string[] {
  if (domain === "") return [...hostSearches];
  const namespace = pod.metadata?.namespace ?? "";
  return unique([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearches]);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Options are merged by name (`ndots:2` replaces `ndots:5`); order of first appearance is kept. */
function mergeOptions(existing: readonly string[], added: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const option of [...existing, ...added]) {
    const name = option.split(":")[0] ?? option;
    byName.set(name, option);
  }
  return [...byName.values()];
}
