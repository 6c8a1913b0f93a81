import { readdir } from "node:fs/promises";

const LOG_FILE = /^(\d+)\.log(\..*)?/;

/**
 * The restart count a container gets when the runtime has no record of it (`calcRestartCountByLogDir`): one
 * more than the highest `<n>.log` (or rotated `<n>.log.<suffix>`) in its log directory, 0 when the directory
 * is missing or empty. Keeps `<n>.log` from being reused after the runtime lost its state (node reboot).
 */
export async function restartCountFromLogDir(logDir: string): Promise<number> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(logDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  let count = 0;
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const match = LOG_FILE.exec(entry.name);
    if (match === null) continue;
    const n = Number(match[1]);
    if (!Number.isSafeInteger(n)) continue;
    count = Math.max(count, n + 1);
  }
  return count;
}
