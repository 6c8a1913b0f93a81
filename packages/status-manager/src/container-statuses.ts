import type { PodStatusSnapshot, RuntimeContainer, SyncActionError, SyncResult } from "@kubelet-kit/core";
import type { V1Container, V1ContainerState, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import {
  MESSAGE_CONTAINER_LOST_AT_DELETION,
  MESSAGE_CONTAINER_LOST_AT_TERMINATION,
  MESSAGE_INIT_CONTAINER_ASSUMED_COMPLETED,
  REASON_CONTAINER_CREATING,
  REASON_CONTAINER_STATUS_UNKNOWN,
  REASON_POD_INITIALIZING,
  UNKNOWN_CONTAINER_EXIT_CODE,
} from "./constants.js";
import {
  clone,
  containersOf,
  formatContainerId,
  initContainersOf,
  isPodBeingDeleted,
  isRestartableInitContainer,
  podRestartPolicy,
  toApiTime,
} from "./pod-helpers.js";

/** Which of the pod's container lists to build statuses for. */
export type ContainerListKind = "regular" | "init" | "ephemeral";

/** Input of {@link generateContainerStatuses}. */
export interface ContainerStatusesInput {
  readonly pod: V1Pod;
  readonly runtimeStatus: PodStatusSnapshot;
  readonly kind: ContainerListKind;
  /** The same list from the pod's previous status: restart counts, last states, `started`, vanished containers. */
  readonly previousStatuses?: readonly V1ContainerStatus[];
  /** The latest sync's outcome: failed `StartContainer`/`InitContainer` steps become waiting reasons. */
  readonly lastSyncResult?: SyncResult;
}

/**
 * API statuses for one of the pod's container lists (the kubelet's `convertToAPIContainerStatuses`,
 * `pkg/kubelet/kubelet_pods.go`). Regular and ephemeral statuses come sorted by name, init statuses in spec
 * order. `ready` and `started` are left as the conversion sets them; {@link applyProbeStates} fills them in.
 *
 * - A container without runtime record waits with reason `ContainerCreating` (`PodInitializing` when the
 *   pod has init containers); a previously terminated status is kept as it was.
 * - The newest runtime record becomes `state`, the one before it `lastState`: running → `running.startedAt`,
 *   created → waiting without reason, exited → `terminated` with exit code, reason, message, times and
 *   container ID, unknown after running → terminated `ContainerStatusUnknown` (exit 137, restart count + 1).
 * - A container the runtime lost while it was running gets a `ContainerStatusUnknown` last termination (and
 *   one more restart unless the pod is being deleted), so it is not mistaken for one that never ran.
 * - A container that will be started again and whose latest start failed waits with that failure's reason
 *   and message (`CrashLoopBackOff`, `ErrImagePull`, `ImagePullBackOff`, `CreateContainerConfigError`, …);
 *   a terminated state moves to `lastState`. Init containers that exited 0 are never overridden.
 *
 * @example
 * ```ts
 * const regular = generateContainerStatuses({ pod, runtimeStatus, kind: "regular",
 *   previousStatuses: previous?.containerStatuses, lastSyncResult });
 * ```
 */
export function generateContainerStatuses(input: ContainerStatusesInput): V1ContainerStatus[] {
  const { pod, runtimeStatus, kind } = input;
  const specs = specsOf(pod, kind);
  const hasInitContainers = initContainersOf(pod).length > 0;
  const defaultReason = hasInitContainers ? REASON_POD_INITIALIZING : REASON_CONTAINER_CREATING;
  const old = new Map((input.previousStatuses ?? []).map((s) => [s.name, s]));
  const records = [...runtimeStatus.containers].sort((a, b) => b.createdAtMs - a.createdAtMs);
  const newestRecord = (name: string): RuntimeContainer | undefined => records.find((r) => r.name === name);

  const statuses = new Map<string, V1ContainerStatus>();
  for (const spec of specs) {
    const previous = old.get(spec.name);
    if (previous?.state?.terminated !== undefined) {
      statuses.set(spec.name, clone(previous));
      continue;
    }
    const status: V1ContainerStatus = {
      name: spec.name,
      image: spec.image ?? "",
      imageID: "",
      ready: false,
      restartCount: previous?.restartCount ?? 0,
      state: { waiting: { reason: defaultReason } },
      lastState: clone(previous?.lastState ?? {}),
    };
    statuses.set(spec.name, status);
  }

  // Containers the runtime no longer knows about, although they were running.
  for (const spec of specs) {
    if (newestRecord(spec.name) !== undefined) continue;
    const previous = old.get(spec.name);
    if (previous === undefined || previous.state?.terminated !== undefined || !previous.state?.running)
      continue;
    const status = statuses.get(spec.name);
    if (status?.state?.waiting?.reason !== defaultReason) continue;
    if (status.lastState?.terminated !== undefined) continue;
    status.lastState = {
      terminated: {
        reason: REASON_CONTAINER_STATUS_UNKNOWN,
        message: MESSAGE_CONTAINER_LOST_AT_DELETION,
        exitCode: UNKNOWN_CONTAINER_EXIT_CODE,
      },
    };
    if (!isPodBeingDeleted(pod)) status.restartCount += 1;
  }

  const seen = new Map<string, number>();
  for (const record of records) {
    const current = statuses.get(record.name);
    const count = seen.get(record.name) ?? 0;
    if (current === undefined || count >= 2) continue;
    const previous = old.get(record.name);
    const converted = convertRecord(record, previous);
    if (record.state === "running" && previous?.started !== undefined) converted.started = previous.started;
    if (count === 0) statuses.set(record.name, converted);
    else current.lastState = converted.state ?? {};
    seen.set(record.name, count + 1);
  }

  const failures = startFailures(input.lastSyncResult);
  for (const spec of specs) {
    const status = statuses.get(spec.name);
    if (status === undefined) continue;
    const newest = newestRecord(spec.name);
    if (kind === "init") {
      if (newest?.state === "exited" && newest.exitCode === 0) continue;
      if (
        newest === undefined &&
        hasAnyRegularContainerCreated(pod, records) &&
        !isRestartableInitContainer(spec) &&
        status.state?.waiting !== undefined
      ) {
        status.state = {
          terminated: { reason: "Completed", message: MESSAGE_INIT_CONTAINER_ASSUMED_COMPLETED, exitCode: 0 },
        };
        continue;
      }
    }
    if (!shouldContainerBeRestarted(pod, newest)) continue;
    const failure = failures.get(spec.name);
    if (failure === undefined) continue;
    if (status.state?.terminated !== undefined) status.lastState = status.state;
    status.state = { waiting: { reason: failure.reason, message: failure.message } };
  }

  if (kind === "init") {
    return specs.flatMap((spec) => {
      const status = statuses.get(spec.name);
      return status === undefined ? [] : [status];
    });
  }
  return [...statuses.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function specsOf(pod: V1Pod, kind: ContainerListKind): readonly V1Container[] {
  if (kind === "init") return initContainersOf(pod);
  if (kind === "regular") return containersOf(pod);
  return (pod.spec?.ephemeralContainers ?? []).map((c) => c as V1Container);
}

function convertRecord(record: RuntimeContainer, previous: V1ContainerStatus | undefined): V1ContainerStatus {
  const containerID = formatContainerId(record.runtimeType, record.id);
  const status: V1ContainerStatus = {
    name: record.name,
    image: record.image,
    imageID: record.imageRef,
    containerID,
    ready: false,
    restartCount: record.restartCount,
    state: {},
    lastState: {},
  };
  const state: V1ContainerState = {};
  switch (record.state) {
    case "running":
      state.running = record.startedAtMs === undefined ? {} : { startedAt: toApiTime(record.startedAtMs) };
      break;
    case "created":
      state.waiting = {};
      break;
    case "exited":
      state.terminated = {
        exitCode: record.exitCode ?? 0,
        ...(record.reason ? { reason: record.reason } : {}),
        ...(record.message ? { message: record.message } : {}),
        ...(record.startedAtMs === undefined ? {} : { startedAt: toApiTime(record.startedAtMs) }),
        ...(record.finishedAtMs === undefined ? {} : { finishedAt: toApiTime(record.finishedAtMs) }),
        containerID,
      };
      break;
    default:
      if (previous?.state?.running !== undefined) {
        state.terminated = {
          reason: REASON_CONTAINER_STATUS_UNKNOWN,
          message: MESSAGE_CONTAINER_LOST_AT_TERMINATION,
          exitCode: UNKNOWN_CONTAINER_EXIT_CODE,
        };
        status.restartCount = previous.restartCount + 1;
      } else {
        state.waiting = {};
      }
  }
  status.state = state;
  return status;
}

/** The latest failed start per container name, from `StartContainer` (and `InitContainer`) steps. */
function startFailures(result: SyncResult | undefined): Map<string, SyncActionError> {
  const failures = new Map<string, SyncActionError>();
  for (const step of result?.results ?? []) {
    if (step.action !== "StartContainer" && step.action !== "InitContainer") continue;
    if (step.error === undefined) failures.delete(step.target);
    else failures.set(step.target, step.error);
  }
  return failures;
}

/**
 * Whether the kubelet would start the container again (`ShouldContainerBeRestarted`): never for a pod being
 * deleted; always when it never ran or is created/unknown; never while running; for an exited container per
 * the pod's restart policy.
 */
function shouldContainerBeRestarted(pod: V1Pod, newest: RuntimeContainer | undefined): boolean {
  if (isPodBeingDeleted(pod)) return false;
  if (newest === undefined) return true;
  if (newest.state === "running") return false;
  if (newest.state === "unknown" || newest.state === "created") return true;
  const policy = podRestartPolicy(pod);
  if (policy === "Never") return false;
  if (policy === "OnFailure" && newest.exitCode === 0) return false;
  return true;
}

/** A regular container of the pod exists in the runtime as created, running or exited. */
function hasAnyRegularContainerCreated(pod: V1Pod, records: readonly RuntimeContainer[]): boolean {
  return containersOf(pod).some((spec) => {
    const newest = records.find((r) => r.name === spec.name);
    return newest !== undefined && newest.state !== "unknown";
  });
}
