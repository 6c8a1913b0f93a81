// Shows pods as they change: a table like `kubectl get pods -w`, or one JSON line per status change.

import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { OutputFormat } from "./flags.js";
import { type PodRow, podRow } from "./pod-row.js";

/** Where a printer writes (a `process.stdout`-like stream). */
export interface TextSink {
  write(text: string): unknown;
}

/** Options of {@link createPrinter}. */
export interface PrinterOptions {
  /** `table` (default) or `json`. */
  output?: OutputFormat;
  /** Receives the output. Required. */
  out: TextSink;
  /** Current time in ms since the epoch, for AGE and RESTARTS. Required (pass the agent's clock). */
  now: () => number;
  /**
   * Names of every pod that may be printed (e.g. from the agent's `pods()`), so the NAME column is wide
   * enough from the first row on, as in kubectl's initial list. Default: only names already printed count.
   */
  knownNames?: () => Iterable<string>;
}

/** Prints pod changes. */
export interface Printer {
  /**
   * A pod's status changed. Table: prints the pod's row when READY, STATUS or the restart count changed
   * since its last row (the header comes before the first row). JSON: prints `{"metadata":…,"status":…}` on
   * one line, times in RFC 3339 as the API server writes them.
   */
  podStatus(pod: V1Pod, status: V1PodStatus): void;
}

const HEADERS: Readonly<Record<keyof PodRow, string>> = {
  name: "NAME",
  ready: "READY",
  status: "STATUS",
  restarts: "RESTARTS",
  age: "AGE",
};
const COLUMNS: readonly (keyof PodRow)[] = ["name", "ready", "status", "restarts", "age"];
/** Spaces between columns, as kubectl's tab writer pads them. */
const PADDING = 3;
/** Room for the usual values (`ContainerCreating`, `10 (10m ago)`), so few later rows push columns out. */
const MIN_WIDTHS: Readonly<Record<keyof PodRow, number>> = {
  name: 4,
  ready: 5,
  status: "ContainerCreating".length,
  restarts: "10 (10m ago)".length,
  age: 3,
};

/** Creates a {@link Printer}. */
export function createPrinter(options: PrinterOptions): Printer {
  const output = options.output ?? "table";
  const { out, now } = options;
  if (output === "json") {
    return {
      podStatus(pod, status) {
        out.write(`${formatPodJson(pod, status)}\n`);
      },
    };
  }

  // Column widths only grow, so rows printed later stay aligned with earlier ones where they can.
  const widths = new Map<keyof PodRow, number>(COLUMNS.map((c) => [c, MIN_WIDTHS[c]]));
  const lastKey = new Map<string, string>();
  let headerPrinted = false;

  const line = (cells: Readonly<Record<keyof PodRow, string>>): string =>
    COLUMNS.map((c, i) =>
      i === COLUMNS.length - 1 ? cells[c] : cells[c].padEnd((widths.get(c) ?? 0) + PADDING),
    )
      .join("")
      .trimEnd();

  return {
    podStatus(pod, status) {
      const row = podRow({ ...pod, status }, now());
      // The restart count without "(5s ago)": a row is printed when something visible changed, not its age.
      const key = `${row.ready}|${row.status}|${row.restarts.split(" ")[0]}`;
      const uid = pod.metadata?.uid ?? row.name;
      if (lastKey.get(uid) === key) return;
      lastKey.set(uid, key);
      for (const c of COLUMNS) widths.set(c, Math.max(widths.get(c) ?? 0, row[c].length));
      for (const name of options.knownNames?.() ?? [])
        widths.set("name", Math.max(widths.get("name") ?? 0, name.length));
      if (!headerPrinted) {
        headerPrinted = true;
        out.write(`${line(HEADERS)}\n`);
      }
      out.write(`${line(row)}\n`);
    },
  };
}

/**
 * The JSON line for one status change: the pod's metadata and its full API status. `Date`s (client-node's
 * type for times) become RFC 3339 strings in UTC with whole seconds, e.g. `2026-01-02T03:04:05Z`.
 */
export function formatPodJson(pod: V1Pod, status: V1PodStatus): string {
  return JSON.stringify(
    { metadata: pod.metadata ?? {}, status },
    function replacer(this: unknown, key, value) {
      // `value` has been through Date#toJSON already; the holder still has the Date.
      const original = (this as Record<string, unknown>)[key];
      return original instanceof Date ? formatApiTime(original) : value;
    },
  );
}

/** `metav1.Time` on the wire: RFC 3339, UTC, whole seconds. */
export function formatApiTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** What {@link formatEvent} prints: a prober event or a runtime manager event. */
export interface PrintableEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly pod: { readonly name: string; readonly namespace: string };
  readonly container?: string;
}

/**
 * One line for an event, as `kubectl get events` shows type, reason, object and message, e.g.
 * `Warning Unhealthy pod/web-node-1 container app: Liveness probe failed: HTTP probe failed with statuscode: 500`.
 * A namespace other than `default` prefixes the object (`kube-system/pod/dns`); a pod event has no container.
 */
export function formatEvent(event: PrintableEvent): string {
  const namespace =
    event.pod.namespace === "default" || event.pod.namespace === "" ? "" : `${event.pod.namespace}/`;
  const container = event.container !== undefined ? ` container ${event.container}` : "";
  return `${event.type} ${event.reason} ${namespace}pod/${event.pod.name}${container}: ${event.message}`;
}
