import { appendFileSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

/** containerd's default `max_container_log_line_size`: longer lines are split into `P` partial lines. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

export type LogStream = "stdout" | "stderr";

/**
 * Go's `time.RFC3339Nano` in UTC, as containerd stamps CRI log lines: fraction digits without trailing
 * zeros, and no fraction at all when it is zero (`2023-11-14T22:13:20Z`, `…20.5Z`, `…20.000000001Z`).
 */
export function formatRfc3339Nano(epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const seconds = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  const fractionNs = epochNs % 1_000_000_000n;
  if (fractionNs === 0n) return `${seconds}Z`;
  const digits = fractionNs.toString().padStart(9, "0").replace(/0+$/, "");
  return `${seconds}.${digits}Z`;
}

/**
 * The bytes the runtime appends for one line of output: `<time> <stream> <tag> <content>\n`, tag `F` for a
 * full line and `P` for the leading pieces of a line longer than {@link MAX_LOG_LINE_BYTES}.
 */
export function formatCriLogLine(timestamp: string, stream: LogStream, content: string): Buffer {
  const bytes = Buffer.from(content, "utf8");
  const pieces: Buffer[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + MAX_LOG_LINE_BYTES, bytes.length);
    const tag = end < bytes.length ? "P" : "F";
    pieces.push(
      Buffer.from(`${timestamp} ${stream} ${tag} `, "utf8"),
      bytes.subarray(offset, end),
      Buffer.from("\n"),
    );
    offset = end;
  } while (offset < bytes.length);
  return Buffer.concat(pieces);
}

/**
 * Appends CRI-format lines to a container's log file, creating its directory as containerd does. Synchronous
 * on purpose: a test that advanced the clock can read the file right after, with no flush to wait for.
 */
export function appendCriLog(path: string, stream: LogStream, text: string, epochNs: bigint): void {
  const timestamp = formatRfc3339Nano(epochNs);
  const lines = text.split("\n");
  // "a\n" is one line, not a line and an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  ensureLogFile(path);
  appendFileSync(path, Buffer.concat(lines.map((line) => formatCriLogLine(timestamp, stream, line))));
}

/** Creates the log file (and its directory) if missing, as containerd opens it when the container starts. */
export function ensureLogFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  closeSync(openSync(path, "a", 0o640));
}
