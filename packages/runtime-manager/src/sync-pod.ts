import { mkdir } from "node:fs/promises";
import {
  type PodStatusSnapshot,
  type SyncActionResult,
  type SyncPodOptions,
  type SyncResult,
  toRunningPod,
} from "@kubelet-kit/core";
import type { PodSandboxConfig } from "@kubelet-kit/cri-api";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { computePodActions } from "./compute-pod-actions.js";
import type { RuntimeContext } from "./context.js";
import { checkCrashLoopBackoff } from "./crash-loop.js";
import { grpcErrorText } from "./image-manager.js";
import type { createKiller } from "./kill.js";
import { podDesc, podRefOf } from "./pod-spec.js";
import { toRuntimeSandbox } from "./pod-status.js";
import { generatePodSandboxConfig } from "./sandbox-config.js";
import type { createContainerStarter } from "./start-container.js";

/** `SyncPod` and its helpers. */
export function createPodSyncer(
  ctx: RuntimeContext,
  killer: ReturnType<typeof createKiller>,
  startContainer: ReturnType<typeof createContainerStarter>,
) {
  const sandboxContext = () => ({ podLogsDir: ctx.podLogsDir, dns: ctx.dns });

  const removeContainer = async (containerId: string, signal: AbortSignal | undefined): Promise<void> => {
    try {
      await ctx.runtime.removeContainer({ containerId }, { signal });
    } catch (err) {
      ctx.logger.error({ err, containerId }, "failed to remove pod init container");
    }
  };

  /** Keeps only the newest exited (or unknown) instance of each init container. */
  const pruneInitContainers = async (pod: V1Pod, status: PodStatusSnapshot, signal?: AbortSignal) => {
    for (const name of new Set((pod.spec?.initContainers ?? []).map((c) => c.name))) {
      const dead = status.containers.filter(
        (c) => c.name === name && (c.state === "exited" || c.state === "unknown"),
      );
      for (const instance of dead.slice(1)) await removeContainer(instance.id, signal);
    }
  };

  /** Removes every instance of the init containers (before a new sandbox starts them over). */
  const purgeInitContainers = async (pod: V1Pod, status: PodStatusSnapshot, signal?: AbortSignal) => {
    for (const name of new Set((pod.spec?.initContainers ?? []).map((c) => c.name))) {
      for (const instance of status.containers.filter((c) => c.name === name))
        await removeContainer(instance.id, signal);
    }
  };

  /** `createPodSandbox`: config, log directory (0755), RunPodSandbox. Returns the ID or the failure message. */
  const createPodSandbox = async (
    pod: V1Pod,
    attempt: number,
    signal?: AbortSignal,
  ): Promise<{ id: string } | { message: string; error: unknown }> => {
    let config: PodSandboxConfig;
    try {
      config = generatePodSandboxConfig(pod, attempt, sandboxContext());
    } catch (error) {
      return {
        message: `Failed to generate sandbox config for pod "${podDesc(pod)}": ${(error as Error).message}`,
        error,
      };
    }
    try {
      await mkdir(config.logDirectory, { recursive: true, mode: 0o755 });
    } catch (error) {
      return {
        message: `Failed to create log directory for pod "${podDesc(pod)}": ${(error as Error).message}`,
        error,
      };
    }
    try {
      const { podSandboxId } = await ctx.runtime.runPodSandbox({ config, runtimeHandler: "" }, { signal });
      return { id: podSandboxId };
    } catch (error) {
      return {
        message: `Failed to create sandbox for pod "${podDesc(pod)}": ${grpcErrorText(error)}`,
        error,
      };
    }
  };

  return async function syncPod(
    pod: V1Pod,
    podStatus: PodStatusSnapshot,
    options: SyncPodOptions = {},
  ): Promise<SyncResult> {
    const { signal } = options;
    const ref = podRefOf(pod);
    const results: SyncActionResult[] = [];
    const done = (syncError?: unknown): SyncResult =>
      syncError === undefined ? { results } : { results, syncError };
    const actions = computePodActions(pod, podStatus, {
      ...(options.containerHealth !== undefined ? { containerHealth: options.containerHealth } : {}),
    });
    ctx.logger.debug({ pod: ref, actions }, "computePodActions got for pod");
    if (actions.createSandbox && actions.sandboxId !== "") {
      ctx.emit("Normal", "SandboxChanged", ref, "Pod sandbox changed, it will be killed and re-created.");
    }

    if (actions.killPod) {
      const killResults = await killer.killPod(pod, toRunningPod(podStatus), undefined, signal);
      results.push(...killResults);
      if (killResults.some((r) => r.error !== undefined)) return done();
      if (actions.createSandbox) await purgeInitContainers(pod, podStatus, signal);
    } else {
      for (const kill of actions.containersToKill) {
        try {
          await killer.killContainer({
            pod,
            containerId: kill.containerId,
            containerName: kill.name,
            message: kill.message,
            reason: kill.reason,
            ...(signal !== undefined ? { signal } : {}),
          });
          results.push({ action: "KillContainer", target: kill.name });
        } catch (err) {
          results.push({
            action: "KillContainer",
            target: kill.name,
            error: { reason: "KillContainerError", message: grpcErrorText(err), cause: err },
          });
          return done();
        }
      }
    }

    await pruneInitContainers(pod, podStatus, signal);

    let podIps = podStatus.ips;
    let podSandboxId = actions.sandboxId;
    if (actions.createSandbox) {
      const created = await createPodSandbox(pod, actions.attempt, signal);
      if ("message" in created) {
        results.push({
          action: "CreatePodSandbox",
          target: podDesc(pod),
          error: { reason: "CreatePodSandboxError", message: created.message, cause: created.error },
        });
        ctx.emit(
          "Warning",
          "FailedCreatePodSandBox",
          ref,
          `Failed to create pod sandbox: ${grpcErrorText(created.error)}`,
        );
        return done();
      }
      results.push({ action: "CreatePodSandbox", target: podDesc(pod) });
      podSandboxId = created.id;
      try {
        const { status } = await ctx.runtime.podSandboxStatus({ podSandboxId }, { signal });
        if (status === undefined) return done(new Error("pod sandbox status is nil"));
        if (pod.spec?.hostNetwork !== true) podIps = toRuntimeSandbox(status).ips;
      } catch (err) {
        return done(err);
      }
    }

    let sandboxConfig: PodSandboxConfig;
    try {
      sandboxConfig = generatePodSandboxConfig(pod, actions.attempt, sandboxContext());
      results.push({ action: "ConfigPodSandbox", target: podSandboxId });
    } catch (err) {
      results.push({
        action: "ConfigPodSandbox",
        target: podSandboxId,
        error: {
          reason: "ConfigPodSandboxError",
          message: `GeneratePodSandboxConfig for pod "${podDesc(pod)}" failed: ${(err as Error).message}`,
          cause: err,
        },
      });
      return done();
    }

    /** Starts one container under CrashLoopBackOff; true on success. */
    const start = async (container: V1Container): Promise<boolean> => {
      const backoff = checkCrashLoopBackoff(pod, container, podStatus, ctx.crashLoop);
      if (backoff.inBackoff) {
        ctx.emit("Warning", "BackOff", ref, backoff.eventMessage, container.name);
        results.push({
          action: "StartContainer",
          target: container.name,
          error: { reason: "CrashLoopBackOff", message: backoff.message, retryAtMs: backoff.retryAtMs },
        });
        return false;
      }
      const outcome = await startContainer({
        pod,
        container,
        podStatus,
        podSandboxId,
        sandboxConfig,
        podIps,
        pullSecrets: options.pullSecrets ?? [],
        ...(signal !== undefined ? { signal } : {}),
      });
      if (outcome.ok) {
        results.push({ action: "StartContainer", target: container.name });
        return true;
      }
      results.push({
        action: "StartContainer",
        target: container.name,
        error: {
          reason: outcome.reason,
          message: outcome.message,
          ...(outcome.retryAtMs !== undefined ? { retryAtMs: outcome.retryAtMs } : {}),
        },
      });
      return false;
    };

    for (const index of actions.ephemeralContainersToStart) {
      const ephemeral = pod.spec?.ephemeralContainers?.[index];
      if (ephemeral !== undefined) await start(ephemeral as V1Container);
    }
    for (const index of actions.initContainersToStart) {
      const init = pod.spec?.initContainers?.[index];
      if (init === undefined) continue;
      if (!(await start(init)) && init.restartPolicy !== "Always") return done();
    }
    for (const index of actions.containersToStart) {
      const container = pod.spec?.containers[index];
      if (container !== undefined) await start(container);
    }
    return done();
  };
}
