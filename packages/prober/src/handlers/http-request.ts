import { goQuote } from "@kubelet-kit/core";
import type { V1Container, V1HTTPGetAction } from "@kubernetes/client-node";
import { joinHostPort } from "./host-port.js";
import { probeHost, resolveProbePort } from "./target.js";

/**
 * Where one HTTP request of a probe goes: the first request, or a redirect the probe follows. Both the
 * display text (what upstream's error messages quote) and the pieces a socket needs.
 */
export interface HttpProbeUrl {
  /** Lower-case scheme without `:`, e.g. `http`. */
  readonly scheme: string;
  /** Host to connect to, without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** `host:port` as in the URL (IPv6 bracketed), the default `Host` header. */
  readonly authority: string;
  /** Request target: path and query, never empty (`/` at least). */
  readonly requestPath: string;
  /** The URL as upstream's messages show it (Go's `url.URL.String()` for the first request). */
  readonly text: string;
  /** The parsed URL, the base against which a `Location` header resolves. */
  readonly parsed: URL;
}

/** The first request of an httpGet probe, built as upstream's `NewRequestForHTTPGetAction` builds it. */
export interface HttpProbeRequest {
  readonly url: HttpProbeUrl;
  /**
   * Headers by canonical name (`x-foo` → `X-Foo`), in the order first seen, defaults applied:
   * `User-Agent` and `Accept: *\/*` unless set, an empty `Accept` removed. Still holds `Host` if set.
   */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** The `Host` header's first value, or `""`: when set it is the request's Host instead of the authority. */
  readonly hostOverride: string;
}

/** Inputs of {@link buildHttpProbeRequest}. */
export interface HttpProbeRequestInput {
  readonly action: V1HTTPGetAction;
  readonly podIp: string;
  readonly container: Pick<V1Container, "ports">;
  /** `User-Agent` unless the probe sets one (including to an empty value). */
  readonly userAgent: string;
}

/**
 * Builds the first request of an httpGet probe: scheme lower-cased (default `http`), host (the probe's or
 * the pod IP, IPv6 bracketed), port (named or numbered, see `resolveProbePort`), path; the probe's
 * headers with upstream's defaults. Throws where upstream fails to build the request (an unknown port
 * name, a port out of range, a URL that does not parse): the prober counts that as an error.
 */
export function buildHttpProbeRequest(input: HttpProbeRequestInput): HttpProbeRequest {
  const { action } = input;
  const scheme = (action.scheme ?? "").toLowerCase() || "http";
  const hostname = probeHost(action.host, input.podIp);
  const port = resolveProbePort(action.port, input.container);
  const url = formatProbeUrl(scheme, hostname, port, action.path ?? "");

  const headers = new Map<string, string[]>();
  for (const header of action.httpHeaders ?? []) {
    const name = canonicalHeaderName(header.name);
    const values = headers.get(name);
    if (values === undefined) headers.set(name, [header.value]);
    else values.push(header.value);
  }
  if (!headers.has("User-Agent")) headers.set("User-Agent", [input.userAgent]);
  const accept = headers.get("Accept");
  if (accept === undefined) headers.set("Accept", ["*/*"]);
  // Like Go's Header.Get, only the first value counts.
  else if (accept[0] === "") headers.delete("Accept");

  return { url, headers, hostOverride: headers.get("Host")?.[0] ?? "" };
}

/**
 * The probe URL from its parts, as upstream's `formatURL` does: the path is read as a URL reference and
 * only its path, query and fragment are kept (an absolute URL in `path` cannot redirect the probe to
 * another host); scheme and `host:port` are then set. Paths are normalised by the WHATWG URL parser,
 * which may escape exotic paths slightly differently from Go's net/url.
 */
export function formatProbeUrl(scheme: string, hostname: string, port: number, path: string): HttpProbeUrl {
  const authority = joinHostPort(hostname, port);
  const reference = parsePathReference(path);
  // Go prints an empty path as nothing ("http://10.0.0.5:8080"), the request still asks for "/".
  const pathText = path === "" ? "" : `${reference.pathname}${reference.search}${reference.hash}`;
  const text = `${scheme}://${authority}${pathText}`;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new Error(`parse ${goQuote(text)}: invalid URL`);
  }
  return {
    scheme,
    hostname,
    port,
    authority,
    requestPath: `${reference.pathname}${reference.search}`,
    text,
    parsed,
  };
}

const PATH_BASE = "http://path.invalid/";

/** `path` as a URL reference; one that does not parse is taken as a literal path and escaped, as Go does. */
function parsePathReference(path: string): URL {
  try {
    return new URL(path, PATH_BASE);
  } catch {
    const segments = path.split("/").map((segment) => encodeURIComponent(segment));
    return new URL(`${path.startsWith("/") ? "" : "/"}${segments.join("/")}`, PATH_BASE);
  }
}

/**
 * The target of a redirect: `location` resolved against the URL that answered with it. Throws on a
 * `Location` that does not parse. A redirect that stays on the same scheme, host and port keeps the
 * authority text of the previous request (so `Host: 10.0.0.5:80` stays as it was).
 */
export function resolveRedirectUrl(previous: HttpProbeUrl, location: string): HttpProbeUrl {
  const parsed = new URL(location, previous.parsed);
  const scheme = parsed.protocol.slice(0, -1);
  const hostname = bareHostname(parsed);
  const port = parsed.port !== "" ? Number(parsed.port) : defaultPort(scheme);
  const sameAuthority =
    scheme === previous.scheme && hostname === bareHostname(previous.parsed) && port === previous.port;
  return {
    scheme,
    hostname,
    port,
    authority: sameAuthority ? previous.authority : parsed.host,
    requestPath: `${parsed.pathname}${parsed.search}`,
    text: parsed.href,
    parsed,
  };
}

/** A URL's host name without IPv6 brackets (Go's `url.URL.Hostname()`). */
export function bareHostname(url: URL): string {
  const { hostname } = url;
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `name` is a valid HTTP header field name (an RFC 7230 token). */
export function isValidHeaderName(name: string): boolean {
  return TOKEN_CHARS.test(name);
}

/**
 * Go's `textproto.CanonicalMIMEHeaderKey`: the first letter and every letter after a hyphen upper-cased,
 * the rest lower-cased; a name that is not a valid token is returned unchanged.
 */
export function canonicalHeaderName(name: string): string {
  if (!isValidHeaderName(name)) return name;
  let upper = true;
  let out = "";
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === "-";
  }
  return out;
}

function defaultPort(scheme: string): number {
  return scheme === "https" ? 443 : 80;
}
