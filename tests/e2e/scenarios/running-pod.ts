/** Scenario 1: a static pod manifest reaches Running, with the status and CRI objects a kubelet makes. */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ContainerState, PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import {
  bareId,
  containerStatus,
  currentPod,
  inSubnet,
  runtimeContainers,
  runtimeSandboxes,
  statusOf,
} from "../support/inspect.js";
import { E2E_NAMESPACE, writePod } from "../support/manifests.js";
import { RUN_UNTIL_TERM } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

export function runningPodScenarios(suite: Suite): void {
  describe("a static pod", () => {
    it(
      "reaches Running with the kubelet's status, CRI labels and annotations, and its log file",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "web",
          labels: { tier: "frontend" },
          terminationGracePeriodSeconds: 7,
          containers: [
            {
              name: "app",
              workload: RUN_UNTIL_TERM,
              resources: { requests: { cpu: "10m", memory: "16Mi" } },
            },
          ],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        await target.waitFor(
          "web to run with its container ready",
          () => containerStatus(statusOf(agent, "web"), "app")?.ready === true,
          60_000,
        );

        const { pod, status } = currentPod(agent, "web") ?? { pod: {}, status: undefined };
        const podName = `web-${NODE_NAME}`;
        const uid = pod.metadata?.uid ?? "";
        expect(uid).toMatch(/^[0-9a-f]{32}$/);
        expect(pod.metadata?.annotations).toMatchObject({
          "kubernetes.io/config.source": "file",
          "kubernetes.io/config.hash": uid,
        });

        // The API status.
        expect(status).toMatchObject({
          phase: "Running",
          qosClass: "Burstable",
          hostIP: target.nodeIps[0],
          hostIPs: [{ ip: target.nodeIps[0] }],
        });
        expect(status?.startTime).toBeDefined();
        const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c.status]));
        expect(conditions).toMatchObject({
          Initialized: "True",
          Ready: "True",
          ContainersReady: "True",
          PodScheduled: "True",
        });
        const podIp = status?.podIP ?? "";
        expect(inSubnet(podIp, target.podSubnet), `pod IP ${podIp} in ${target.podSubnet}`).toBe(true);
        expect(status?.podIPs).toEqual([{ ip: podIp }]);
        const app = containerStatus(status, "app");
        expect(app).toMatchObject({ name: "app", ready: true, started: true, restartCount: 0 });
        expect(app?.state?.running?.startedAt).toBeDefined();
        expect(app?.state?.waiting).toBeUndefined();
        expect(app?.lastState?.terminated).toBeUndefined();
        expect(app?.containerID).toMatch(new RegExp(`^${target.runtimeType}://[0-9a-f]{64}$`));
        expect(app?.image).toContain("busybox");
        expect(app?.imageID).not.toBe("");

        // The sandbox.
        const sandboxes = await runtimeSandboxes(target, uid);
        expect(sandboxes).toHaveLength(1);
        const [sandbox] = sandboxes;
        expect(sandbox?.state).toBe(PodSandboxState.SANDBOX_READY);
        expect(sandbox?.metadata).toMatchObject({ name: podName, namespace: E2E_NAMESPACE, uid, attempt: 0 });
        expect(sandbox?.labels).toMatchObject({
          app: "web",
          tier: "frontend",
          "io.kubernetes.pod.name": podName,
          "io.kubernetes.pod.namespace": E2E_NAMESPACE,
          "io.kubernetes.pod.uid": uid,
        });
        expect(sandbox?.annotations).toMatchObject({
          "kubernetes.io/config.source": "file",
          "kubernetes.io/config.hash": uid,
        });

        // The container.
        const containers = await runtimeContainers(target, uid);
        expect(containers).toHaveLength(1);
        const [container] = containers;
        expect(container?.id).toBe(bareId(app?.containerID));
        expect(container?.podSandboxId).toBe(sandbox?.id);
        expect(container?.state).toBe(ContainerState.CONTAINER_RUNNING);
        expect(container?.metadata).toMatchObject({ name: "app", attempt: 0 });
        expect(container?.labels).toEqual({
          "io.kubernetes.container.name": "app",
          "io.kubernetes.pod.name": podName,
          "io.kubernetes.pod.namespace": E2E_NAMESPACE,
          "io.kubernetes.pod.uid": uid,
        });
        expect(container?.annotations).toMatchObject({
          "io.kubernetes.container.restartCount": "0",
          "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
          "io.kubernetes.container.terminationMessagePolicy": "File",
          "io.kubernetes.pod.terminationGracePeriod": "7",
        });
        expect(container?.annotations["io.kubernetes.container.hash"]).toMatch(/^[0-9a-f]+$/);

        // The log file, where the kubelet lays it out.
        const logPath = join(dirs.podLogs, `${E2E_NAMESPACE}_${podName}_${uid}`, "app", "0.log");
        const { status: criStatus } = await target.runtime.containerStatus({
          containerId: container?.id ?? "",
        });
        expect(criStatus?.logPath).toBe(logPath);
        let log = "";
        await target.waitFor(
          "the container's first log line",
          async () => {
            log = await readFile(logPath, "utf8").catch(() => "");
            return log !== "";
          },
          10_000,
        );
        expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F started\n/);
      },
      suite.timeoutMs,
    );
  });
}
