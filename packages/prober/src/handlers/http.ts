import { type Clock, createRealClock, goQuote, KubeletKitError } from "@kubelet-kit/core";
import type { V1Container, V1HTTPGetAction } from "@kubernetes/client-node";
import { kubeProbeUserAgent } from "../constants.js";
import { type AttemptStop, exchangeOnce, startAttemptStop } from "./http-exchange.js";
import {
  bareHostname,
  buildHttpProbeRequest,
  type HttpProbeUrl,
  isValidHeaderName,
  resolveRedirectUrl,
} from "./http-request.js";
import type { ProbeAttempt } from "./types.js";

/** What one httpGet probe attempt needs (the `httpGet` case of the kubelet's `runProbe`). */
export interface HttpGetProbeInput {
  /** The probe's `httpGet` action: `scheme`, `host`, `port` (number, numeric string or port name), `path`, `httpHeaders`. */
  readonly action: V1HTTPGetAction;
  /** The container, for named ports. */
  readonly container: Pick<V1Container, "ports">;
  /** The pod's IP, requested when the action names no host. */
  readonly podIp: string;
  /** The probe's `timeoutSeconds` in ms: bounds the whole attempt (connect, redirects, body). 0 = no limit. */
  readonly timeoutMs: number;
  /** `User-Agent` unless the action's headers set one. Default: `kube-probe/<major>.<minor>` ({@link kubeProbeUserAgent}). */
  readonly userAgent?: string;
  /** Gives up at once when it aborts (the worker stopped): the attempt then throws `Canceled`. */
  readonly signal?: AbortSignal;
  /** Clock of the `timeoutMs` deadline. Default: a real clock. A fake one lets a test decide when it passes. */
  readonly clock?: Clock;
}

/** Most requests one attempt makes while following same-host redirects (Go's http.Client limit). */
const MAX_REDIRECT_REQUESTS = 10;
/** The redirect statuses Go's client follows; others (300, 304, …) come back as they are. */
const FOLLOWED_REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Headers Go's request writer never takes from the header map (Host and User-Agent are written apart). */
const HEADERS_NOT_SENT: ReadonlySet<string> = new Set([
  "Host",
  "User-Agent",
  "Content-Length",
  "Transfer-Encoding",
  "Trailer",
]);

/**
 * Runs an httpGet probe once, as the kubelet does (`pkg/probe/http`): a GET to
 * `<scheme>://<host or pod IP>:<port><path>` with the action's headers (plus `User-Agent: kube-probe/…`
 * and `Accept: *\/*` unless set), TLS not verified, no proxy, no keep-alive, no compression. Redirects are
 * followed while they stay on the original host name, at most 10 requests in all. The first 10 KiB of the
 * body are read. 200–299 is a `success` (output: the body); 300–399 that was not followed is a `warning`
 * (`Probe terminated redirects, Response body: …`); any other status is a `failure`
 * (`HTTP probe failed with statuscode: 503`), and so is a transport error, in Go's words
 * (`Get "http://10.0.0.5:8080/healthz": dial tcp 10.0.0.5:8080: connect: connection refused`).
 *
 * Throws where upstream returns an error, for the prober to retry: the request cannot be built (unknown
 * port name, port out of range, unparsable URL), or the body breaks off or times out after the status
 * line arrived; and `Canceled` when `signal` aborts. Every connection is reset (RST) once its response is
 * read, so probes leave no TIME_WAIT sockets behind (the kubelet's dialer sets SO_LINGER for the same end).
 */
export async function runHttpGetProbe(input: HttpGetProbeInput): Promise<ProbeAttempt> {
  const request = buildHttpProbeRequest({
    action: input.action,
    podIp: input.podIp,
    container: input.container,
    userAgent: input.userAgent ?? kubeProbeUserAgent(),
  });
  if (input.signal?.aborted) throw KubeletKitError.from(input.signal.reason, "Canceled");
  const stop = startAttemptStop(input.clock ?? createRealClock(), input.timeoutMs, input.signal);
  try {
    return await followRedirects(request.url, request.headers, request.hostOverride, stop);
  } finally {
    stop.dispose();
  }
}

