// The pod lifecycle scenarios on the example's fake runtime and a fake clock: deterministic and fast
// (`pnpm test`, vitest project `e2e-fake`).

import { definePodLifecycleScenarios } from "../scenarios/suite.js";
import { createFakeTarget } from "../support/fake-target.js";

definePodLifecycleScenarios("pod lifecycle on the fake runtime", {
  setup: createFakeTarget,
  timeoutMs: 60_000,
});
