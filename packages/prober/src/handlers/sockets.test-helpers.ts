import { readFileSync } from "node:fs";

/** Sockets in TIME_WAIT (state 06) with `port` at either end, read from the kernel's TCP tables. */
export function timeWaitCount(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      if (state === "06" && (local?.endsWith(hexPort) || remote?.endsWith(hexPort))) count++;
    }
  }
  return count;
}

/** Polls `check` every 10 ms until it holds; throws after 2 s. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
