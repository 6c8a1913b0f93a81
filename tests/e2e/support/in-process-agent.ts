/** An in-process agent: the example's `createMinimalKubelet`, observed through its events. */

import type { Clock } from "@kubelet-kit/core";
import { type CriServices, createMinimalKubelet } from "@kubelet-kit/example-minimal-kubelet/agent";
import type { V1PodStatus } from "@kubernetes/client-node";
import type { AgentEvent, AgentOptions, AgentSourceError, E2eAgent } from "./target.js";

export interface InProcessAgentOptions extends AgentOptions {
  readonly cri: CriServices;
  readonly clock: Clock;
  readonly nodeIps: readonly string[];
  /** Re-read the manifest directory on filesystem events (off on the fake clock: events arrive in real time). */
  readonly watchManifests: boolean;
}

export async function startInProcessAgent(options: InProcessAgentOptions): Promise<E2eAgent> {
  const { nodeName, dirs } = options;
  const agent = createMinimalKubelet({
    nodeName,
    cri: options.cri,
    clock: options.clock,
    staticPodPath: dirs.manifests,
    watchManifests: options.watchManifests,
    podLogsDir: dirs.podLogs,
    rootDir: dirs.root,
    nodeIps: options.nodeIps,
    containerGcPeriodMs: options.containerGcPeriodMs,
    // No resync jitter: the fake target's timings are exact, containerd's as short as they can be.
    random: () => 0,
  });
  const histories = new Map<string, V1PodStatus[]>();
  const errors: AgentSourceError[] = [];
  agent.on("podStatus", ({ pod, status }) => {
    const name = pod.metadata?.name ?? "";
    const seen = histories.get(name) ?? [];
    seen.push(status);
    histories.set(name, seen);
  });
  agent.on("sourceError", ({ file, message }) => {
    errors.push(file !== undefined ? { file, message } : { message });
  });
  const events: AgentEvent[] = [];
  agent.on("probeEvent", (e) => {
    events.push({
      source: "prober",
      type: e.type,
      reason: e.reason,
      message: e.message,
      pod: e.pod.name,
      container: e.container,
      containerId: e.containerId,
      probe: e.kind,
      atMs: e.atMs,
    });
  });
  agent.on("runtimeEvent", (e) => {
    events.push({
      source: "runtime",
      type: e.type,
      reason: e.reason,
      message: e.message,
      pod: e.pod.name,
      ...(e.container !== undefined ? { container: e.container } : {}),
      atMs: e.atMs,
    });
  });
  await agent.start();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= agent.stop();
    return stopped;
  };
  return {
    nodeName,
    pods: () => agent.pods(),
    history: (name) => histories.get(`${name}-${nodeName}`) ?? [],
    sourceErrors: () => errors,
    events: () => events,
    stop,
    kill: stop,
  };
}
