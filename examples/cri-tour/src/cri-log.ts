import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** One line of a CRI container log: `<RFC3339Nano> <stdout|stderr> <P|F> <content>`. */
export interface CriLogLine {
  readonly timestamp: string;
  readonly stream: string;
  /** `F` for a full line, `P` for a partial one (the runtime split a long line). */
  readonly tag: string;
  readonly content: string;
}

const CRI_LOG_LINE = /^(\S+) (stdout|stderr) ([PF]) (.*)$/;

/** Parses a CRI log file's text; lines that are not in CRI format are skipped. */
export function parseCriLog(text: string): CriLogLine[] {
  const lines: CriLogLine[] = [];
  for (const raw of text.split("\n")) {
    const match = CRI_LOG_LINE.exec(raw);
    if (match === null) continue;
    const [, timestamp = "", stream = "", tag = "", content = ""] = match;
    lines.push({ timestamp, stream, tag, content });
  }
  return lines;
}

/** Options of {@link waitForLogLine}. */
export interface WaitForLogLineOptions {
  /** Give up after this long. Default 5 000 ms. */
  timeoutMs?: number;
  /** Delay between reads. Default 50 ms. */
  pollMs?: number;
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Reads `path` until a line whose content includes `needle` appears (the container writes it shortly after
 * it starts), then returns every parsed line. Returns what it has, possibly nothing, after `timeoutMs`.
 */
export async function waitForLogLine(
  path: string,
  needle: string,
  options: WaitForLogLineOptions = {},
): Promise<CriLogLine[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pollMs = options.pollMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let lines: CriLogLine[] = [];
  while (true) {
    lines = parseCriLog(await readIfExists(path));
    if (lines.some((line) => line.content.includes(needle)) || performance.now() >= deadline) return lines;
    await sleep(pollMs, undefined, { signal: options.signal });
  }
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
}
