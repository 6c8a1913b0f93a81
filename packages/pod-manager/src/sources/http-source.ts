import {
  type Clock,
  createEventHub,
  createNoopLogger,
  createRealClock,
  isKubeletKitError,
  KubeletKitError,
  type KubeletKitErrorCode,
  type Logger,
  type PodSource,
  type PodSourceEvents,
  type TimerHandle,
} from "@kubelet-kit/core";
import type { V1Pod } from "@kubernetes/client-node";
import { HTTP_SOURCE } from "../config/pod-annotations.js";
import { DEFAULT_MAX_MANIFEST_BYTES, decodePodManifests } from "./manifest-decoder.js";
import { createManifestError } from "./manifest-error.js";
import { createSerialRunner } from "./serial-runner.js";

/** Options of {@link createHttpSource}. */
export interface HttpSourceOptions {
  /** Where to GET the manifest. Mirrors `staticPodURL` (`--manifest-url`). Part of every pod's UID. */
  url: string;
  /** Request headers, a value list per name. Mirrors `staticPodURLHeader` (`--manifest-url-header`). Default: none. */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /** This node's name: suffix of every pod name. */
  nodeName: string;
  /** Clock for the polling period and the request timeout. Default: a real clock. */
  clock?: Clock;
  /** Default: a no-op logger. */
  logger?: Logger;
  /** Pause between the end of one GET and the next. Default 20 000 ms (`httpCheckFrequency`). */
  httpCheckFrequencyMs?: number;
  /** Per-request timeout. Default 10 000 ms (the kubelet's client timeout for this URL). */
  requestTimeoutMs?: number;
  /** Bodies larger than this are rejected. Default 10 MiB (the kubelet's `maxConfigLength`). */
  maxBodyBytes?: number;
  /** The `fetch` to use. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** A {@link PodSource} polling a static pod URL; its updates are `set`s for source `http`. */
export interface HttpSource extends PodSource<V1Pod> {
  readonly name: typeof HTTP_SOURCE;
  /** GETs the URL now (after a request in progress, if any). Resolves when that GET has been handled. */
  resync(): Promise<void>;
}

/** Default of `httpCheckFrequencyMs` (the kubelet's `httpCheckFrequency`). */
export const DEFAULT_HTTP_CHECK_FREQUENCY_MS = 20_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Failures logged at warn level before the source drops to debug level (the kubelet logs the first three). */
const LOUD_FAILURES = 3;

type ResolvedHttpSourceOptions = Required<Omit<HttpSourceOptions, "headers">> & { headers: Headers };

function resolveHttpSourceOptions(options: HttpSourceOptions): ResolvedHttpSourceOptions {
  if (options.nodeName === "")
    throw new KubeletKitError("InvalidConfig", "http source: `nodeName` must not be empty");
  try {
    new URL(options.url);
  } catch (cause) {
    throw new KubeletKitError("InvalidConfig", `http source: invalid url ${JSON.stringify(options.url)}`, {
      cause,
    });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    for (const item of typeof value === "string" ? [value] : value) headers.append(name, item);
  }
  return {
    url: options.url,
    headers,
    nodeName: options.nodeName,
    clock: options.clock ?? createRealClock(),
    logger: options.logger ?? createNoopLogger(),
    httpCheckFrequencyMs: options.httpCheckFrequencyMs ?? DEFAULT_HTTP_CHECK_FREQUENCY_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
    fetch: options.fetch ?? globalThis.fetch,
  };
}

/**
 * Polls a static pod URL, as the kubelet's HTTP source does:
 * - GET with the configured headers, right away and then `httpCheckFrequencyMs` after each GET ends;
 * - a non-200 answer, a network error or a timeout is an `error` event, and nothing else happens (the
 *   source's pods stay as they were);
 * - an empty body is an empty `set` (logged);
 * - a body identical to the previous one is ignored (no update, no error), as upstream;
 * - otherwise the body must be one `v1` Pod, a `PodList` or a `v1` `List` of Pods (YAML or JSON); every pod is
 *   defaulted (source `http`) and validated, and the source emits one `set` with them all. One bad pod
 *   rejects the whole body with a `ManifestError` naming the URL and the item.
 */
export function createHttpSource(options: HttpSourceOptions): HttpSource {
  const opts = resolveHttpSourceOptions(options);
  const { url, clock } = opts;
  const logger = opts.logger.child({ component: "http-source", url });
  const hub = createEventHub<PodSourceEvents<V1Pod>>({ logger });

  let state: "new" | "running" | "stopped" = "new";
  let startPromise: Promise<void> | undefined;
  let timer: TimerHandle | undefined;
  let inFlight: AbortController | undefined;
  let lastBody: string | undefined;
  let failures = 0;

  const fail = (error: KubeletKitError): void => {
    if (state === "stopped") return;
    failures++;
    if (failures <= LOUD_FAILURES) logger.warn({ err: error }, "failed to read pods from URL");
    else logger.debug({ err: error }, "failed to read pods from URL");
    hub.emit("error", error);
  };

  const emitSet = (pods: V1Pod[]): void => {
    if (state === "stopped") return;
    if (failures > 0) logger.info("read pods from URL again");
    failures = 0;
    hub.emit("update", { type: "set", source: HTTP_SOURCE, pods });
  };

  async function getOnce(): Promise<void> {
    const controller = new AbortController();
    inFlight = controller;
    const timeout = clock.setTimeout(() => {
      controller.abort(
        new KubeletKitError("DeadlineExceeded", `GET ${url}: no answer within ${opts.requestTimeoutMs} ms`),
      );
    }, opts.requestTimeoutMs);
    try {
      const response = await opts.fetch(url, { headers: opts.headers, signal: controller.signal });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        fail(
          new KubeletKitError(
            codeForStatus(response.status),
            `GET ${url}: ${response.status} ${response.statusText}`.trim(),
            {
              details: { url, status: response.status },
            },
          ),
        );
        return;
      }
      const body = await readBody(response, opts.maxBodyBytes);
      if (body === undefined) {
        fail(
          createManifestError({
            file: url,
            problem: `response body is larger than the limit of ${opts.maxBodyBytes} bytes`,
          }),
        );
        return;
      }
      handleBody(body);
    } catch (err) {
      if (state === "stopped") return;
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      fail(
        isKubeletKitError(reason)
          ? reason
          : new KubeletKitError("Unavailable", `GET ${url}: ${errorText(reason)}`, {
              cause: reason,
              details: { url },
            }),
      );
    } finally {
      clock.clearTimeout(timeout);
      if (inFlight === controller) inFlight = undefined;
    }
  }

