import { KubeletKitError } from "@kubelet-kit/core";
import { ContainerState } from "@kubelet-kit/cri-api";
import type { FakeContainerStats } from "./behaviour.js";
import { OOM_KILLED_REASON, SIGKILL_EXIT_CODE, terminate, writeContainerLog } from "./container-process.js";
import { type ContainerRecord, stateName } from "./container-store.js";
import type { FakeState } from "./fake-state.js";
import type { LogStream } from "./log-writer.js";
import { type FakeContainerSnapshot, snapshotContainer } from "./snapshots.js";

/**
 * Picks a container by its metadata name, narrowed by sandbox (id or unique prefix) or pod name/namespace
 * and attempt. Among several matches the most recently created one wins (the latest restart).
 */
export interface ContainerSelector {
  name: string;
  sandboxId?: string;
  podName?: string;
  podNamespace?: string;
  attempt?: number;
}

/** Levers on one container, for tests. Each call finds the container again; a removed one gives NotFound. */
export interface FakeContainerHandle {
  readonly id: string;
  /** The process exits with `code`; `reason` defaults to what containerd reports (`Completed`/`Error`). */
  exit(code: number, reason?: string): void;
  /** The kernel's OOM killer strikes: exit code 137, reason `OOMKilled`. */
  oomKill(): void;
  /** The process writes `line` to `stream` (appended to the log file in CRI format). */
  writeLog(stream: LogStream, line: string): void;
  /** Overrides stats fields from now on (merged over earlier overrides and the behaviour's stats). */
  setStats(stats: FakeContainerStats): void;
  state(): FakeContainerSnapshot;
}

export function createContainerHandle(
  state: FakeState,
  ref: string | ContainerSelector,
): FakeContainerHandle {
  const id =
    typeof ref === "string"
      ? state.containers.get(ref, `fake runtime: container "${ref}"`).id
      : select(state, ref).id;
  const current = (): ContainerRecord => state.containers.get(id, `fake runtime: container "${id}"`);
  const running = (what: string): ContainerRecord => {
    const record = current();
    if (record.state !== ContainerState.CONTAINER_RUNNING) {
      throw new KubeletKitError(
        "FailedPrecondition",
        `fake runtime: cannot ${what} container "${id}": it is ${stateName(record.state)}`,
      );
    }
    return record;
  };
  return {
    id,
    exit(code, reason) {
      terminate(state, running("exit"), code, reason ?? "");
    },
    oomKill() {
      terminate(state, running("OOM-kill"), SIGKILL_EXIT_CODE, OOM_KILLED_REASON);
    },
    writeLog(stream, line) {
      writeContainerLog(state, current(), stream, line);
    },
    setStats(stats) {
      const record = current();
      record.statsOverride = { ...record.statsOverride, ...stats };
    },
    state: () => snapshotContainer(current()),
  };
}

function select(state: FakeState, selector: ContainerSelector): ContainerRecord {
  const sandboxId =
    selector.sandboxId === undefined
      ? undefined
      : (state.sandboxes.find(selector.sandboxId)?.id ?? selector.sandboxId);
  const matches = state.containers.list().filter((record) => {
    if (record.config.metadata?.name !== selector.name) return false;
    if (sandboxId !== undefined && record.sandboxId !== sandboxId) return false;
    if (selector.attempt !== undefined && record.config.metadata?.attempt !== selector.attempt) return false;
    if (selector.podName === undefined && selector.podNamespace === undefined) return true;
    const pod = state.sandboxes.find(record.sandboxId)?.config.metadata;
    return (
      (selector.podName === undefined || pod?.name === selector.podName) &&
      (selector.podNamespace === undefined || pod?.namespace === selector.podNamespace)
    );
  });
  const latest = matches.reduce<ContainerRecord | undefined>(
    (best, record) => (best === undefined || record.createdAtNs > best.createdAtNs ? record : best),
    undefined,
  );
  if (latest === undefined) {
    throw new KubeletKitError("NotFound", `fake runtime: no container matches ${JSON.stringify(selector)}`);
  }
  return latest;
}
