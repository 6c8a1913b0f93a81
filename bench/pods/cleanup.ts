import { isKubeletKitError } from "@kubelet-kit/core";
import type { RuntimeServiceClient } from "@kubelet-kit/cri-client";

/** Sandboxes removed at once; containerd tears each down (CNI, pause container) in a few hundred ms. */
const CLEANUP_CONCURRENCY = 8;

/**
 * Stops and removes every sandbox whose pod is in `namespace` (containerd removes a sandbox's containers
 * with it). Returns how many were removed. Sandboxes already gone count as removed.
 */
export async function removeNamespaceSandboxes(
  runtime: RuntimeServiceClient,
  namespace: string,
): Promise<number> {
  const { items } = await runtime.listPodSandbox({
    filter: { labelSelector: { "io.kubernetes.pod.namespace": namespace } },
  });
  const ids = items.map((sandbox) => sandbox.id);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const podSandboxId = ids[next++] ?? "";
      await ignoreNotFound(runtime.stopPodSandbox({ podSandboxId }));
      await ignoreNotFound(runtime.removePodSandbox({ podSandboxId }));
    }
  };
  await Promise.all(Array.from({ length: CLEANUP_CONCURRENCY }, worker));
  return ids.length;
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isKubeletKitError(err, "NotFound")) throw err;
  }
}
