import type { Writable } from "node:stream";

/** A value shown as `key=value` next to a step. */
export type FieldValue = string | number | bigint | boolean | undefined;

/** What a step reports: its key result fields, in display order. */
export type Fields = Readonly<Record<string, FieldValue>>;

/** Writes the tour's output: one line per step, indented detail lines under it. */
export interface Printer {
  /** A line of its own, e.g. the banner naming the runtime. */
  line(text: string): void;
  /** One finished step: number, name, elapsed time and its key fields. */
  step(name: string, elapsedMs: number, fields: Fields): void;
  /** A line shown under the previous step (log lines, exec output). */
  detail(text: string): void;
  /** A step that threw. */
  failed(name: string, elapsedMs: number, message: string): void;
}

const NAME_WIDTH = 18;
const TIME_WIDTH = 10;

/** A {@link Printer} writing to `out` (usually `process.stdout`). */
export function createPrinter(out: Writable): Printer {
  let stepNumber = 0;
  const write = (text: string): void => {
    out.write(`${text}\n`);
  };
  const prefix = (name: string, elapsedMs: number): string =>
    `${String(++stepNumber).padStart(3)}  ${name.padEnd(NAME_WIDTH)}${formatMs(elapsedMs).padStart(TIME_WIDTH)}`;

  return {
    line: write,
    step(name, elapsedMs, fields) {
      const text = formatFields(fields);
      write(text === "" ? prefix(name, elapsedMs) : `${prefix(name, elapsedMs)}  ${text}`);
    },
    detail(text) {
      write(`${" ".repeat(5 + NAME_WIDTH + TIME_WIDTH + 2)}${text}`);
    },
    failed(name, elapsedMs, message) {
      write(`${prefix(name, elapsedMs)}  FAILED: ${message}`);
    },
  };
}

/** `12.3 ms`, with one decimal below 100 ms and none above. */
export function formatMs(ms: number): string {
  return ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** `key=value key2=value2`; undefined values are left out, strings with spaces are quoted. */
export function formatFields(fields: Fields): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/\s/.test(text) || text === "" ? JSON.stringify(text) : text}`);
  }
  return parts.join(" ");
}

/** The first 12 characters of a runtime id, as `crictl ps` shows them. A `sha256:` prefix is dropped. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** A byte count in the largest binary unit that keeps it ≥ 1 (`1.4 MiB`). */
export function formatBytes(bytes: bigint | number): string {
  let value = Number(bytes);
  const units = ["B", "KiB", "MiB", "GiB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
