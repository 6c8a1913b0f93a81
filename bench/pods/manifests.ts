import { renameSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { V1Pod } from "@kubernetes/client-node";

/** What every benchmark pod looks like. */
export interface BenchPodSpec {
  readonly namespace: string;
  readonly image: string;
  /** `hostNetwork: true` (no CNI setup on containerd). */
  readonly hostNetwork: boolean;
}

/** `bench-0001`, `bench-0002`, …: sorted names, so the file source reads them in creation order. */
export function benchPodName(index: number): string {
  return `bench-${String(index + 1).padStart(4, "0")}`;
}

/**
 * A static pod with one busybox container that sleeps for ever (`sleep 2147483647`, as the pause image
 * does), `imagePullPolicy: IfNotPresent` so a `:latest` image is not pulled, and a 1 s grace period.
 */
export function benchPodManifest(name: string, spec: BenchPodSpec): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: spec.namespace, labels: { app: "kubelet-kit-bench-pods" } },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 1,
      ...(spec.hostNetwork ? { hostNetwork: true } : {}),
      containers: [
        {
          name: "sleep",
          image: spec.image,
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", "2147483647"],
        },
      ],
    },
  };
}

/** Writes `pods` manifests (JSON, one file per pod) into `stagingDir`; returns their file names. */
export async function stageManifests(
  stagingDir: string,
  pods: number,
  spec: BenchPodSpec,
): Promise<string[]> {
  await mkdir(stagingDir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < pods; i++) {
    const name = benchPodName(i);
    const file = `${name}.json`;
    await writeFile(join(stagingDir, file), `${JSON.stringify(benchPodManifest(name, spec))}\n`);
    names.push(file);
  }
  return names;
}

/**
 * Moves the staged files into the manifest directory (same filesystem: one rename each, so the agent never
 * reads a half-written file). Synchronous on purpose: this runs in the benchmark's process, not the
 * agent's, and finishes well within the file source's 100 ms watch debounce. Returns the time it took.
 */
export function moveManifests(stagingDir: string, manifestDir: string, files: readonly string[]): number {
  const startedAt = performance.now();
  for (const file of files) renameSync(join(stagingDir, file), join(manifestDir, file));
  return performance.now() - startedAt;
}
