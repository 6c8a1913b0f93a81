import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { resetSocket } from "./socket-reset.js";
import { eventually } from "./sockets.test-helpers.js";

/** A loopback server that records how each accepted connection ended: reset (RST) or closed (FIN). */
async function recordingServer(): Promise<{ server: net.Server; port: number; endings: string[] }> {
  const endings: string[] = [];
  const server = net.createServer((socket) => {
    let ending = "fin";
    socket.on("error", (error: NodeJS.ErrnoException) => {
      ending = error.code === "ECONNRESET" ? "rst" : String(error.code);
    });
    socket.on("close", () => endings.push(ending));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as net.AddressInfo).port, endings };
}

describe("resetSocket", () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it("resets a connected socket: the peer sees ECONNRESET, not a FIN", async () => {
    const { server, port, endings } = await recordingServer();
    servers.push(server);
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise((resolve) => socket.once("connect", resolve));
    resetSocket(socket);
    await eventually(() => endings.length === 1, "the server to see the connection end");
    expect(endings).toEqual(["rst"]);
    expect(socket.destroyed).toBe(true);
  });

  it("resets a socket Node still sees as connecting once it connects, instead of closing it with a FIN", async () => {
    const { server, port, endings } = await recordingServer();
    servers.push(server);
    const sockets = Array.from({ length: 5 }, () => net.connect({ host: "127.0.0.1", port }));
    for (const socket of sockets) {
      expect(socket.connecting).toBe(true);
      resetSocket(socket);
    }
    await eventually(() => endings.length === sockets.length, "the server to see every connection end");
    expect(endings).toEqual(sockets.map(() => "rst"));
    await eventually(() => sockets.every((s) => s.destroyed), "every socket to be destroyed");
  });

  it("closes a connecting socket whose connect is refused, without an unhandled error", async () => {
    const { server, port } = await recordingServer();
    await new Promise((resolve) => server.close(resolve));
    const socket = net.connect({ host: "127.0.0.1", port });
    resetSocket(socket);
    await eventually(() => socket.destroyed, "the refused socket to be destroyed");
    expect(socket.destroyed).toBe(true);
  });
});
