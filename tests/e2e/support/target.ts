/**
 * What a pod lifecycle scenario runs against: a CRI runtime with an agent on top, and a way to let time
 * pass. The fake target moves a fake clock (deterministic, instant); the containerd target polls in real
 * time with a bound.
 */

import type { Clock } from "@kubelet-kit/core";
import type { RuntimeServiceClient } from "@kubelet-kit/cri-client";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { CriRecorder } from "./cri-recorder.js";

/** The directories one agent works in (fresh per scenario). */
export interface AgentDirs {
  /** `staticPodPath`. */
  readonly manifests: string;
  /** `podLogsDir`. */
  readonly podLogs: string;
  /** `--root-dir`. */
  readonly root: string;
}

export interface AgentOptions {
  readonly nodeName: string;
  readonly dirs: AgentDirs;
  /**
   * How often the agent's container garbage collection runs (`createMinimalKubelet`'s
   * `containerGcPeriodMs`). In-process agents only: the CLI has no flag for it. Default: 60 000 ms.
   */
  readonly containerGcPeriodMs?: number;
}

/** A pod the agent knows, with its latest status. */
export interface AgentPod {
  readonly pod: V1Pod;
  readonly status: V1PodStatus | undefined;
}

/** A problem a pod source reported. */
export interface AgentSourceError {
  readonly file?: string;
  readonly message: string;
}

/**
 * An event an agent recorded, as the kubelet would record it on the pod or container: from the prober
 * (`Warning Unhealthy Readiness probe failed: …`) or from the runtime manager (`Normal Killing Container app
 * failed liveness probe, will be restarted`).
 */
export interface AgentEvent {
  /** `prober` (the agent's `probeEvent`) or `runtime` (its `runtimeEvent`). */
  readonly source: "prober" | "runtime";
  readonly type: "Normal" | "Warning";
  /** E.g. `Unhealthy`, `ProbeWarning`, `Killing`, `Started`. */
  readonly reason: string;
  readonly message: string;
  /** The pod's name (`<name>-<nodeName>` for static pods). */
  readonly pod: string;
  /** The container the event is about; absent for pod events. */
  readonly container?: string;
  /** Prober events only: the CRI ID of the probed container instance. */
  readonly containerId?: string;
  /** Prober events only: the probe type. */
  readonly probe?: "liveness" | "readiness" | "startup";
  /** When it happened, ms since the epoch, on the target's clock. */
  readonly atMs: number;
}

/** A running node agent, as the scenarios observe it. */
export interface E2eAgent {
  readonly nodeName: string;
  /** Every pod the agent knows (static pods are named `<name>-<nodeName>`), with its latest status. */
  pods(): readonly AgentPod[];
  /** Every status the agent reported for pods named `<name>-<nodeName>`, oldest first. */
  history(name: string): readonly V1PodStatus[];
  sourceErrors(): readonly AgentSourceError[];
  /**
   * Every probe and runtime event so far, oldest first. In-process agents only: the CLI agent throws (it
   * prints probe events as warnings but not runtime events, so a list from it would silently be partial).
   */
  events(): readonly AgentEvent[];
  /** Stops it the way the kubelet shuts down: loops end, pods keep running. */
  stop(): Promise<void>;
  /**
   * Ends it without any shutdown: SIGKILL for an agent process; for an in-process agent, its loops are
   * stopped and it is dropped (nothing is cleaned up either way).
   */
  kill(): Promise<void>;
}

export interface E2eTarget {
  readonly kind: "fake" | "containerd";
  /** The prefix of container IDs in API statuses (`<runtimeType>://<id>`). */
  readonly runtimeType: string;
  /** The clock the agents run on. */
  readonly clock: Clock;
  /** A CRI client for inspecting the runtime (its calls are not recorded). */
  readonly runtime: RuntimeServiceClient;
  /** The calls the in-process agents made. */
  readonly recorder: CriRecorder;
  /** IPv4 subnet (`a.b.c.d/n`) pod-network sandboxes get their address from. */
  readonly podSubnet: string;
  /** The node IPs agents are given (`status.hostIP`). */
  readonly nodeIps: readonly string[];
  /** Fresh directories for an agent; removed by {@link close}. */
  newDirs(): Promise<AgentDirs>;
  /** Starts an agent in this process (`createMinimalKubelet` over the target's runtime and clock). */
  startAgent(options: AgentOptions): Promise<E2eAgent>;
  /**
   * Starts an agent that {@link E2eAgent.kill} can kill like a crashed kubelet: on containerd the real
   * `minimal-kubelet` CLI in a child process; on the fake an in-process agent (the fake lives in this process).
   */
  startKillableAgent(options: AgentOptions): Promise<E2eAgent>;
  /**
   * Lets time pass until `condition` holds, for at most `limitMs` of the target's time; throws naming
   * `description` when it does not. The fake advances its clock timer by timer; containerd polls.
   */
  waitFor(description: string, condition: () => boolean | Promise<boolean>, limitMs: number): Promise<void>;
  /** Lets `ms` of the target's time pass. */
  pass(ms: number): Promise<void>;
  /** Makes the runtime unavailable for a moment and brings it back with its state (containers keep running). */
  restartRuntime(): Promise<void>;
  /** Stops the agents, removes every sandbox of the scenarios' namespace and the directories, closes clients. */
  close(): Promise<void>;
}
