// The pod lifecycle scenarios on the private containerd of scripts/containerd/ (`pnpm test:containerd`),
// with the real clock. Without KUBELET_KIT_CONTAINERD_ENDPOINT the setup throws, so every scenario fails
// rather than being skipped.

import { definePodLifecycleScenarios } from "../scenarios/suite.js";
import { createContainerdTarget } from "../support/containerd-target.js";

definePodLifecycleScenarios("pod lifecycle on containerd", {
  setup: createContainerdTarget,
  timeoutMs: 240_000,
});
