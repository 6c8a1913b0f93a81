import { KubeletKitError, type KubeletKitErrorCode } from "@kubelet-kit/core";
import type { IdLookup } from "./ids.js";

// The errors the fake answers with, worded and coded as containerd 1.6's CRI plugin words and codes them
// (its errors are wrapped Go errors; only errdefs sentinels such as "not found" get a gRPC code other than
// Unknown). Kept in one place so the wording is easy to compare with containerd's.

/** A miss of an id lookup: NotFound for a plain miss, Unknown for an empty or ambiguous prefix. */
export function lookupError(
  lookup: Exclude<IdLookup<unknown>, { found: unknown }>,
  prefix: string,
): KubeletKitError {
  const code: KubeletKitErrorCode = lookup.missing === "not-found" ? "NotFound" : "Unknown";
  return new KubeletKitError(code, `${prefix}: ${lookup.detail}`);
}

/** `sandbox config must include metadata` / `container config must include metadata`. */
export function missingMetadata(kind: "sandbox" | "container"): KubeletKitError {
  return new KubeletKitError("Unknown", `${kind} config must include metadata`);
}

/** The name registrar refusing a second sandbox or container with the same name. */
export function nameReserved(kind: "sandbox" | "container", name: string, ownerId: string): KubeletKitError {
  return new KubeletKitError(
    "Unknown",
    `failed to reserve ${kind} name "${name}": name "${name}" is reserved for "${ownerId}"`,
    { details: { name, ownerId } },
  );
}

/** RunPodSandbox with a `runtime_handler` the runtime has no runtime for. */
export function unknownRuntimeHandler(handler: string): KubeletKitError {
  return new KubeletKitError(
    "Unknown",
    `failed to get sandbox runtime: no runtime for "${handler}" is configured`,
  );
}

/** CreateContainer in a sandbox whose sandbox task is gone (the sandbox was stopped). */
export function sandboxTaskGone(sandboxId: string): KubeletKitError {
  return new KubeletKitError(
    "NotFound",
    `failed to get sandbox container task: no running task found: task ${sandboxId} not found: not found`,
  );
}

/** CreateContainer with an image that is not present. */
export function imageNotResolved(ref: string): KubeletKitError {
  return new KubeletKitError("NotFound", `failed to resolve image "${ref}": not found`);
}

/** StartContainer in a sandbox that is not READY (the container ends EXITED with StartError). */
export function sandboxNotRunning(sandboxId: string): KubeletKitError {
  return new KubeletKitError("Unknown", `sandbox container "${sandboxId}" is not running`);
}

/** StartContainer of a container that is not CREATED. */
export function notStartable(id: string, stateName: string): KubeletKitError {
  return new KubeletKitError(
    "Unknown",
    `failed to set starting state for container "${id}": container is in ${stateName} state`,
  );
}

/** A second StartContainer while the first is still starting (binding the container's listeners). */
export function alreadyStarting(id: string): KubeletKitError {
  return new KubeletKitError(
    "Unknown",
    `failed to set starting state for container "${id}": container is already in starting state`,
  );
}

/** RemoveContainer while the container is starting. */
export function removeWhileStarting(id: string): KubeletKitError {
  return new KubeletKitError(
    "Unknown",
    `failed to set removing state for container "${id}": container is in starting state, can't be removed`,
  );
}

/**
 * StartContainer of a container whose scripted listener could not bind (fake-only: the process fails at
 * start, so the container ends EXITED 128 StartError with this message).
 */
export function listenFailed(id: string, reason: string): KubeletKitError {
  return new KubeletKitError("Unknown", `failed to start container "${id}": fake runtime: ${reason}`);
}

/** What runc's failure to start the process looks like through containerd 1.6. */
export function runcStartFailed(message: string): KubeletKitError {
  return new KubeletKitError(
    "Unknown",
    `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${message}: unknown`,
  );
}

/** ExecSync, Exec or Attach on a container that is not RUNNING. */
export function containerNotRunning(stateName: string, prefix?: string): KubeletKitError {
  const text = `container is in ${stateName} state`;
  return new KubeletKitError("Unknown", prefix === undefined ? text : `${prefix}: ${text}`);
}

/** ExecSync past its `timeout`: containerd wraps context.DeadlineExceeded, so the code is DeadlineExceeded. */
export function execTimedOut(timeoutSeconds: bigint): KubeletKitError {
  return new KubeletKitError(
    "DeadlineExceeded",
    `failed to exec in container: timeout ${goDuration(timeoutSeconds)} exceeded: context deadline exceeded`,
  );
}

/** A pull the "registry" cannot serve: the registry answered 404 for the reference. */
export function pullNotFound(ref: string): KubeletKitError {
  return new KubeletKitError(
    "NotFound",
    `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
  );
}

/** A reference that does not parse. */
export function invalidReference(ref: string, detail: string): KubeletKitError {
  return new KubeletKitError("Unknown", `failed to parse image reference "${ref}": ${detail}`);
}

/** What grpc-go answers for a method the server does not register (how containerd 1.6 lacks newer RPCs). */
export function unknownMethod(service: string, method: string): KubeletKitError {
  return new KubeletKitError("Unimplemented", `unknown method ${method} for service ${service}`);
}

/** What every call gets while the fake is "down". */
export function runtimeDown(): KubeletKitError {
  return new KubeletKitError(
    "Unavailable",
    'connection error: desc = "transport: Error while dialing: dial unix fake-runtime.sock: connect: connection refused"',
  );
}

/** Go's `time.Duration.String()` for a whole number of seconds: `2s`, `1m30s`, `1h0m0s`. */
export function goDuration(seconds: bigint): string {
  if (seconds === 0n) return "0s";
  const sign = seconds < 0n ? "-" : "";
  let rest = seconds < 0n ? -seconds : seconds;
  const hours = rest / 3600n;
  rest %= 3600n;
  const minutes = rest / 60n;
  const secs = rest % 60n;
  if (hours > 0n) return `${sign}${hours}h${minutes}m${secs}s`;
  if (minutes > 0n) return `${sign}${minutes}m${secs}s`;
  return `${sign}${secs}s`;
}

/** What every call gets after the fake was closed. */
export function runtimeClosed(): KubeletKitError {
  return new KubeletKitError("Unavailable", "fake runtime is closed");
}
