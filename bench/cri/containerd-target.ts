import { createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import type { BenchPlan } from "./plan.js";
import { depopulate, type Population, populate } from "./populate.js";

/** A real containerd, populated with the benchmark's containers. */
export interface ContainerdTarget {
  readonly endpoint: string;
  /** `containerd 1.6.20~ds1`, as its Version answers. */
  readonly runtime: string;
  readonly population: Population;
  /** Removes the benchmark's containers and sandboxes. */
  cleanUp(): Promise<{ removed: number; errors: string[]; elapsedMs: number }>;
}

/** Options of {@link prepareContainerd}. */
export interface PrepareContainerdOptions {
  readonly endpoint: string;
  /** Must already be in containerd's `k8s.io` namespace: nothing is pulled. */
  readonly image: string;
  readonly plan: BenchPlan;
  readonly logDirectory: string;
  readonly progress: (line: string) => void;
}

/**
 * Checks containerd answers and has the image, then creates (without starting) as many containers as
 * `plan.containerdContainers`, or as many as fit in `plan.containerdCreateBudgetMs`.
 */
export async function prepareContainerd(options: PrepareContainerdOptions): Promise<ContainerdTarget> {
  const { endpoint, image, plan, progress } = options;
  const runtime = createRuntimeService({ endpoint, timeoutMs: 60_000 });
  const images = createImageService({ endpoint, timeoutMs: 10_000 });
  try {
    const version = await runtime.version({ version: "v1" }, { timeoutMs: 5_000 }).catch((err: unknown) => {
      throw new Error(
        `cannot reach containerd at ${endpoint}: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    const status = await images.imageStatus({ image: { image } });
    if (status.image === undefined) {
      throw new Error(
        `image ${image} is not in containerd at ${endpoint} (scripts/containerd/start.sh imports it)`,
      );
    }
    progress(
      `containerd: creating up to ${plan.containerdContainers} containers in ${plan.containerdSandboxes} sandboxes ` +
        `(budget ${plan.containerdCreateBudgetMs / 1000} s)`,
    );
    const population = await populate({
      runtime,
      image,
      containers: plan.containerdContainers,
      sandboxes: plan.containerdSandboxes,
      budgetMs: plan.containerdCreateBudgetMs,
      concurrency: 8,
      logDirectory: options.logDirectory,
    });
    const rate = (population.containerIds.length * 1000) / population.createMs;
    progress(
      `containerd: created ${population.containerIds.length} containers in ${(population.createMs / 1000).toFixed(1)} s ` +
        `(${rate.toFixed(0)}/s)`,
    );
    return {
      endpoint,
      runtime: `${version.runtimeName} ${version.runtimeVersion}`,
      population,
      async cleanUp() {
        const start = performance.now();
        const result = await depopulate(runtime, population);
        runtime.close();
        images.close();
        return { ...result, elapsedMs: performance.now() - start };
      },
    };
  } catch (err) {
    runtime.close();
    images.close();
    throw err;
  }
}
