import { open } from "node:fs/promises";
import type { Clock } from "@kubelet-kit/core";
import type { ContainerStatus } from "@kubelet-kit/cri-api";
import { readCriLog } from "./cri-logs.js";
import { containerInfoFromAnnotations } from "./labels.js";

/** Longest termination message read from the termination-log file: 4096 bytes (the end of the file). */
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
/** Longest termination message taken from the log tail: 2048 bytes. */
export const MAX_TERMINATION_MESSAGE_LOG_BYTES = 2048;
/** Log lines considered for the fallback message: the last 80. */
export const MAX_TERMINATION_MESSAGE_LOG_LINES = 80;

async function readTail(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    if (length > 0) await handle.read(buf, 0, length, size - length);
    return buf;
  } finally {
    await handle.close();
  }
}

/** `getTerminationMessage`: the message from the file mounted at `path`, and whether to fall back to logs. */
async function fromFile(
  status: ContainerStatus,
  path: string,
  fallbackToLogs: boolean,
): Promise<{ message: string; checkLogs: boolean }> {
  if (path === "") return { message: "", checkLogs: fallbackToLogs };
  const mount = status.mounts.find((m) => m.containerPath === path);
  if (mount === undefined) return { message: "", checkLogs: fallbackToLogs };
  try {
    const data = await readTail(mount.hostPath, MAX_TERMINATION_MESSAGE_BYTES);
    return { message: data.toString("utf8"), checkLogs: fallbackToLogs && data.length === 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { message: "", checkLogs: fallbackToLogs };
    return {
      message: `Error on reading termination log ${mount.hostPath}: ${(err as Error).message}`,
      checkLogs: false,
    };
  }
}

/** `readLastStringFromContainerLogs`: the last 80 lines of the log, keeping at most their last 2048 bytes. */
async function fromLogs(logPath: string, clock: Clock): Promise<string> {
  try {
    const pieces: Buffer[] = [];
    for await (const entry of readCriLog(logPath, {
      tailLines: MAX_TERMINATION_MESSAGE_LOG_LINES,
      pollIntervalMs: 0,
      isRunning: async () => false,
      clock,
    })) {
      pieces.push(Buffer.from(entry.content));
    }
    const all = Buffer.concat(pieces);
    return all.subarray(Math.max(0, all.length - MAX_TERMINATION_MESSAGE_LOG_BYTES)).toString("utf8");
  } catch (err) {
    return `Error on reading termination message from logs: ${(err as Error).message}`;
  }
}

/**
 * The message of an exited container as the kubelet reports it (`convertToKubeContainerStatus`): the
 * runtime's message, then `": "` and the termination message when there is one. The termination message is
 * the end of the file bind-mounted at `terminationMessagePath` (≤ 4096 bytes); with policy
 * `FallbackToLogsOnError`, a non-zero exit (not `ContainerCannotRun`) and an empty file, the tail of the
 * container log (≤ 80 lines, ≤ 2048 bytes) instead.
 */
export async function exitedContainerMessage(status: ContainerStatus, clock: Clock): Promise<string> {
  const info = containerInfoFromAnnotations(status.annotations);
  const fallbackToLogs =
    info.terminationMessagePolicy === "FallbackToLogsOnError" &&
    status.exitCode !== 0 &&
    status.reason !== "ContainerCannotRun";
  let { message, checkLogs } = await fromFile(status, info.terminationMessagePath, fallbackToLogs);
  if (checkLogs) message = status.logPath === "" ? "" : await fromLogs(status.logPath, clock);
  if (message === "") return status.message;
  return status.message === "" ? message : `${status.message}: ${message}`;
}
