import { randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PodStatusSnapshot, SecretLike } from "@kubelet-kit/core";
import { isKubeletKitError } from "@kubelet-kit/core";
import type { PodSandboxConfig } from "@kubelet-kit/cri-api";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { generateContainerConfig } from "./container-config.js";
import type { RuntimeContext } from "./context.js";
import { makeEnvironmentVariables } from "./env.js";
import type { createHookRunner } from "./hooks.js";
import type { ImageManager } from "./image-manager.js";
import type { createKiller } from "./kill.js";
import { findContainerStatus, podRefOf, pullPolicyOf, terminationMessagePathOf } from "./pod-spec.js";
import { restartCountFromLogDir } from "./restart-count.js";
import { containerLogsDirectory } from "./sandbox-config.js";

/** Outcome of starting one container; a failure's reason becomes the container's waiting reason. */
export type StartResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly retryAtMs?: number };

/** Everything `startContainer` needs about the pod and sandbox. */
export interface StartRequest {
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly podStatus: PodStatusSnapshot;
  readonly podSandboxId: string;
  readonly sandboxConfig: PodSandboxConfig;
  readonly podIps: readonly string[];
  readonly pullSecrets: readonly SecretLike[];
  readonly signal?: AbortSignal;
}

/** The CRI error text the kubelet shows (`grpcstatus.FromError(err).Message()`). */
function statusMessage(err: unknown): string {
  if (isKubeletKitError(err)) return err.rawMessage;
  return err instanceof Error ? err.message : String(err);
}

/** Creates the termination-log file `<rootDir>/pods/<uid>/containers/<name>/<8 hex>` (mode 0666). */
async function createTerminationLog(
  ctx: RuntimeContext,
  podUid: string,
  containerName: string,
): Promise<string | undefined> {
  const dir = join(ctx.rootDir, "pods", podUid, "containers", containerName);
  const path = join(dir, randomBytes(4).toString("hex"));
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await writeFile(path, "");
    await chmod(path, 0o666);
    return path;
  } catch (err) {
    ctx.logger.error({ err, path }, "error on creating termination-log file");
    return undefined;
  }
}

/**
 * `startContainer`: ensure the image, pick the restart count (previous instance + 1, else from the log
 * directory), build the config (env, mounts, termination-log file), create and start the container with
 * `Created`/`Started` events, then run the postStart hook; a failing hook kills the container
 * (`PostStartHookError`).
 */
export function createContainerStarter(
  ctx: RuntimeContext,
  images: ImageManager,
  hooks: ReturnType<typeof createHookRunner>,
  killer: ReturnType<typeof createKiller>,
) {
  return async (request: StartRequest): Promise<StartResult> => {
    const { pod, container, signal } = request;
    const ref = podRefOf(pod);
    const failed = (reason: string, message: string, eventMessage: string): StartResult => {
      ctx.emit("Warning", "Failed", ref, `Error: ${eventMessage}`, container.name);
      return { ok: false, reason, message };
    };

    const image = await images.ensureImageExists({
      pod: ref,
      podAnnotations: pod.metadata?.annotations ?? {},
      containerName: container.name,
      image: container.image ?? "",
      pullPolicy: pullPolicyOf(container),
      pullSecrets: request.pullSecrets,
      sandboxConfig: request.sandboxConfig,
      ...(signal !== undefined ? { signal } : {}),
    });
    if (!image.ok) {
      ctx.emit("Warning", "Failed", ref, `Error: ${image.reason}`, container.name);
      return {
        ok: false,
        reason: image.reason,
        message: image.message,
        ...(image.retryAtMs !== undefined ? { retryAtMs: image.retryAtMs } : {}),
      };
    }

    const logDir = containerLogsDirectory(ctx.podLogsDir, ref, container.name);
    const previous = findContainerStatus(request.podStatus, container.name);
    let restartCount = 0;
    if (previous !== undefined) {
      restartCount = previous.restartCount + 1;
    } else {
      try {
        restartCount = await restartCountFromLogDir(logDir);
      } catch (err) {
        ctx.logger.info({ err, logDir }, "Cannot calculate restartCount from the log directory");
      }
    }

    let config: ReturnType<typeof generateContainerConfig>;
    try {
      const envs = makeEnvironmentVariables(pod, container, { podIps: request.podIps, nodeIps: ctx.nodeIps });
      try {
        await mkdir(logDir, { recursive: true, mode: 0o755 });
      } catch (err) {
        throw new Error(
          `create container log directory for container ${container.name} failed: ${(err as Error).message}`,
        );
      }
      const terminationLogHostPath =
        terminationMessagePathOf(container) === ""
          ? undefined
          : await createTerminationLog(ctx, ref.uid, container.name);
      config = generateContainerConfig(pod, container, {
        restartCount,
        imageRef: image.imageRef,
        envs,
        ...(ctx.volumes !== undefined ? { volumes: ctx.volumes.getMountedVolumesForPod(ref.uid) } : {}),
        ...(terminationLogHostPath !== undefined ? { terminationLogHostPath } : {}),
        cpuCfsQuota: ctx.cpuCfsQuota,
        seccompProfileRoot: join(ctx.rootDir, "seccomp"),
      });
    } catch (err) {
      const message = statusMessage(err);
      return failed("CreateContainerConfigError", message, message);
    }

    let containerId: string;
    try {
      ({ containerId } = await ctx.runtime.createContainer(
        { podSandboxId: request.podSandboxId, config, sandboxConfig: request.sandboxConfig },
        { signal },
      ));
    } catch (err) {
      const message = statusMessage(err);
      return failed("CreateContainerError", message, message);
    }
    ctx.emit("Normal", "Created", ref, `Created container: ${container.name}`, container.name);

    try {
      await ctx.runtime.startContainer({ containerId }, { signal });
    } catch (err) {
      const message = statusMessage(err).split(containerId).join(container.name);
      return failed("RunContainerError", statusMessage(err), message);
    }
    ctx.emit("Normal", "Started", ref, `Started container ${container.name}`, container.name);

    const postStart = container.lifecycle?.postStart;
    if (postStart !== undefined) {
      const result = await hooks.run({
        pod,
        container,
        containerId,
        handler: postStart,
        podIps: async () => request.podIps,
        ...(signal !== undefined ? { signal } : {}),
      });
      if (!result.ok) {
        ctx.logger.error(
          { err: result.error, pod: ref, container: container.name },
          "Failed to execute PostStartHook",
        );
        // The hook's message stays out of the event so secrets do not leak into the API.
        ctx.emit("Warning", "FailedPostStartHook", ref, "PostStartHook failed", container.name);
        try {
          await killer.killContainer({
            pod,
            containerId,
            containerName: container.name,
            message: "FailedPostStartHook",
            reason: "FailedPostStartHook",
            ...(signal !== undefined ? { signal } : {}),
          });
        } catch (err) {
          ctx.logger.error({ err, containerId }, "Failed to kill container");
        }
        return { ok: false, reason: "PostStartHookError", message: result.message };
      }
    }
    return { ok: true };
  };
}
