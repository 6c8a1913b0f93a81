import { KubeletKitError } from "@kubelet-kit/core";
import type {
  IntOrString,
  V1Container,
  V1HTTPGetAction,
  V1LifecycleHandler,
  V1Pod,
} from "@kubernetes/client-node";
import type { RuntimeContext } from "./context.js";
import { formatGoStringSlice, goQuote } from "./go-format.js";
import { podDesc, podRefOf } from "./pod-spec.js";

/** Bytes of a lifecycle HTTP hook's response body that are read (and discarded): 10 KiB. */
export const MAX_HOOK_RESPONSE_BODY_BYTES = 10 * 1024;

/** Outcome of a lifecycle hook. `message` is the kubelet's description of the failure. */
export type HookResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly error: Error };

/** What a hook run needs to know. */
export interface HookRun {
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly containerId: string;
  readonly handler: V1LifecycleHandler;
  /** The pod's IPs, for an httpGet hook without a host. */
  readonly podIps: () => Promise<readonly string[]>;
  /** Aborts a running sleep hook (the container went away). */
  readonly signal?: AbortSignal;
}

/** The lifecycle handlers' `resolvePort`: an int, a numeric string, or a named container port (in that order). */
export function resolveContainerPort(port: IntOrString | undefined, container: V1Container): number {
  let value: number | undefined;
  if (typeof port === "number") value = port;
  else if (port !== undefined && /^\d+$/.test(port)) value = Number(port);
  else value = (container.ports ?? []).find((p) => p.name !== undefined && p.name === port)?.containerPort;
  if (value === undefined) throw new Error(`couldn't find port: ${String(port)} in ${container.name}`);
  if (value <= 0 || value >= 65536) throw new Error(`invalid port number: ${value}`);
  return value;
}

/** The URL of an httpGet action (`GetProbeUrl`): scheme lowercased (default http), host or pod IP, port, path. */
export function httpGetUrl(action: V1HTTPGetAction, container: V1Container, podIp: string): string {
  const scheme = (action.scheme ?? "").toLowerCase() || "http";
  const host = action.host !== undefined && action.host !== "" ? action.host : podIp;
  const port = resolveContainerPort(action.port, container);
  const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const path = action.path ?? "";
  return `${scheme}://${hostPort}${path === "" || path.startsWith("/") ? "" : "/"}${path}`;
}

async function drainBody(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  let read = 0;
  try {
    while (read < MAX_HOOK_RESPONSE_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function plainHttpAnswer(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number/i.test(cause?.message ?? "");
}

/** Runs lifecycle hooks like the kubelet's `handlerRunner` (`pkg/kubelet/lifecycle/handlers.go`). */
export function createHookRunner(ctx: RuntimeContext): { run(run: HookRun): Promise<HookResult> } {
  const runExec = async (run: HookRun, command: readonly string[]): Promise<HookResult> => {
    let output = "";
    try {
      // Hooks have no timeout of their own (CRI timeout 0); preStop is bounded by the grace period.
      const response = await ctx.runtime.execSync(
        { containerId: run.containerId, cmd: [...command], timeout: 0n },
        { timeoutMs: Number.POSITIVE_INFINITY, signal: run.signal },
      );
      output = Buffer.concat([Buffer.from(response.stdout), Buffer.from(response.stderr)]).toString("utf8");
      if (response.exitCode !== 0) {
        throw new Error(
          `command '${command.join(" ")}' exited with ${response.exitCode}: ${Buffer.from(response.stderr).toString("utf8")}`,
        );
      }
      return { ok: true };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return {
        ok: false,
        error,
        message: `Exec lifecycle hook (${formatGoStringSlice(command)}) for Container ${goQuote(run.container.name)} in Pod ${goQuote(podDesc(run.pod))} failed - error: ${error.message}, message: ${goQuote(output)}`,
      };
    }
  };

  const runHttp = async (run: HookRun, action: V1HTTPGetAction): Promise<HookResult> => {
    const fail = (error: Error): HookResult => ({
      ok: false,
      error,
      message: `HTTP lifecycle hook (${action.path ?? ""}) for Container ${goQuote(run.container.name)} in Pod ${goQuote(podDesc(run.pod))} failed - error: ${error.message}`,
    });
    try {
      let podIp = "";
      if (action.host === undefined || action.host === "") {
        const ips = await run.podIps();
        if (ips[0] === undefined)
          throw new Error(`failed to find networking container: pod ${podDesc(run.pod)} has no IP`);
        podIp = ips[0];
      }
      const url = httpGetUrl(action, run.container, podIp);
      const headers = new Headers();
      for (const header of action.httpHeaders ?? []) headers.append(header.name, header.value);
      if (!headers.has("user-agent")) headers.set("user-agent", ctx.lifecycleUserAgent);
      if (!headers.has("accept")) headers.set("accept", "*/*");
      else if (headers.get("accept") === "") headers.delete("accept");
      const get = async (target: string): Promise<void> => {
        const response = await ctx.fetch(target, {
          method: "GET",
          headers,
          redirect: "manual",
          signal: run.signal,
        });
        // The status code is not checked: only a failed request fails the hook, as in the kubelet.
        await drainBody(response);
      };
      try {
        await get(url);
      } catch (err) {
        if (!url.startsWith("https://") || !plainHttpAnswer(err)) throw err;
        const plain = `http://${url.slice("https://".length)}`;
        headers.delete("authorization");
        await get(plain);
        ctx.emit(
          "Warning",
          "LifecycleHTTPFallback",
          podRefOf(run.pod),
          `request to HTTPS lifecycle hook ${new URL(plain).host} got HTTP response, retry with HTTP succeeded`,
        );
      }
      return { ok: true };
    } catch (err) {
      return fail(err instanceof Error ? err : new Error(String(err)));
    }
  };

  const runSleep = async (run: HookRun, seconds: number): Promise<HookResult> => {
    try {
      await ctx.clock.sleep(seconds * 1000, run.signal);
      return { ok: true };
    } catch {
      const error = new Error("container terminated before sleep hook finished");
      return {
        ok: false,
        error,
        message: `Sleep lifecycle hook (${seconds}) for Container ${goQuote(run.container.name)} in Pod ${goQuote(podDesc(run.pod))} failed - error: ${error.message}`,
      };
    }
  };

  return {
    run(run) {
      const { handler } = run;
      if (handler.exec !== undefined) return runExec(run, handler.exec.command ?? []);
      if (handler.httpGet !== undefined) return runHttp(run, handler.httpGet);
      if (handler.sleep !== undefined) return runSleep(run, handler.sleep.seconds);
      const error = new KubeletKitError("InvalidArgument", `invalid handler: ${JSON.stringify(handler)}`);
      return Promise.resolve({ ok: false, error, message: `Cannot run handler: ${error.rawMessage}` });
    },
  };
}
