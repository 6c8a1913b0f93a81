import { randomUUID } from "node:crypto";
import { NamespaceMode } from "@kubelet-kit/cri-api";
import type { ContainerManager, PodSandboxManager } from "@kubelet-kit/cri-client";

/** What populating a runtime needs of its client. */
export type PopulateRuntime = Pick<
  PodSandboxManager,
  "runPodSandbox" | "stopPodSandbox" | "removePodSandbox"
> &
  Pick<ContainerManager, "createContainer" | "removeContainer">;

/** Options of {@link populate}. */
export interface PopulateOptions {
  readonly runtime: PopulateRuntime;
  readonly image: string;
  /** Containers to create (created, not started). */
  readonly containers: number;
  /** Sandboxes the containers are spread over, round robin. */
  readonly sandboxes: number;
  /** Stop creating containers after this long, in ms (sandboxes are always all created). Default: no limit. */
  readonly budgetMs?: number;
  /** Creations in flight. Default 8. */
  readonly concurrency?: number;
  /** The sandboxes' log directory. */
  readonly logDirectory: string;
}

/** What {@link populate} created; hand it to {@link depopulate}. */
export interface Population {
  readonly sandboxIds: string[];
  readonly containerIds: string[];
  /** Time spent creating containers, sandboxes excluded. */
  readonly createMs: number;
}

/**
 * Creates host-network sandboxes and containers shaped like the kubelet's (its labels and annotations), so
 * a `ListContainers` response has a realistic size. Names are unique per run, so it never collides with a
 * runtime's other pods.
 */
export async function populate(options: PopulateOptions): Promise<Population> {
  const { runtime, image, logDirectory } = options;
  const run = randomUUID().slice(0, 8);
  const namespace = "kubelet-kit-bench";
  const sandboxes: Array<{ id: string; config: ReturnType<typeof sandboxConfig> }> = [];
  const sandboxIds: string[] = [];
  const containerIds: string[] = [];
  try {
    for (let s = 0; s < options.sandboxes; s++) {
      const config = sandboxConfig(`bench-${run}-${s}`, namespace, logDirectory);
      const { podSandboxId } = await runtime.runPodSandbox({ config });
      sandboxes.push({ id: podSandboxId, config });
      sandboxIds.push(podSandboxId);
    }

    const start = performance.now();
    const deadline = start + (options.budgetMs ?? Number.POSITIVE_INFINITY);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < options.containers && !failed && performance.now() < deadline; i = next++) {
        const sandbox = sandboxes[i % sandboxes.length];
        if (sandbox === undefined) return;
        const { containerId } = await runtime.createContainer({
          podSandboxId: sandbox.id,
          sandboxConfig: sandbox.config,
          config: containerConfig(`c${i}`, i, image, sandbox.config.metadata),
        });
        containerIds.push(containerId);
      }
    };
    const workers = Array.from({ length: options.concurrency ?? 8 }, () =>
      worker().catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    );
    // Settle every worker first, so nothing is still being created while the catch below cleans up.
    const failure = (await Promise.allSettled(workers)).find((result) => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    return { sandboxIds, containerIds, createMs: performance.now() - start };
  } catch (err) {
    // Leave nothing behind in a runtime someone else may be using.
    await depopulate(runtime, { sandboxIds, containerIds, createMs: 0 });
    throw err;
  }
}

/** Removes what {@link populate} created: containers first, then sandboxes. Errors are collected, not thrown. */
export async function depopulate(
  runtime: PopulateRuntime,
  population: Population,
  concurrency = 8,
): Promise<{ removed: number; errors: string[] }> {
  const errors: string[] = [];
  let removed = 0;
  let next = 0;
  const ids = population.containerIds;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < ids.length; i = next++) {
      const containerId = ids[i];
      if (containerId === undefined) continue;
      try {
        await runtime.removeContainer({ containerId });
        removed++;
      } catch (err) {
        errors.push(`remove container ${containerId}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const podSandboxId of population.sandboxIds) {
    try {
      await runtime.stopPodSandbox({ podSandboxId });
      await runtime.removePodSandbox({ podSandboxId });
    } catch (err) {
      errors.push(`remove sandbox ${podSandboxId}: ${String(err)}`);
    }
  }
  return { removed, errors };
}

function sandboxConfig(name: string, namespace: string, logDirectory: string) {
  const uid = randomUUID();
  return {
    metadata: { name, namespace, uid, attempt: 0 },
    logDirectory,
    labels: {
      "io.kubernetes.pod.name": name,
      "io.kubernetes.pod.namespace": namespace,
      "io.kubernetes.pod.uid": uid,
    },
    // Host network: no CNI configuration is needed on the runtime's side. No hostname, as the kubelet sets
    // none for host-network pods (runc refuses to set one without a private UTS namespace).
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  };
}

/** A container config as the kubelet writes it: its labels and annotations make the listed size realistic. */
function containerConfig(
  name: string,
  index: number,
  image: string,
  pod: { name: string; namespace: string; uid: string },
) {
  return {
    metadata: { name, attempt: 0 },
    image: { image },
    command: ["sleep", "3600"],
    logPath: `${name}/0.log`,
    labels: {
      "io.kubernetes.container.name": name,
      "io.kubernetes.pod.name": pod.name,
      "io.kubernetes.pod.namespace": pod.namespace,
      "io.kubernetes.pod.uid": pod.uid,
    },
    annotations: {
      "io.kubernetes.container.hash": (0x10000000 + index).toString(16),
      "io.kubernetes.container.restartCount": "0",
      "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
      "io.kubernetes.container.terminationMessagePolicy": "File",
      "io.kubernetes.pod.terminationGracePeriod": "30",
    },
  };
}
