import { readFileSync } from "node:fs";
import * as http from "node:http";
import { createFakeClock } from "@kubelet-kit/core";
import type { V1HTTPGetAction } from "@kubernetes/client-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type HttpProbeReply, type HttpProbeTarget, serveHttpProbeTarget } from "../testing/http-server.js";
import { type HttpGetProbeInput, runHttpGetProbe } from "./http.js";

const servers: HttpProbeTarget[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(options: Parameters<typeof serveHttpProbeTarget>[0] = {}): Promise<HttpProbeTarget> {
  const server = await serveHttpProbeTarget(options);
  servers.push(server);
  return server;
}

const TIMEOUT_MS = 10_000;

function probe(
  action: V1HTTPGetAction,
  target: Pick<HttpGetProbeInput, "podIp" | "container">,
  timeoutMs: number,
  extra: Pick<HttpGetProbeInput, "clock" | "userAgent" | "signal"> = {},
) {
  return runHttpGetProbe({ action, ...target, timeoutMs, ...extra });
}

function probeServer(server: HttpProbeTarget, action: Partial<V1HTTPGetAction> = {}, timeoutMs = TIMEOUT_MS) {
  return probe(
    { port: server.port, path: "/healthz", ...action },
    { podIp: server.host, container: {} },
    timeoutMs,
  );
}

function rawHeader(server: HttpProbeTarget, index: number, name: string): string[] {
  const raw = server.requests[index]?.rawHeaders ?? [];
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i] === name) values.push(raw[i + 1] ?? "");
  return values;
}

