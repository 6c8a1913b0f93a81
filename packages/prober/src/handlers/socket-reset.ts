import type { Socket } from "node:net";

/** How long a socket Node still sees as connecting may take to connect before it is closed plainly, in ms. */
const CONNECTING_GRACE_MS = 1_000;

/**
 * Ends a probe's TCP connection with a reset (RST), so this side keeps no TIME_WAIT socket.
 *
 * A socket Node still calls `connecting` may already be connected in the kernel, its `connect` event not yet
 * handled (a loaded event loop, a probe timing out at that moment). Closing it then would send a FIN and
 * leave a TIME_WAIT socket behind, so it is reset as soon as the connect lands. One that never connects is
 * closed after a second: nothing was established, so nothing lingers. Errors it reports afterwards (a
 * refused connect) are dropped; the probe has its answer already.
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (!socket.connecting) {
    socket.resetAndDestroy();
    return;
  }
  socket.on("error", () => {});
  // Node defers the reset of a connecting socket until it connects.
  socket.resetAndDestroy();
  // Node's own timer, not the injected clock: it bounds real socket I/O.
  const fallback = setTimeout(() => {
    if (!socket.destroyed) socket.destroy();
  }, CONNECTING_GRACE_MS);
  fallback.unref();
  socket.once("close", () => clearTimeout(fallback));
}
