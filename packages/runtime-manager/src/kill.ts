import type { PodRef, RuntimePod, SyncActionResult } from "@kubelet-kit/core";
import { isKubeletKitError, MIN_KILL_GRACE_PERIOD_MS } from "@kubelet-kit/core";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { RuntimeContext } from "./context.js";
import { formatPodDesc } from "./go-format.js";
import type { createHookRunner } from "./hooks.js";
import { grpcErrorText } from "./image-manager.js";
import { containerInfoFromAnnotations, containerInfoFromLabels } from "./labels.js";
import type { KillReason } from "./pod-actions.js";
import {
  containerSpecByName,
  hasRestartableInitContainer,
  podRefOf,
  terminationGracePeriodSecondsOf,
} from "./pod-spec.js";
import { createTerminationOrdering, type TerminationOrdering } from "./termination-ordering.js";

const MIN_GRACE_SECONDS = MIN_KILL_GRACE_PERIOD_MS / 1000;

/** One container to stop. */
export interface KillContainerRequest {
  /** The pod; without it, grace period and preStop come from the container's annotations. */
  readonly pod?: V1Pod;
  readonly containerId: string;
  readonly containerName: string;
  /** `Killing` event message; default `Stopping container <name>`. */
  readonly message?: string;
  readonly reason: KillReason;
  /** Replaces the computed grace period, in seconds (still raised to the 2 s floor). */
  readonly gracePeriodOverrideSec?: number;
  readonly ordering?: TerminationOrdering;
  readonly signal?: AbortSignal;
}

/** The grace period in seconds (`setTerminationGracePeriod`). */
function gracePeriodSeconds(
  pod: V1Pod,
  container: V1Container,
  reason: KillReason,
  restored: boolean,
): number {
  const deletion = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion !== undefined) return deletion;
  const specGrace = restored ? pod.spec?.terminationGracePeriodSeconds : terminationGracePeriodSecondsOf(pod);
  if (specGrace === undefined) return MIN_GRACE_SECONDS;
  const probe =
    reason === "StartupProbe"
      ? container.startupProbe
      : reason === "LivenessProbe"
        ? container.livenessProbe
        : undefined;
  return probe?.terminationGracePeriodSeconds ?? specGrace;
}

function isNotFound(err: unknown): boolean {
  return isKubeletKitError(err) && err.code === "NotFound";
}

