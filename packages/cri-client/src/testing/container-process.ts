import { create } from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import { ContainerEventResponseSchema, ContainerEventType, ContainerState } from "@kubelet-kit/cri-api";
import type { ContainerRecord } from "./container-store.js";
import { toCriContainerStatus } from "./container-store.js";
import { clockNs, type FakeState } from "./fake-state.js";
import { appendCriLog, ensureLogFile, type LogStream } from "./log-writer.js";
import { toCriSandboxStatus } from "./sandbox-store.js";

// The container's "process": what happens between StartContainer and the exit, all on the fake's clock.

/** Exit code of a process killed by SIGKILL (128 + 9), as runc reports it. */
export const SIGKILL_EXIT_CODE = 137;
/** Exit code of a process ended by SIGTERM's default action (128 + 15). */
export const SIGTERM_EXIT_CODE = 143;
/** containerd's exit code and reason for a container whose start failed. */
export const START_ERROR_EXIT_CODE = 128;
export const START_ERROR_REASON = "StartError";
export const OOM_KILLED_REASON = "OOMKilled";

/**
 * Moves a CREATED container to RUNNING and starts its script: listener windows, log lines, a scripted exit,
 * an OOM kill. Lines and exits due at once happen before this returns (after the STARTED event). Listeners
 * open at running time 0 must already be bound (`ContainerListeners.bindInitial`).
 */
export function startProcess(state: FakeState, record: ContainerRecord): void {
  if (record.logPath !== "") {
    try {
      ensureLogFile(record.logPath);
    } catch (err) {
      throw new KubeletKitError(
        "Unknown",
        `failed to create container loggers: failed to create and open log file: ${(err as Error).message}`,
      );
    }
  }
  record.state = ContainerState.CONTAINER_RUNNING;
  record.startedAtNs = state.nowNs();
  record.pid = state.nextPid();
  publishContainerEvent(state, record.id, record.sandboxId, ContainerEventType.CONTAINER_STARTED_EVENT);
  record.listeners?.scheduleWindows();

  const behaviour = record.behaviour;
  for (const log of behaviour.logs ?? []) {
    const write = (): void => writeContainerLog(state, record, log.stream ?? "stdout", log.line);
    after(state, record, log.afterMs ?? 0, write);
  }
  if (behaviour.oomKillAfterMs !== undefined) {
    after(state, record, behaviour.oomKillAfterMs, () =>
      terminate(state, record, SIGKILL_EXIT_CODE, OOM_KILLED_REASON),
    );
  }
  if (behaviour.kind === "exit") {
    const code = behaviour.code;
    after(state, record, behaviour.afterMs ?? 0, () => terminate(state, record, code));
  }
}

/** How long the container has been running, in ms on the fake's clock (since StartContainer). */
export function runningMs(state: FakeState, record: ContainerRecord): number {
  return state.clock.now() - Number(record.startedAtNs) / 1_000_000;
}

/** Runs `fn` after `delayMs` on the clock while the container runs; at once when the delay is 0. */
export function after(state: FakeState, record: ContainerRecord, delayMs: number, fn: () => void): void {
  if (record.state !== ContainerState.CONTAINER_RUNNING) return;
  if (delayMs <= 0) {
    fn();
    return;
  }
  const handle = state.clock.setTimeout(() => {
    record.timers.delete(handle);
    if (record.state === ContainerState.CONTAINER_RUNNING) fn();
  }, delayMs);
  record.timers.add(handle);
}

/** Marks a start that failed: EXITED, exit code 128, reason StartError, the error as message. */
export function markStartFailed(state: FakeState, record: ContainerRecord, error: KubeletKitError): void {
  record.state = ContainerState.CONTAINER_EXITED;
  record.finishedAtNs = state.nowNs();
  record.exitCode = START_ERROR_EXIT_CODE;
  record.reason = START_ERROR_REASON;
  record.message = error.rawMessage;
  record.listeners?.close();
  publishContainerEvent(state, record.id, record.sandboxId, ContainerEventType.CONTAINER_STOPPED_EVENT);
}

