import { randomBytes } from "node:crypto";
import type { ImageServiceClient, RuntimeServiceClient } from "@kubelet-kit/cri-client";
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { containerScenarios } from "./scenarios/containers.js";
import { imageScenarios } from "./scenarios/images.js";
import { logAndStatsScenarios } from "./scenarios/logs-and-stats.js";
import { restartScenarios } from "./scenarios/restart.js";
import { runtimeScenarios } from "./scenarios/runtime.js";
import { sandboxScenarios } from "./scenarios/sandboxes.js";
import { startTestRegistry, type TestRegistry } from "./support/test-registry.js";
import { createWorkloads, type Workloads } from "./support/workloads.js";

/** A CRI runtime the scenarios run against, with the levers they need to pull on it. */
export interface CriTarget {
  readonly kind: "fake-memory" | "fake-socket" | "containerd";
  readonly runtime: RuntimeServiceClient;
  readonly images: ImageServiceClient;
  /** A temporary directory standing in for `/var/log/pods`: pod log directories are created under it. */
  readonly logRoot: string;
  /** A present image whose `sh`, `sleep` and `echo` behave as busybox's, e.g. `docker.io/library/busybox:latest`. */
  readonly busyboxImage: string;
  /** The runtime's sandbox (pause) image, e.g. `registry.k8s.io/pause:3.10`. */
  readonly sandboxImage: string;
  /** An image that is neither present nor pullable, e.g. `docker.io/library/does-not-exist:1`. */
  readonly missingImage: string;
  /** The IPv4 subnet (`a.b.c.d/n`) pod-network sandboxes get their address from. */
  readonly podSubnet: string;
  /** Stops the runtime, keeping its state; containers keep running (containerd's shims outlive it). */
  stopRuntime(): Promise<void>;
  /** Starts the runtime stopped by {@link stopRuntime} again on the same endpoint and state. */
  startRuntime(): Promise<void>;
  /** {@link stopRuntime}, then {@link startRuntime}. */
  restartRuntime(): Promise<void>;
  /** Closes the clients and releases whatever the target started. */
  close(): Promise<void>;
}

/** What the suite prepares before the target is set up. */
export interface CriTargetContext {
  /**
   * References served by the suite's loopback registry: a runtime that fetches (containerd) pulls them for
   * real; a fake must declare them pullable. `aliases` pairs tags that name the same image.
   */
  readonly pullableImages: readonly string[];
  readonly aliases: readonly (readonly [string, string])[];
}

/** Images of the loopback registry the image scenarios pull and remove; no other scenario uses them. */
export interface RegistryImages {
  /** Pulled, pulled again, removed by tag. */
  readonly pulled: string;
  /** Two tags of one image: `tagged[1]` is an alias of `tagged[0]`. */
  readonly tagged: readonly [string, string];
  /** Pulled, then removed by image id. */
  readonly byId: string;
  /** Under the registry's host, but the registry answers 404. */
  readonly missing: string;
}

/** What the scenario groups share. Getters throw outside tests and hooks (before the target is set up). */
export interface Suite {
  readonly target: CriTarget;
  readonly registryImages: RegistryImages;
  readonly workloads: Workloads;
}

/**
 * Registers the CRI scenarios under `describe(name)`. `setup` runs once before them (in `beforeAll`); if it
 * throws, every scenario fails with its error (none is skipped). The target is closed after them. Every
 * scenario stops and removes the sandboxes it ran in `afterEach`.
 */
export function defineCriConformance(
  name: string,
  setup: (context: CriTargetContext) => Promise<CriTarget>,
): void {
  describe(name, () => {
    let target: CriTarget | undefined;
    let registry: TestRegistry | undefined;
    let registryImages: RegistryImages | undefined;

    // A setup that throws fails every scenario with its error (a throwing beforeAll would only skip them).
    let setupError: unknown;
    const ready = <T>(value: T | undefined, what: string): T => {
      if (setupError !== undefined) throw setupError;
      if (value === undefined) throw new Error(`${what} is not set up (use it inside tests and hooks only)`);
      return value;
    };
    const workloads = createWorkloads({
      runtime: () => ready(target, "the CRI target").runtime,
      logRoot: () => ready(target, "the CRI target").logRoot,
      busyboxImage: () => ready(target, "the CRI target").busyboxImage,
    });
    const suite: Suite = {
      get target() {
        return ready(target, "the CRI target");
      },
      get registryImages() {
        return ready(registryImages, "the test registry");
      },
      workloads,
    };

    beforeAll(async () => {
      try {
        registry = await startTestRegistry();
        const run = randomBytes(4).toString("hex");
        const tagged = registry.image("tagged", run);
        registryImages = {
          pulled: registry.image("pulled", run),
          tagged: [tagged, registry.alias(tagged, `${run}-alias`)],
          byId: registry.image("by-id", run),
          missing: registry.missing("absent", run),
        };
        target = await setup({
          pullableImages: [registryImages.pulled, ...registryImages.tagged, registryImages.byId],
          aliases: [registryImages.tagged],
        });
      } catch (err) {
        setupError = err ?? new Error("the CRI target's setup failed");
      }
    });

    afterEach(async () => {
      if (target !== undefined) await workloads.cleanup();
    });

    afterAll(async () => {
      try {
        if (target !== undefined && registryImages !== undefined) {
          // Scenarios remove what they pull; this only matters when one failed half-way.
          const { pulled, tagged, byId } = registryImages;
          for (const image of [pulled, ...tagged, byId]) {
            await target.images.removeImage({ image: { image } }).catch(() => {});
          }
        }
      } finally {
        await target?.close();
        await registry?.close();
      }
    });

    runtimeScenarios(suite);
    imageScenarios(suite);
    sandboxScenarios(suite);
    containerScenarios(suite);
    logAndStatsScenarios(suite);
    restartScenarios(suite);
  });
}
