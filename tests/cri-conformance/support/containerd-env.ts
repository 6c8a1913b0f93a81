/**
 * Where the real containerd of the `containerd` test project is. `scripts/containerd/run-suite.sh`
 * (`pnpm test:containerd`) starts a private containerd and sets these variables; the suite must fail,
 * never skip, when they are missing.
 */

/** The CRI endpoint (`unix:///…/containerd.sock`) from `KUBELET_KIT_CONTAINERD_ENDPOINT`. Throws if unset. */
export function containerdEndpoint(): string {
  const endpoint = process.env.KUBELET_KIT_CONTAINERD_ENDPOINT?.trim();
  if (!endpoint) {
    throw new Error(
      "KUBELET_KIT_CONTAINERD_ENDPOINT is not set: the containerd suite needs a running containerd. " +
        "Run it with `pnpm test:containerd` (scripts/containerd/run-suite.sh starts a private containerd " +
        "and sets it), or start one with scripts/containerd/start.sh and export the endpoint it prints.",
    );
  }
  return endpoint;
}

/** The private containerd's state directory (`KUBELET_KIT_CONTAINERD_STATE`), if the script set it. */
export function containerdStateDir(): string | undefined {
  const dir = process.env.KUBELET_KIT_CONTAINERD_STATE?.trim();
  return dir ? dir : undefined;
}
