/**
 * The pod lifecycle scenarios, registered once per target. Each scenario gets a fresh target (a new fake
 * runtime and clock, or new clients on the shared containerd) and closes it afterwards, which stops its
 * agents and removes every pod it ran.
 */

import { afterEach, beforeEach, describe } from "vitest";
import type { E2eTarget } from "../support/target.js";
import { agentRestartScenarios } from "./agent-restart.js";
import { badManifestScenarios } from "./bad-manifests.js";
import { imagePullScenarios } from "./image-pull.js";
import { initContainerScenarios } from "./init-containers.js";
import { manifestChangeScenarios } from "./manifest-changes.js";
import { probeScenarios } from "./probes.js";
import { restartPolicyScenarios } from "./restart-policies.js";
import { runningPodScenarios } from "./running-pod.js";
import { runtimeRestartScenarios } from "./runtime-restart.js";

/** What the scenario groups share. `target` throws outside tests (and when setup failed). */
export interface Suite {
  readonly target: E2eTarget;
  /** Budget of one scenario, in real ms (vitest's timeout). */
  readonly timeoutMs: number;
}

export interface SuiteOptions {
  /** Creates the target; throwing fails every scenario. */
  setup: () => Promise<E2eTarget>;
  /** Budget of one scenario, in real ms. */
  timeoutMs: number;
}

/** Registers every pod lifecycle scenario under `describe(name)`. */
export function definePodLifecycleScenarios(name: string, options: SuiteOptions): void {
  describe(name, () => {
    let target: E2eTarget | undefined;
    // A throwing beforeEach fails its test, so a target that cannot be set up fails every scenario.
    beforeEach(async () => {
      target = await options.setup();
    }, options.timeoutMs);
    afterEach(async () => {
      const closing = target;
      target = undefined;
      await closing?.close();
    }, options.timeoutMs);

    const suite: Suite = {
      get target(): E2eTarget {
        if (target === undefined) throw new Error("the e2e target is not set up (use it inside tests only)");
        return target;
      },
      timeoutMs: options.timeoutMs,
    };
    runningPodScenarios(suite);
    manifestChangeScenarios(suite);
    restartPolicyScenarios(suite);
    initContainerScenarios(suite);
    imagePullScenarios(suite);
    agentRestartScenarios(suite);
    runtimeRestartScenarios(suite);
    badManifestScenarios(suite);
    probeScenarios(suite);
  });
}

/** The node name every scenario's agent runs as. */
export const NODE_NAME = "e2e-node";
