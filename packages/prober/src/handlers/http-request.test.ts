import type { V1HTTPGetAction } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildHttpProbeRequest, canonicalHeaderName, resolveRedirectUrl } from "./http-request.js";

const container = { ports: [{ name: "http", containerPort: 8080 }] };

function build(action: Partial<V1HTTPGetAction>, podIp = "10.0.0.5") {
  return buildHttpProbeRequest({
    action: { port: 8080, ...action },
    podIp,
    container,
    userAgent: "kube-probe/1.36",
  });
}

describe("buildHttpProbeRequest: the URL", () => {
  it("lower-cases the scheme, defaults it to http, and targets the pod IP unless the probe names a host", () => {
    expect(build({ path: "/healthz" }).url.text).toBe("http://10.0.0.5:8080/healthz");
    expect(build({ scheme: "HTTPS", path: "/healthz" }).url.text).toBe("https://10.0.0.5:8080/healthz");
    expect(build({ host: "example.test", path: "/x" }).url.text).toBe("http://example.test:8080/x");
    expect(build({ host: "example.test" }).url.hostname).toBe("example.test");
  });

  it("brackets IPv6 hosts in the authority but connects to the bare address", () => {
    const { url } = build({ path: "/ready" }, "fd00::5");
    expect(url.text).toBe("http://[fd00::5]:8080/ready");
    expect(url.authority).toBe("[fd00::5]:8080");
    expect(url.hostname).toBe("fd00::5");
  });

  it("resolves named ports and passes port errors on as upstream words them", () => {
    expect(build({ port: "http" }).url.port).toBe(8080);
    expect(() => build({ port: "metrics" })).toThrow('strconv.Atoi: parsing "metrics": invalid syntax');
    expect(() => build({ port: 0 })).toThrow("invalid port number: 0");
  });

  it("keeps the query, prints an empty path as nothing, and still requests /", () => {
    expect(build({ path: "/healthz?verbose=1" }).url.requestPath).toBe("/healthz?verbose=1");
    const empty = build({});
    expect(empty.url.text).toBe("http://10.0.0.5:8080");
    expect(empty.url.requestPath).toBe("/");
    expect(build({ path: "healthz" }).url.requestPath).toBe("/healthz");
  });

  it("takes only the path of a path that is a whole URL, so it cannot change the host", () => {
    const { url } = build({ path: "http://elsewhere.test:9999/other?q=1" });
    expect(url.text).toBe("http://10.0.0.5:8080/other?q=1");
    expect(url.hostname).toBe("10.0.0.5");
  });

  it("takes a path that is not a valid URL reference literally, escaped", () => {
    const { url } = build({ path: "http://[oops/x?y" });
    expect(url.hostname).toBe("10.0.0.5");
    expect(url.requestPath).toBe("/http%3A//%5Boops/x%3Fy");
  });

  it("refuses a host the URL parser cannot read", () => {
    expect(() => build({ host: "bad host" })).toThrow('parse "http://bad host:8080": invalid URL');
  });
});

describe("buildHttpProbeRequest: the headers", () => {
  it("adds User-Agent and Accept: */* when the probe sets neither", () => {
    const { headers, hostOverride } = build({});
    expect([...headers]).toEqual([
      ["User-Agent", ["kube-probe/1.36"]],
      ["Accept", ["*/*"]],
    ]);
    expect(hostOverride).toBe("");
  });

  it("keeps the probe's own User-Agent and Accept, whatever their case", () => {
    const { headers } = build({
      httpHeaders: [
        { name: "user-agent", value: "custom/1" },
        { name: "ACCEPT", value: "application/json" },
      ],
    });
    expect(headers.get("User-Agent")).toEqual(["custom/1"]);
    expect(headers.get("Accept")).toEqual(["application/json"]);
  });

  it("drops Accept when the probe sets it empty", () => {
    const { headers } = build({ httpHeaders: [{ name: "Accept", value: "" }] });
    expect(headers.has("Accept")).toBe(false);
  });

  it("keeps repeated headers in order and takes the request Host from a Host header", () => {
    const { headers, hostOverride } = build({
      httpHeaders: [
        { name: "x-custom", value: "a" },
        { name: "Host", value: "app.example.test" },
        { name: "X-Custom", value: "b" },
      ],
    });
    expect(headers.get("X-Custom")).toEqual(["a", "b"]);
    expect(hostOverride).toBe("app.example.test");
  });

  it("canonicalises names like Go, leaving names that are not tokens alone", () => {
    expect(canonicalHeaderName("x-forwarded-FOR")).toBe("X-Forwarded-For");
    expect(canonicalHeaderName("bad name")).toBe("bad name");
  });
});

describe("resolveRedirectUrl", () => {
  const first = build({ path: "/start" }).url;

  it("resolves a relative Location against the current URL and keeps its authority text", () => {
    const next = resolveRedirectUrl(first, "/next?x=1");
    expect(next.text).toBe("http://10.0.0.5:8080/next?x=1");
    expect(next.authority).toBe("10.0.0.5:8080");
    expect(next.requestPath).toBe("/next?x=1");
  });

  it("reads absolute Locations, including a change of scheme and default ports", () => {
    const next = resolveRedirectUrl(first, "https://10.0.0.5/secure");
    expect(next.scheme).toBe("https");
    expect(next.port).toBe(443);
    expect(next.hostname).toBe("10.0.0.5");
    expect(resolveRedirectUrl(first, "http://[fd00::1]:81/").hostname).toBe("fd00::1");
  });

  it("throws on a Location that is not a URL", () => {
    expect(() => resolveRedirectUrl(first, "http://[::1")).toThrow();
  });
});
