import * as http from "node:http";
import { createFakeClock } from "@kubelet-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  type HttpProbeTarget,
  type ServeHttpProbeTargetOptions,
  serveHttpProbeTarget,
} from "./http-server.js";

const servers: HttpProbeTarget[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(options: ServeHttpProbeTargetOptions = {}): Promise<HttpProbeTarget> {
  const server = await serveHttpProbeTarget(options);
  servers.push(server);
  return server;
}

interface Fetched {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

function get(server: HttpProbeTarget, path: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}${path}`, { agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: response.headers,
          }),
        );
      })
      .on("error", reject);
  });
}

describe("serveHttpProbeTarget", () => {
  it("answers 200 ok by default on a loopback ephemeral port and records requests", async () => {
    const server = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await get(server, "/a?b=1")).toMatchObject({ status: 200, body: "ok" });
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([["GET", "/a?b=1"]]);
    expect(server.requests[0]?.remotePort).toBeGreaterThan(0);
  });

  it("chooses replies per request and redirects", async () => {
    const server = await serve({
      reply: (request) =>
        request.path === "/old"
          ? { type: "redirect", location: "/new", status: 301 }
          : { type: "respond", status: 503, body: "down", headers: { "X-Test": "1" } },
    });
    const moved = await get(server, "/old");
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe("/new");
    expect(await get(server, "/new")).toMatchObject({
      status: 503,
      body: "down",
      headers: { "x-test": "1" },
    });
  });

  it("delays answers on its clock", async () => {
    const clock = createFakeClock();
    const server = await serve({ clock, reply: { type: "respond", delayMs: 5000 } });
    let answered = false;
    const response = get(server, "/").then((r) => {
      answered = true;
      return r;
    });
    await server.waitForRequests(1);
    await clock.advanceAsync(4999);
    expect(answered).toBe(false);
    await clock.advanceAsync(1);
    expect((await response).status).toBe(200);
  });

  it("resets, closes or hangs instead of answering, and tracks open connections", async () => {
    const server = await serve({ reply: { type: "reset" } });
    await expect(get(server, "/")).rejects.toMatchObject({ code: "ECONNRESET" });
    server.setReply({ type: "close" });
    await expect(get(server, "/")).rejects.toThrow("socket hang up");

    server.setReply({ type: "hang" });
    const request = http.get(`${server.url}/`, { agent: false });
    request.on("error", () => {});
    await server.waitForRequests(3);
    expect(server.openConnections()).toBe(1);
    request.destroy();
    await server.waitForNoConnections();
    expect(server.openConnections()).toBe(0);
  });

  it("serves HTTPS and IPv6", async () => {
    const secure = await serve({ tls: true });
    expect(secure.url).toBe(`https://127.0.0.1:${secure.port}`);
    const v6 = await serve({ host: "::1" });
    expect(v6.url).toBe(`http://[::1]:${v6.port}`);
    expect(await get(v6, "/")).toMatchObject({ status: 200 });
  });
});