/** Ends a running container's process with `exitCode`. No-op unless RUNNING. */
export function terminate(
  state: FakeState,
  record: ContainerRecord,
  exitCode: number,
  reason = "",
  message = "",
): void {
  if (record.state !== ContainerState.CONTAINER_RUNNING) return;
  for (const handle of record.timers) state.clock.clearTimeout(handle);
  record.timers.clear();
  record.listeners?.close();
  record.state = ContainerState.CONTAINER_EXITED;
  record.finishedAtNs = state.nowNs();
  record.exitCode = exitCode;
  record.reason = reason;
  record.message = message;
  for (const waiter of [...record.exitWaiters]) waiter();
  record.exitWaiters.clear();
  publishContainerEvent(state, record.id, record.sandboxId, ContainerEventType.CONTAINER_STOPPED_EVENT);
}

/**
 * StopContainer's semantics (containerd `stopContainer`): nothing unless RUNNING; with a timeout, SIGTERM
 * once, then wait up to `timeoutSeconds` on the clock; then SIGKILL (exit 137). Rejects with the abort
 * reason if `signal` aborts while waiting (the SIGTERM stays delivered).
 */
export async function stopProcess(
  state: FakeState,
  record: ContainerRecord,
  timeoutSeconds: bigint,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (record.state !== ContainerState.CONTAINER_RUNNING) return;
  if (timeoutSeconds > 0n) {
    deliverSigterm(state, record);
    if (record.state !== ContainerState.CONTAINER_RUNNING) return;
    const exited = await waitForExit(state, record, Number(timeoutSeconds) * 1000, signal);
    if (exited) return;
  }
  terminate(state, record, SIGKILL_EXIT_CODE);
}

function deliverSigterm(state: FakeState, record: ContainerRecord): void {
  if (record.sigtermSent) return;
  record.sigtermSent = true;
  const behaviour = record.behaviour;
  if (behaviour.ignoreSigterm === true) return;
  const code = behaviour.sigtermExitCode ?? SIGTERM_EXIT_CODE;
  after(state, record, behaviour.sigtermExitAfterMs ?? 0, () => terminate(state, record, code));
}

/** Resolves true when the container exits within `timeoutMs` on the clock, false when the time runs out. */
function waitForExit(
  state: FakeState,
  record: ContainerRecord,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const cleanup = (): void => {
      state.clock.clearTimeout(timer);
      record.exitWaiters.delete(onExit);
      signal?.removeEventListener("abort", onAbort);
    };
    const onExit = (): void => {
      cleanup();
      resolve(true);
    };
    const onAbort = (): void => {
      cleanup();
      reject(KubeletKitError.from(signal?.reason, "Canceled"));
    };
    const timer = state.clock.setTimeout(() => {
      cleanup();
      resolve(record.state !== ContainerState.CONTAINER_RUNNING);
    }, timeoutMs);
    record.exitWaiters.add(onExit);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Appends a line to the container's log file (nothing when it has no log path). */
export function writeContainerLog(
  state: FakeState,
  record: ContainerRecord,
  stream: LogStream,
  line: string,
): void {
  if (record.logPath === "") return;
  try {
    appendCriLog(record.logPath, stream, line, clockNs(state.clock));
  } catch (err) {
    state.logger.warn(
      { err, containerId: record.id, path: record.logPath },
      "fake runtime could not write a log line",
    );
  }
}

/** Publishes a container event with the sandbox's status and its containers' statuses, as containerd 1.7 does. */
export function publishContainerEvent(
  state: FakeState,
  containerId: string,
  sandboxId: string,
  type: ContainerEventType,
): void {
  if (state.events.subscriberCount === 0) return;
  const sandbox = state.sandboxes.find(sandboxId);
  const event = create(ContainerEventResponseSchema, {
    containerId,
    containerEventType: type,
    createdAt: clockNs(state.clock),
    podSandboxStatus: sandbox === undefined ? undefined : toCriSandboxStatus(sandbox),
    containersStatuses: state.containers
      .inSandbox(sandboxId)
      .map((c) => toCriContainerStatus(c, state.images.resolve(c.imageId))),
  });
  state.events.publish(event);
}
