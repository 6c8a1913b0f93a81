// The embedded fake runtime minimal-kubelet runs on when no --container-runtime-endpoint is given: the fake
// CRI runtime of @kubelet-kit/cri-client/testing, in memory, set up for the bundled example manifests.

import { fileURLToPath } from "node:url";
import type { Clock, Logger } from "@kubelet-kit/core";
import { createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import {
  type ContainerBehaviourRule,
  createFakeRuntime,
  DEFAULT_SANDBOX_IMAGE,
  type FakeRuntime,
} from "@kubelet-kit/cri-client/testing";
import type { CriServices } from "./agent.js";

/** The bundled example manifests (web, job, crashloop, init-sidecar, probes). */
export const EXAMPLE_MANIFESTS_DIR = fileURLToPath(new URL("../manifests", import.meta.url));

/** The image the examples run; pullable on the fake (it is pulled on first use, like a fresh node). */
export const EXAMPLE_IMAGE = "docker.io/library/busybox:1.36";

/** Options of {@link createExampleFakeRuntime}. */
export interface ExampleFakeRuntimeOptions {
  /** The agent's clock: containers exit, back-offs and pulls all run on it. Required. */
  clock: Clock;
  /** Default: no-op. */
  logger?: Logger;
  /** How long pulling the example image takes. Default: 1 500 ms. */
  pullDelayMs?: number;
  /**
   * Behaviours of containers whose pod has no `kubelet-kit.dev/fake-behaviour.<container>` annotation (the
   * bundled manifests have one per container). Default: none; such containers run until stopped.
   */
  behaviours?: readonly ContainerBehaviourRule[];
  /**
   * IPv4 CIDR the fake allocates pod IPs from (the fake runtime's `podSubnet`: network + 2 first, as
   * containerd's bridge network). A loopback range such as "127.77.0.0/16" lets containers `listen` on real sockets, so
   * httpGet and tcpSocket probes reach them. Default: the fake runtime's, "10.88.0.0/16".
   */
  podSubnet?: string;
}

/** The fake runtime and CRI clients over its in-memory transport. */
export interface ExampleFakeRuntime {
  readonly fake: FakeRuntime;
  readonly cri: CriServices;
  close(): void;
}

/**
 * Creates the fake runtime minimal-kubelet uses without a real one: the sandbox image is present, the
 * example image is pullable (so the first start shows `ContainerCreating` and a `Pulled` event), and
 * containers follow their pod's fake-behaviour annotations, else `behaviours`.
 */
export function createExampleFakeRuntime(options: ExampleFakeRuntimeOptions): ExampleFakeRuntime {
  const fake = createFakeRuntime({
    clock: options.clock,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    images: [DEFAULT_SANDBOX_IMAGE],
    pullable: [DEFAULT_SANDBOX_IMAGE, EXAMPLE_IMAGE, "docker.io/library/busybox:latest"],
    pullDelayMs: options.pullDelayMs ?? 1_500,
    behaviours: options.behaviours ?? [],
    ...(options.podSubnet !== undefined ? { podSubnet: options.podSubnet } : {}),
  });
  const cri: CriServices = {
    runtimeService: createRuntimeService({ transport: fake.transport, clock: options.clock }),
    imageService: createImageService({ transport: fake.transport, clock: options.clock }),
  };
  return { fake, cri, close: () => fake.close() };
}
