import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerGcPolicy, GarbageCollectOptions } from "@kubelet-kit/core";
import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import type { RuntimeContext } from "./context.js";
import type { createKiller } from "./kill.js";
import { containerInfoFromLabels } from "./labels.js";

interface GcContainer {
  readonly id: string;
  readonly name: string;
  readonly createdAt: bigint;
  readonly unknown: boolean;
}

interface GcSandbox {
  readonly id: string;
  readonly createdAt: bigint;
  readonly active: boolean;
}

const newestFirst = (a: { createdAt: bigint }, b: { createdAt: bigint }): number =>
  a.createdAt === b.createdAt ? 0 : a.createdAt > b.createdAt ? -1 : 1;

/**
 * Container garbage collection (`pkg/kubelet/kuberuntime/kuberuntime_gc.go`): exited containers older than
 * `minAgeMs`, grouped per (pod UID, container name); all of a pod whose content should be removed go (once
 * all sources are ready); then at most `maxPerPodContainer` per group and `maxContainers` overall remain,
 * oldest removed first. Sandboxes that are not ready and hold no containers are removed, except the newest
 * of a pod that still exists. Pod log directories of removed pods are deleted. Errors are collected and the
 * first one is thrown after every step ran.
 */
export function createGarbageCollector(ctx: RuntimeContext, killer: ReturnType<typeof createKiller>) {
  const removeContainer = async (container: GcContainer, signal: AbortSignal | undefined): Promise<void> => {
    try {
      if (container.unknown) {
        await killer.killContainer({
          containerId: container.id,
          containerName: container.name,
          message: "Container is in unknown state, try killing it before removal",
          reason: "Unknown",
          ...(signal !== undefined ? { signal } : {}),
        });
      }
      await ctx.runtime.removeContainer({ containerId: container.id }, { signal });
    } catch (err) {
      ctx.logger.error({ err, containerId: container.id }, "Failed to remove container");
    }
  };

  /** Removes the oldest `count` of a newest-first list; returns what is kept. */
  const removeOldest = async (
    list: GcContainer[],
    count: number,
    signal?: AbortSignal,
  ): Promise<GcContainer[]> => {
    const keep = list.length - count;
    for (let i = list.length - 1; i >= Math.max(keep, 0); i--) {
      const container = list[i];
      if (container !== undefined) await removeContainer(container, signal);
    }
    return list.slice(0, Math.max(keep, 0));
  };

  const evictContainers = async (policy: ContainerGcPolicy, options: GarbageCollectOptions) => {
    const { signal } = options;
    const { containers } = await ctx.runtime.listContainers({ filter: {} }, { signal });
    const newestAllowed = BigInt(ctx.clock.now() - policy.minAgeMs) * 1_000_000n;
    const units = new Map<string, { uid: string; list: GcContainer[] }>();
    for (const c of containers) {
      if (c.state === ContainerState.CONTAINER_RUNNING || c.createdAt > newestAllowed) continue;
      const uid = containerInfoFromLabels(c.labels).podUid;
      const name = c.metadata?.name ?? "";
      const key = JSON.stringify([uid, name]);
      const unit = units.get(key) ?? { uid, list: [] };
      unit.list.push({
        id: c.id,
        name,
        createdAt: c.createdAt,
        unknown: c.state === ContainerState.CONTAINER_UNKNOWN,
      });
      units.set(key, unit);
    }
    for (const unit of units.values()) unit.list.sort(newestFirst);
    if (options.allSourcesReady === true && options.podState !== undefined) {
      for (const [key, unit] of units) {
        const podState = options.podState;
        if (
          podState.shouldPodContentBeRemoved(unit.uid) ||
          (options.evictNonDeletedPods === true && podState.shouldPodRuntimeBeRemoved(unit.uid))
        ) {
          await removeOldest(unit.list, unit.list.length, signal);
          units.delete(key);
        }
      }
    }
    const enforcePerUnit = async (max: number) => {
      for (const unit of units.values()) {
        if (unit.list.length > max) unit.list = await removeOldest(unit.list, unit.list.length - max, signal);
      }
    };
    if (policy.maxPerPodContainer >= 0) await enforcePerUnit(policy.maxPerPodContainer);
    const total = () => [...units.values()].reduce((n, u) => n + u.list.length, 0);
    if (policy.maxContainers >= 0 && total() > policy.maxContainers) {
      await enforcePerUnit(Math.max(1, Math.floor(policy.maxContainers / units.size)));
      const remaining = total();
      if (remaining > policy.maxContainers) {
        const flattened = [...units.values()].flatMap((u) => u.list).sort(newestFirst);
        await removeOldest(flattened, remaining - policy.maxContainers, signal);
      }
    }
  };

  const evictSandboxes = async (options: GarbageCollectOptions) => {
    const { signal } = options;
    const { containers } = await ctx.runtime.listContainers({ filter: {} }, { signal });
    const { items } = await ctx.runtime.listPodSandbox({ filter: {} }, { signal });
    const withContainers = new Set(containers.map((c) => c.podSandboxId));
    const byPod = new Map<string, GcSandbox[]>();
    for (const sandbox of items) {
      const uid = sandbox.metadata?.uid ?? "";
      const list = byPod.get(uid) ?? [];
      list.push({
        id: sandbox.id,
        createdAt: sandbox.createdAt,
        active: sandbox.state === PodSandboxState.SANDBOX_READY || withContainers.has(sandbox.id),
      });
      byPod.set(uid, list);
    }
    for (const [uid, list] of byPod) {
      list.sort(newestFirst);
      const podState = options.podState;
      const gone =
        podState !== undefined &&
        (podState.shouldPodContentBeRemoved(uid) ||
          (options.evictNonDeletedPods === true && podState.shouldPodRuntimeBeRemoved(uid)));
      for (const sandbox of gone ? list : list.slice(1)) {
        if (sandbox.active) continue;
        try {
          await ctx.runtime.stopPodSandbox({ podSandboxId: sandbox.id }, { signal });
          await ctx.runtime.removePodSandbox({ podSandboxId: sandbox.id }, { signal });
        } catch (err) {
          ctx.logger.error({ err, podSandboxId: sandbox.id }, "Failed to remove sandbox");
        }
      }
    }
  };

  const evictPodLogDirectories = async (options: GarbageCollectOptions) => {
    if (options.allSourcesReady !== true || options.podState === undefined) return;
    let names: string[];
    try {
      names = await readdir(ctx.podLogsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new Error(`failed to read podLogsDirectory "${ctx.podLogsDir}": ${(err as Error).message}`);
    }
    for (const name of names) {
      const uid = name.split("_").at(-1) ?? name;
      if (!options.podState.shouldPodContentBeRemoved(uid)) continue;
      await rm(join(ctx.podLogsDir, name), { recursive: true, force: true });
    }
  };

  return async function garbageCollect(
    policy: ContainerGcPolicy,
    options: GarbageCollectOptions = {},
  ): Promise<void> {
    const errors: unknown[] = [];
    for (const step of [
      () => evictContainers(policy, options),
      () => evictSandboxes(options),
      () => evictPodLogDirectories(options),
    ]) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
}