async function followRedirects(
  original: HttpProbeUrl,
  headers: ReadonlyMap<string, readonly string[]>,
  hostOverride: string,
  stop: AttemptStop,
): Promise<ProbeAttempt> {
  let url = original;
  // Go's Request.Host: "" sends the URL's authority.
  let host = hostOverride;
  let referer: string | undefined;
  for (let requests = 1; ; requests++) {
    const refused = refuseRequest(url, headers, host || url.authority);
    if (refused !== undefined) return failure(url.text, refused);
    const exchange = await exchangeOnce(url, headerLines(headers, host || url.authority, referer), stop);
    if (exchange.type === "aborted") throw exchange.error;
    if (exchange.type === "failed") return failure(url.text, exchange.message);

    const location = exchange.location;
    if (FOLLOWED_REDIRECT_STATUSES.has(exchange.status) && location !== undefined && location !== "") {
      let next: HttpProbeUrl;
      try {
        next = resolveRedirectUrl(url, location);
      } catch {
        exchange.discard();
        return failure(url.text, `failed to parse Location header ${goQuote(location)}: invalid URL`);
      }
      // Only redirects that keep the original host name are followed; another host ends the probe here.
      if (bareHostname(next.parsed) === bareHostname(original.parsed)) {
        exchange.discard();
        // Go's error names the Location as written.
        if (requests >= MAX_REDIRECT_REQUESTS) return failure(location, "stopped after 10 redirects");
        // A custom Host survives only a relative Location, as in Go's client.
        host = host !== "" && host !== url.authority && !hasScheme(location) ? host : "";
        referer = url.scheme === "https" && next.scheme === "http" ? undefined : url.text;
        url = next;
        continue;
      }
    }
    return classifyResponse(exchange.status, await exchange.body);
  }
}

function classifyResponse(status: number, body: Buffer): ProbeAttempt {
  const text = body.toString("utf8");
  if (status >= 200 && status < 400) {
    if (status >= 300)
      return { outcome: "warning", output: `Probe terminated redirects, Response body: ${text}` };
    return { outcome: "success", output: text };
  }
  // Upstream keeps the body out of this message on purpose: it ends up in events.
  return { outcome: "failure", output: `HTTP probe failed with statuscode: ${status}` };
}

function failure(urlText: string, cause: string): ProbeAttempt {
  // Go's url.Error: `Get "<url>": <cause>`.
  return { outcome: "failure", output: `Get ${goQuote(urlText)}: ${cause}` };
}

/** What Go's client refuses to send before dialing, in its words; `undefined` when the request is fine. */
function refuseRequest(
  url: HttpProbeUrl,
  headers: ReadonlyMap<string, readonly string[]>,
  host: string,
): string | undefined {
  if (url.scheme !== "http" && url.scheme !== "https")
    return `unsupported protocol scheme ${goQuote(url.scheme)}`;
  for (const [name, values] of headers) {
    if (!isValidHeaderName(name)) return `net/http: invalid header field name ${goQuote(name)}`;
    if (!values.every(isValidHeaderValue)) return `net/http: invalid header field value for ${goQuote(name)}`;
  }
  if (!isValidHeaderValue(host) || host.includes(" ")) return "http: invalid Host header";
  return undefined;
}

function isValidHeaderValue(value: string): boolean {
  // No control characters other than horizontal tab (Go's httpguts.ValidHeaderFieldValue).
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}

/** The header lines as Go writes them: Host, the first User-Agent unless empty, the rest, a Referer. */
function headerLines(
  headers: ReadonlyMap<string, readonly string[]>,
  host: string,
  referer: string | undefined,
): Record<string, string | string[]> {
  const lines: Record<string, string | string[]> = { Host: latin1(host) };
  const userAgent = headers.get("User-Agent")?.[0] ?? "";
  if (userAgent !== "") lines["User-Agent"] = latin1(userAgent);
  for (const [name, values] of headers) {
    if (!HEADERS_NOT_SENT.has(name)) lines[name] = values.map(latin1);
  }
  if (referer !== undefined && !headers.has("Referer")) lines.Referer = latin1(referer);
  return lines;
}

/** Node writes header strings as latin1; this makes it send the UTF-8 bytes Go would send. */
function latin1(value: string): string {
  return Buffer.from(value, "utf8").toString("latin1");
}

function hasScheme(reference: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(reference);
}
