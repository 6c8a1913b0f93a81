import { open } from "node:fs/promises";
import type { Clock, ContainerLogEntry } from "@kubelet-kit/core";

// The CRI log file format (`<RFC3339Nano time> <stdout|stderr> <P|F[:tags]> <content>`) and the kubelet's
// reading of it (`pkg/kubelet/kuberuntime/logs/logs.go`).

/** Parses one line of a CRI log file (with or without its trailing newline); `undefined` if malformed. */
export function parseCriLogLine(line: Uint8Array): ContainerLogEntry | undefined {
  const buf = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  const first = buf.indexOf(0x20);
  if (first < 0) return undefined;
  const timestamp = buf.subarray(0, first).toString("latin1");
  if (parseRfc3339NanoMs(timestamp) === undefined) return undefined;
  const second = buf.indexOf(0x20, first + 1);
  if (second < 0) return undefined;
  const stream = buf.subarray(first + 1, second).toString("latin1");
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const third = buf.indexOf(0x20, second + 1);
  if (third < 0) return undefined;
  const tag = buf
    .subarray(second + 1, third)
    .toString("latin1")
    .split(":")[0];
  const partial = tag === "P";
  let content = buf.subarray(third + 1);
  if (partial && content.length > 0 && content[content.length - 1] === 0x0a)
    content = content.subarray(0, -1);
  return { stream, timestamp, partial, content: new Uint8Array(content) };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 with optional nanoseconds → ms since the epoch (fraction truncated); `undefined` if invalid. */
export function parseRfc3339NanoMs(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  ms += Math.floor(Number(`0.${frac || "0"}`) * 1000);
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : ms;
}

/** Splits a buffer into lines, each keeping its `\n`; the last piece may lack one. */
function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, start)) {
    lines.push(data.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < data.length) lines.push(data.subarray(start));
  return lines;
}

/** Options of {@link readCriLog}. */
export interface ReadCriLogOptions {
  readonly tailLines?: number;
  readonly limitBytes?: number;
  readonly sinceTimeMs?: number;
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** For `follow`: how often to look for new lines. */
  readonly pollIntervalMs: number;
  /** For `follow`: stop once the container has stopped and the file is drained. */
  readonly isRunning: () => Promise<boolean>;
  readonly clock: Clock;
}

/**
 * Reads a CRI log file as the kubelet's `ReadLogs` does: `tailLines` counts raw lines from the end,
 * `sinceTimeMs` skips older entries, `limitBytes` caps the content bytes (the last entry is cut), malformed
 * lines are skipped, and `follow` keeps polling for new lines until the container stops or `signal` aborts.
 */
export async function* readCriLog(
  path: string,
  options: ReadCriLogOptions,
): AsyncGenerator<ContainerLogEntry> {
  const handle = await open(path, "r");
  try {
    let offset = 0;
    let remaining = options.limitBytes ?? Number.POSITIVE_INFINITY;
    let pending: Buffer = Buffer.alloc(0);
    let first = true;
    for (;;) {
      const { size } = await handle.stat();
      if (size < offset) offset = 0; // rotated or truncated: start over
      const chunk = Buffer.alloc(size - offset);
      if (chunk.length > 0) await handle.read(chunk, 0, chunk.length, offset);
      offset = size;
      let lines = splitLines(Buffer.concat([pending, chunk]));
      pending = Buffer.alloc(0);
      const last = lines[lines.length - 1];
      if (last !== undefined && last[last.length - 1] !== 0x0a && options.follow === true) {
        pending = last; // wait for the rest of the line
        lines = lines.slice(0, -1);
      }
      if (first && options.tailLines !== undefined)
        lines = options.tailLines <= 0 ? [] : lines.slice(-options.tailLines);
      first = false;
      for (const line of lines) {
        const entry = parseCriLogLine(line);
        if (entry === undefined) continue;
        if (
          options.sinceTimeMs !== undefined &&
          (parseRfc3339NanoMs(entry.timestamp) ?? 0) < options.sinceTimeMs
        )
          continue;
        if (entry.content.length >= remaining) {
          yield { ...entry, content: entry.content.subarray(0, remaining) };
          return;
        }
        remaining -= entry.content.length;
        yield entry;
      }
      if (options.follow !== true || isAborted(options.signal)) return;
      if (!(await options.isRunning())) {
        const { size: after } = await handle.stat();
        if (after === offset) return;
        continue;
      }
      await options.clock.sleep(options.pollIntervalMs, options.signal).catch(() => undefined);
      if (isAborted(options.signal)) return;
    }
  } finally {
    await handle.close();
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
