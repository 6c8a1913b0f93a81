import type { Clock, Logger } from "@kubelet-kit/core";
import type { ContainerBehaviourRule } from "./behaviour.js";
import type { ContainerEvents } from "./container-events.js";
import type { ContainerStore } from "./container-store.js";
import type { ImageStore } from "./image-store.js";
import type { SandboxStore } from "./sandbox-store.js";

/** Everything the handlers share: stores, time, settings. Internal to `./testing`. */
export interface FakeState {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The clock's time in ns (ms precision): every created/started/finished time comes from here. */
  nowNs(): bigint;
  readonly sandboxes: SandboxStore;
  readonly containers: ContainerStore;
  readonly images: ImageStore;
  readonly events: ContainerEvents;
  readonly behaviours: readonly ContainerBehaviourRule[];
  readonly settings: FakeSettings;
  /** A fresh fake process id. */
  nextPid(): number;
}

/** Resolved, read-only settings the handlers consult. */
export interface FakeSettings {
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeHandlers: readonly string[];
  readonly sandboxImage: string;
  readonly containerEvents: boolean;
  readonly cgroupDriver: "systemd" | "cgroupfs" | undefined;
  readonly streamingBaseUrl: string;
  readonly imageFsMountpoint: string;
}

/** The clock's time in ns. */
export function clockNs(clock: Clock): bigint {
  return BigInt(Math.floor(clock.now())) * 1_000_000n;
}
