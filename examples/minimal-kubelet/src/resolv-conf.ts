import type { DnsSettings } from "@kubelet-kit/runtime-manager";

/**
 * Parses a resolver configuration (`/etc/resolv.conf` syntax) the way the kubelet reads `resolvConf`:
 * `nameserver` lines give servers, the last `search` (or `domain`) line gives the search list, `options`
 * lines give options. Comments start with `#` or `;`.
 */
export function parseResolvConf(text: string): DnsSettings {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (line === "") continue;
    const [keyword, ...fields] = line.split(/\s+/);
    if (keyword === "nameserver" && fields[0] !== undefined) servers.push(fields[0]);
    else if (keyword === "search" || keyword === "domain") searches = fields;
    else if (keyword === "options") options.push(...fields);
  }
  return { servers, searches, options };
}