describe("httpGet probe: status codes", () => {
  it("succeeds on 2xx with the body as output", async () => {
    const server = await serve({ reply: { type: "respond", status: 200, body: "all good" } });
    expect(await probeServer(server)).toEqual({ outcome: "success", output: "all good" });
    server.setReply({ type: "respond", status: 204, body: "" });
    expect(await probeServer(server)).toEqual({ outcome: "success", output: "" });
  });

  it("warns on a 3xx it does not follow, quoting the body", async () => {
    const server = await serve({ reply: { type: "respond", status: 300, body: "pick one" } });
    expect(await probeServer(server)).toEqual({
      outcome: "warning",
      output: "Probe terminated redirects, Response body: pick one",
    });
    server.setReply({ type: "respond", status: 399, body: "" });
    expect((await probeServer(server)).outcome).toBe("warning");
    // A redirect status without a Location is not followed either.
    server.setReply({ type: "respond", status: 302, body: "nowhere" });
    expect(await probeServer(server)).toEqual({
      outcome: "warning",
      output: "Probe terminated redirects, Response body: nowhere",
    });
  });

  it("fails on 4xx and 5xx with the status code only, never the body", async () => {
    const server = await serve({ reply: { type: "respond", status: 500, body: "secret stack trace" } });
    expect(await probeServer(server)).toEqual({
      outcome: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
    server.setReply({ type: "respond", status: 400 });
    expect(await probeServer(server)).toEqual({
      outcome: "failure",
      output: "HTTP probe failed with statuscode: 400",
    });
  });

  it("keeps at most 10 KiB of the body and still judges by the status", async () => {
    const server = await serve({ reply: { type: "respond", bodyBytes: 50_000 } });
    const attempt = await probeServer(server);
    expect(attempt.outcome).toBe("success");
    expect(attempt.output).toBe("x".repeat(10 * 1024));
    server.setReply({ type: "respond", bodyBytes: 50_000, chunked: true });
    expect((await probeServer(server)).output).toHaveLength(10 * 1024);
    server.setReply({ type: "respond", bodyBytes: 10 * 1024 });
    expect((await probeServer(server)).output).toHaveLength(10 * 1024);
  });
});

describe("httpGet probe: the request", () => {
  it("sends GET with Host, kube-probe User-Agent, Accept */*, Connection: close and no compression", async () => {
    const server = await serve();
    await probeServer(server, { path: "/healthz?deep=1" });
    const [request] = server.requests;
    expect(request?.method).toBe("GET");
    expect(request?.path).toBe("/healthz?deep=1");
    expect(rawHeader(server, 0, "Host")).toEqual([`127.0.0.1:${server.port}`]);
    expect(rawHeader(server, 0, "User-Agent")).toEqual(["kube-probe/1.36"]);
    expect(rawHeader(server, 0, "Accept")).toEqual(["*/*"]);
    expect(request?.headers.connection).toBe("close");
    expect(request?.headers["accept-encoding"]).toBeUndefined();
  });

  it("sends the probe's headers, canonically named and in UTF-8, with its Host and User-Agent", async () => {
    const server = await serve();
    await probeServer(server, {
      httpHeaders: [
        { name: "x-custom", value: "one" },
        { name: "X-Custom", value: "two" },
        { name: "host", value: "app.example.test" },
        { name: "user-agent", value: "my-agent" },
        { name: "X-Name", value: "héllo" },
        { name: "Accept", value: "" },
      ],
    });
    expect(rawHeader(server, 0, "X-Custom")).toEqual(["one", "two"]);
    expect(rawHeader(server, 0, "Host")).toEqual(["app.example.test"]);
    expect(rawHeader(server, 0, "User-Agent")).toEqual(["my-agent"]);
    expect(rawHeader(server, 0, "Accept")).toEqual([]);
    const name = rawHeader(server, 0, "X-Name")[0] ?? "";
    expect(Buffer.from(name, "latin1").toString("utf8")).toBe("héllo");
  });

  it("announces the User-Agent it was created with, and none when the probe sets it empty", async () => {
    const server = await serve();
    await probe({ port: server.port }, { podIp: "127.0.0.1", container: {} }, TIMEOUT_MS, {
      userAgent: "kube-probe/1.99",
    });
    expect(rawHeader(server, 0, "User-Agent")).toEqual(["kube-probe/1.99"]);
    await probeServer(server, { httpHeaders: [{ name: "User-Agent", value: "" }] });
    expect(server.requests[1]?.headers["user-agent"]).toBeUndefined();
  });

  it("asks for / when the path is empty", async () => {
    const server = await serve();
    await probe({ port: server.port }, { podIp: "127.0.0.1", container: {} }, TIMEOUT_MS);
    expect(server.requests[0]?.path).toBe("/");
  });

  it("resolves a named port from the container", async () => {
    const server = await serve();
    const attempt = await probe(
      { port: "web", path: "/" },
      { podIp: "127.0.0.1", container: { ports: [{ name: "web", containerPort: server.port }] } },
      TIMEOUT_MS,
    );
    expect(attempt.outcome).toBe("success");
  });

  it("rejects, as upstream errors, when the port cannot be resolved", async () => {
    await expect(probe({ port: "web" }, { podIp: "127.0.0.1", container: {} }, TIMEOUT_MS)).rejects.toThrow(
      'strconv.Atoi: parsing "web": invalid syntax',
    );
  });

  it("probes IPv6 pod IPs", async () => {
    const server = await serve({ host: "::1" });
    expect((await probeServer(server)).outcome).toBe("success");
    expect(server.requests[0]?.headers.host).toBe(`[::1]:${server.port}`);
  });

  it("speaks HTTPS without verifying the certificate", async () => {
    const server = await serve({ tls: true, reply: { type: "respond", body: "tls ok" } });
    expect(await probeServer(server, { scheme: "HTTPS" })).toEqual({ outcome: "success", output: "tls ok" });
  });

  it("ignores proxies set in the environment", async () => {
    const proxy = await serve({ reply: { type: "respond", status: 502 } });
    vi.stubEnv("HTTP_PROXY", proxy.url);
    vi.stubEnv("http_proxy", proxy.url);
    const server = await serve();
    expect((await probeServer(server)).outcome).toBe("success");
    expect(proxy.requests).toHaveLength(0);
  });

  it("fails without sending when a header name is invalid or the scheme unsupported", async () => {
    const server = await serve();
    expect(await probeServer(server, { httpHeaders: [{ name: "bad name", value: "x" }] })).toEqual({
      outcome: "failure",
      output: `Get "http://127.0.0.1:${server.port}/healthz": net/http: invalid header field name "bad name"`,
    });
    expect(await probeServer(server, { httpHeaders: [{ name: "X-Bad", value: "a\nb" }] })).toEqual({
      outcome: "failure",
      output: `Get "http://127.0.0.1:${server.port}/healthz": net/http: invalid header field value for "X-Bad"`,
    });
    expect(await probeServer(server, { scheme: "FTP" })).toEqual({
      outcome: "failure",
      output: `Get "ftp://127.0.0.1:${server.port}/healthz": unsupported protocol scheme "ftp"`,
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe("httpGet probe: redirects", () => {
  function routes(table: Record<string, HttpProbeReply>): (request: { path: string }) => HttpProbeReply {
    return (request) => table[request.path] ?? { type: "respond", status: 404 };
  }

  it("follows a redirect on the same host, with a Referer, and judges the final response", async () => {
    const server = await serve({
      reply: routes({
        "/healthz": { type: "redirect", location: "/real" },
        "/real": { type: "respond", body: "final" },
      }),
    });
    expect(await probeServer(server)).toEqual({ outcome: "success", output: "final" });
    expect(server.requests.map((r) => r.path)).toEqual(["/healthz", "/real"]);
    expect(server.requests[1]?.headers.referer).toBe(`http://127.0.0.1:${server.port}/healthz`);
    expect(server.requests[1]?.headers["user-agent"]).toBe("kube-probe/1.36");
  });

  it("follows a redirect to another port of the same host name", async () => {
    const target = await serve({ reply: { type: "respond", status: 503 } });
    const server = await serve({
      reply: { type: "redirect", location: `http://127.0.0.1:${target.port}/x` },
    });
    expect(await probeServer(server)).toEqual({
      outcome: "failure",
      output: "HTTP probe failed with statuscode: 503",
    });
    expect(target.requests.map((r) => r.path)).toEqual(["/x"]);
  });

  it("does not follow a redirect to another host: a warning with the redirect's body", async () => {
    const server = await serve({
      reply: routes({ "/healthz": { type: "redirect", location: "/elsewhere", status: 301, body: "moved" } }),
    });
    server.setReply(
      routes({
        "/healthz": {
          type: "redirect",
          status: 301,
          location: `http://localhost:${server.port}/elsewhere`,
          body: "moved",
        },
      }),
    );
    expect(await probeServer(server)).toEqual({
      outcome: "warning",
      output: "Probe terminated redirects, Response body: moved",
    });
    expect(server.requests.map((r) => r.path)).toEqual(["/healthz"]);
  });

  it("keeps a custom Host across a relative redirect but not across an absolute one", async () => {
    const server = await serve({
      reply: routes({
        "/healthz": { type: "redirect", location: "/relative" },
        "/relative": { type: "redirect", location: "http://127.0.0.1:PORT/absolute" },
        "/absolute": { type: "respond" },
      }),
    });
    server.setReply((request) => {
      if (request.path === "/healthz") return { type: "redirect", location: "/relative" };
      if (request.path === "/relative") {
        return { type: "redirect", location: `http://127.0.0.1:${server.port}/absolute` };
      }
      return { type: "respond" };
    });
    await probeServer(server, { httpHeaders: [{ name: "Host", value: "app.example.test" }] });
    expect(server.requests.map((r) => r.headers.host)).toEqual([
      "app.example.test",
      "app.example.test",
      `127.0.0.1:${server.port}`,
    ]);
  });

  it("makes at most 10 requests: 9 redirects succeed, the 10th fails as Go words it", async () => {
    const chain =
      (length: number) =>
      (request: { path: string }): HttpProbeReply => {
        const hop = Number(request.path.split("/")[2] ?? "0");
        return hop < length
          ? { type: "redirect", location: `/r/${hop + 1}` }
          : { type: "respond", body: "end" };
      };
    const server = await serve({ reply: chain(9) });
    expect(await probeServer(server, { path: "/r/0" })).toEqual({ outcome: "success", output: "end" });
    expect(server.requests).toHaveLength(10);

    server.setReply(chain(10));
    expect(await probeServer(server, { path: "/r/0" })).toEqual({
      outcome: "failure",
      output: 'Get "/r/10": stopped after 10 redirects',
    });
    expect(server.requests).toHaveLength(20);
  });
});

describe("httpGet probe: transport errors", () => {
  it("fails with Go's words when the connection is refused", async () => {
    const closed = await serveHttpProbeTarget();
    await closed.close();
    const attempt = await probe(
      { port: closed.port, path: "/healthz" },
      { podIp: "127.0.0.1", container: {} },
      TIMEOUT_MS,
    );
    expect(attempt).toEqual({
      outcome: "failure",
      output: `Get "http://127.0.0.1:${closed.port}/healthz": dial tcp 127.0.0.1:${closed.port}: connect: connection refused`,
    });
  });

  it("fails with a connection reset when the server resets before answering", async () => {
    const server = await serve({ reply: { type: "reset" } });
    const attempt = await probeServer(server);
    const clientPort = server.requests[0]?.remotePort;
    expect(attempt).toEqual({
      outcome: "failure",
      output: `Get "http://127.0.0.1:${server.port}/healthz": read tcp 127.0.0.1:${clientPort}->127.0.0.1:${server.port}: read: connection reset by peer`,
    });
  });

  it("fails with EOF when the server closes without answering", async () => {
    const server = await serve({ reply: { type: "close" } });
    expect(await probeServer(server)).toEqual({
      outcome: "failure",
      output: `Get "http://127.0.0.1:${server.port}/healthz": EOF`,
    });
  });

  it("fails when an https probe meets a plain HTTP server", async () => {
    const server = await serve();
    expect(await probeServer(server, { scheme: "HTTPS" })).toEqual({
      outcome: "failure",
      output: `Get "https://127.0.0.1:${server.port}/healthz": http: server gave HTTP response to HTTPS client`,
    });
  });

  it("fails when no answer arrives within the timeout, and drops the connection", async () => {
    const clock = createFakeClock();
    const server = await serve({ reply: { type: "hang" } });
    let settled = false;
    const attempt = probe({ port: server.port, path: "/slow" }, { podIp: "127.0.0.1", container: {} }, 1000, {
      clock,
    }).finally(() => {
      settled = true;
    });
    await server.waitForRequests(1);
    await clock.advanceAsync(999);
    expect(settled).toBe(false);
    await clock.advanceAsync(1);
    expect(await attempt).toEqual({
      outcome: "failure",
      output: `Get "http://127.0.0.1:${server.port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    await server.waitForNoConnections();
  });

  it("counts redirects against the same timeout", async () => {
    const clock = createFakeClock();
    const server = await serve({
      reply: (request) =>
        request.path === "/healthz" ? { type: "redirect", location: "/next" } : { type: "hang" },
    });
    const attempt = probe(
      { port: server.port, path: "/healthz" },
      { podIp: "127.0.0.1", container: {} },
      1000,
      {
        clock,
      },
    );
    await server.waitForRequests(2);
    await clock.advanceAsync(1000);
    expect((await attempt).output).toBe(
      `Get "http://127.0.0.1:${server.port}/next": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    );
  });

  it("rejects, as upstream errors, when the body breaks off after the status line", async () => {
    const server = await serve({
      reply: { type: "partial", bodyBytes: 1000, sentBytes: 10, afterwards: "reset" },
    });
    await expect(probeServer(server)).rejects.toThrow("unexpected EOF");
  });

  it("rejects, as upstream errors, when the timeout passes while the body is read", async () => {
    // The real clock: the status line must arrive well within the second for this to test the body phase.
    const server = await serve({
      reply: { type: "partial", bodyBytes: 1000, sentBytes: 10, afterwards: "hang" },
    });
    await expect(probeServer(server, {}, 1000)).rejects.toThrow(
      "context deadline exceeded (Client.Timeout or context cancellation while reading body)",
    );
    await server.waitForNoConnections();
  });
});

/**
 * TIME_WAIT sockets on the client side of connections to `serverPort` from `clientPorts`, read from the
 * kernel's socket tables (Linux: state 06 is TIME_WAIT).
 */
function clientTimeWaitSockets(serverPort: number, clientPorts: ReadonlySet<number>): number {
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      if (local === undefined || remote === undefined || state !== "06") continue;
      const localPort = Number.parseInt(local.split(":").at(-1) ?? "", 16);
      const remotePort = Number.parseInt(remote.split(":").at(-1) ?? "", 16);
      if (remotePort === serverPort && clientPorts.has(localPort)) count++;
    }
  }
  return count;
}

describe("httpGet probe: connection teardown", () => {
  // The server keeps each connection open after answering, so the client is the side that closes it:
  // with a FIN close the client socket would sit in TIME_WAIT for a minute.
  const reply: HttpProbeReply = { type: "respond", body: "ok", holdConnection: true };
  const PROBES = 50;

  it("resets every connection: 50 probes leave no TIME_WAIT socket behind", async () => {
    const server = await serve({ reply });
    for (let i = 0; i < PROBES; i++) expect((await probeServer(server)).outcome).toBe("success");
    await server.waitForNoConnections();
    const clientPorts = new Set(server.requests.map((r) => r.remotePort));
    expect(clientPorts.size).toBe(PROBES);
    expect(clientTimeWaitSockets(server.port, clientPorts)).toBe(0);
  });

  it("(control) a plain FIN close of the same 50 requests leaves them all in TIME_WAIT", async () => {
    const server = await serve({ reply });
    for (let i = 0; i < PROBES; i++) {
      await new Promise<void>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port: server.port, path: "/healthz", agent: false }, (response) => {
            response.resume();
            response.on("end", resolve);
          })
          .on("error", reject);
      });
    }
    await server.waitForNoConnections();
    const clientPorts = new Set(server.requests.map((r) => r.remotePort));
    await vi.waitFor(() => expect(clientTimeWaitSockets(server.port, clientPorts)).toBe(PROBES));
  });
});

describe("httpGet probe: deadline and cancellation", () => {
  it("leaves no timer behind once an attempt is over", async () => {
    const clock = createFakeClock();
    const server = await serve();
    await probe({ port: server.port }, { podIp: "127.0.0.1", container: {} }, 1000, { clock });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("gives up with Canceled when its signal aborts, and drops the connection", async () => {
    const server = await serve({ reply: { type: "hang" } });
    const controller = new AbortController();
    const attempt = probe({ port: server.port }, { podIp: "127.0.0.1", container: {} }, TIMEOUT_MS, {
      signal: controller.signal,
    });
    await server.waitForRequests(1);
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ code: "Canceled" });
    await server.waitForNoConnections();
    const aborted = probe({ port: server.port }, { podIp: "127.0.0.1", container: {} }, TIMEOUT_MS, {
      signal: AbortSignal.abort(),
    });
    await expect(aborted).rejects.toMatchObject({ code: "Canceled" });
    expect(server.requests).toHaveLength(1);
  });
});