  function handleBody(body: string): void {
    if (body.length === 0) {
      logger.warn("zero-length data received from URL");
      // Unlike upstream, forget the previous body, so the same pods served again are sent again.
      lastBody = undefined;
      emitSet([]);
      return;
    }
    if (body === lastBody) return;
    lastBody = body;
    const result = decodePodManifests(body, { nodeName: opts.nodeName, source: "http", location: url });
    if (!result.ok) {
      fail(result.error);
      return;
    }
    emitSet(result.value);
  }

  const gets = createSerialRunner(getOnce, () => state === "running");

  function poll(): void {
    timer = undefined;
    void gets.request().then(schedule);
  }

  function schedule(): void {
    if (state === "running" && timer === undefined) timer = clock.setTimeout(poll, opts.httpCheckFrequencyMs);
  }

  return {
    name: HTTP_SOURCE,
    on: hub.on,
    once: hub.once,
    start() {
      if (state === "stopped") {
        return Promise.reject(new KubeletKitError("FailedPrecondition", "http source: start() after stop()"));
      }
      if (startPromise === undefined) {
        state = "running";
        logger.info("watching static pod URL");
        startPromise = gets.request().then(schedule);
      }
      return startPromise;
    },
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      inFlight?.abort(new KubeletKitError("Canceled", "http source stopped"));
      await gets.idle();
    },
    resync() {
      if (state !== "running") {
        return Promise.reject(
          new KubeletKitError("FailedPrecondition", "http source: resync() needs a started source"),
        );
      }
      return gets.request();
    },
  };
}

/** Reads the body as UTF-8 text, or returns `undefined` once it exceeds `maxBytes` (the rest is not read). */
async function readBody(response: Response, maxBytes: number): Promise<string | undefined> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function codeForStatus(status: number): KubeletKitErrorCode {
  if (status === 401) return "Unauthenticated";
  if (status === 403) return "PermissionDenied";
  if (status === 404) return "NotFound";
  if (status === 408 || status === 504) return "DeadlineExceeded";
  if (status === 429) return "ResourceExhausted";
  if (status >= 500) return "Unavailable";
  return "Unknown";
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