/** Stops containers and pods as `killContainer` / `KillPod` do. */
export function createKiller(
  ctx: RuntimeContext,
  hooks: ReturnType<typeof createHookRunner>,
  podIps: (pod: PodRef) => Promise<readonly string[]>,
) {
  /** Rebuilds what killing needs from labels and annotations when the pod is unknown. */
  const restore = async (containerId: string): Promise<{ pod: V1Pod; container: V1Container }> => {
    const { status } = await ctx.runtime.containerStatus({ containerId });
    const labels = containerInfoFromLabels(status?.labels ?? {});
    const annotations = containerInfoFromAnnotations(status?.annotations ?? {});
    const pod: V1Pod = {
      metadata: {
        uid: labels.podUid,
        name: labels.podName,
        namespace: labels.podNamespace,
        ...(annotations.podDeletionGracePeriodSeconds !== undefined
          ? { deletionGracePeriodSeconds: annotations.podDeletionGracePeriodSeconds }
          : {}),
      },
      spec: {
        containers: [],
        ...(annotations.podTerminationGracePeriodSeconds !== undefined
          ? { terminationGracePeriodSeconds: annotations.podTerminationGracePeriodSeconds }
          : {}),
      },
    };
    const container: V1Container = {
      name: labels.containerName,
      terminationMessagePath: annotations.terminationMessagePath,
      ...(annotations.containerPorts !== undefined ? { ports: annotations.containerPorts } : {}),
      ...(annotations.preStopHandler !== undefined
        ? { lifecycle: { preStop: annotations.preStopHandler } }
        : {}),
    };
    return { pod, container };
  };

  /** Waits for `work` but at most `seconds`; returns whole seconds elapsed. */
  const boundedWait = async (work: Promise<unknown>, seconds: number): Promise<number> => {
    const start = ctx.clock.now();
    const stop = new AbortController();
    await Promise.race([work, ctx.clock.sleep(seconds * 1000, stop.signal).catch(() => undefined)]);
    stop.abort();
    return Math.floor((ctx.clock.now() - start) / 1000);
  };

  const killContainer = async (request: KillContainerRequest): Promise<void> => {
    let pod = request.pod;
    let container: V1Container | undefined;
    let restored = false;
    if (pod !== undefined) {
      container = containerSpecByName(pod, request.containerName);
      if (container === undefined) {
        const runtimeName = await ctx.runtimeName();
        throw new Error(
          `failed to get containerSpec "${request.containerName}" (id="${runtimeName}://${request.containerId}") in pod "${formatPodDesc(podRefOf(pod))}" when killing container for reason "${request.message ?? ""}"`,
        );
      }
    } else {
      ({ pod, container } = await restore(request.containerId));
      restored = true;
    }
    const ref = podRefOf(pod);
    let grace = gracePeriodSeconds(pod, container, request.reason, restored);
    const message =
      request.message === undefined || request.message === ""
        ? `Stopping container ${container.name}`
        : request.message;
    ctx.emit(
      "Normal",
      "Killing",
      ref,
      message.split(request.containerId).join(container.name),
      container.name,
    );
    if (request.gracePeriodOverrideSec !== undefined) grace = request.gracePeriodOverrideSec;

    const preStop = container.lifecycle?.preStop;
    if (preStop !== undefined && grace > 0) {
      const currentPod = pod;
      const currentContainer = container;
      const hook = hooks
        .run({
          pod: currentPod,
          container: currentContainer,
          containerId: request.containerId,
          handler: preStop,
          podIps: () => podIps(ref),
          ...(request.signal !== undefined ? { signal: request.signal } : {}),
        })
        .then((result) => {
          if (!result.ok) {
            ctx.logger.warn(
              { err: result.error, pod: ref, container: currentContainer.name },
              "PreStop hook failed",
            );
            ctx.emit("Warning", "FailedPreStopHook", ref, "PreStopHook failed", currentContainer.name);
          }
        });
      grace -= await boundedWait(hook, grace);
    }
    if (request.ordering !== undefined && grace > 0) {
      grace -= Math.trunc(await request.ordering.waitForTurn(request.containerName, grace));
    }
    grace = Math.max(grace, MIN_GRACE_SECONDS);
    try {
      await ctx.runtime.stopContainer(
        { containerId: request.containerId, timeout: BigInt(grace) },
        { timeoutMs: ctx.runtimeRequestTimeoutMs + grace * 1000, signal: request.signal },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    request.ordering?.containerTerminated(request.containerName);
  };

  /** Stops every not-exited container of `runningPod` in parallel (sidecars last, in reverse order). */
  const killContainers = async (
    pod: V1Pod | undefined,
    runningPod: RuntimePod,
    gracePeriodOverrideSec: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<SyncActionResult[]> => {
    const containers = runningPod.containers.filter((c) => c.state !== "exited");
    const ordering =
      pod !== undefined && hasRestartableInitContainer(pod)
        ? createTerminationOrdering(
            pod,
            containers.map((c) => c.name),
            ctx.clock,
          )
        : undefined;
    return Promise.all(
      containers.map(async (c): Promise<SyncActionResult> => {
        try {
          await killContainer({
            ...(pod !== undefined ? { pod } : {}),
            containerId: c.id,
            containerName: c.name,
            reason: "Unknown",
            ...(gracePeriodOverrideSec !== undefined ? { gracePeriodOverrideSec } : {}),
            ...(ordering !== undefined ? { ordering } : {}),
            ...(signal !== undefined ? { signal } : {}),
          });
          return { action: "KillContainer", target: c.name };
        } catch (err) {
          ctx.logger.error({ err, podUid: runningPod.uid, container: c.name }, "Kill container failed");
          return {
            action: "KillContainer",
            target: c.name,
            error: { reason: "KillContainerError", message: grpcErrorText(err), cause: err },
          };
        }
      }),
    );
  };

  /** `killPodWithSyncResult`: stop the containers, then every sandbox of the pod. */
  const killPod = async (
    pod: V1Pod | undefined,
    runningPod: RuntimePod,
    gracePeriodOverrideSec: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<SyncActionResult[]> => {
    const results = await killContainers(pod, runningPod, gracePeriodOverrideSec, signal);
    let failure: unknown;
    for (const sandbox of runningPod.sandboxes) {
      try {
        await ctx.runtime.stopPodSandbox({ podSandboxId: sandbox.id }, { signal });
      } catch (err) {
        if (!isNotFound(err)) {
          failure = err;
          ctx.logger.error({ err, podSandboxId: sandbox.id }, "Failed to stop sandbox");
        }
      }
    }
    results.push({
      action: "KillPodSandbox",
      target: runningPod.uid,
      ...(failure !== undefined
        ? { error: { reason: "KillPodSandboxError", message: grpcErrorText(failure), cause: failure } }
        : {}),
    });
    return results;
  };

  return { killContainer, killContainers, killPod };
}
