import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createPrinter, formatEvent, formatPodJson } from "./printer.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function sink(): { write(text: string): void; lines(): string[] } {
  let text = "";
  return {
    write: (chunk) => {
      text += chunk;
    },
    lines: () => text.split("\n").filter((line) => line !== ""),
  };
}

function pod(name: string, uid = name): V1Pod {
  return {
    metadata: { name, uid, namespace: "default", creationTimestamp: new Date(NOW - 5_000) },
    spec: { containers: [{ name: "app", image: "busybox" }] },
  };
}

const creating: V1PodStatus = {
  phase: "Pending",
  containerStatuses: [
    {
      name: "app",
      image: "busybox",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: "ContainerCreating" } },
    },
  ],
};
const runningStatus = (restartCount = 0, lastFinished?: Date): V1PodStatus => ({
  phase: "Running",
  containerStatuses: [
    {
      name: "app",
      image: "busybox",
      imageID: "",
      ready: true,
      restartCount,
      state: { running: { startedAt: new Date(NOW - 1_000) } },
      ...(lastFinished !== undefined
        ? { lastState: { terminated: { exitCode: 1, finishedAt: lastFinished } } }
        : {}),
    },
  ],
});

describe("the table printer", () => {
  it("prints the header once, then a row per visible change, aligned like kubectl", () => {
    const out = sink();
    let now = NOW;
    const printer = createPrinter({
      out,
      now: () => now,
      knownNames: () => ["web-node-1", "a-much-longer-pod-name"],
    });
    printer.podStatus(pod("web-node-1"), creating);
    now += 2_000;
    printer.podStatus(pod("web-node-1"), runningStatus());
    expect(out.lines()).toEqual([
      "NAME                     READY   STATUS              RESTARTS       AGE",
      "web-node-1               0/1     ContainerCreating   0              5s",
      "web-node-1               1/1     Running             0              7s",
    ]);
  });

  it("skips a status change that changes nothing in the row but the ages", () => {
    const out = sink();
    let now = NOW;
    const printer = createPrinter({ out, now: () => now });
    printer.podStatus(pod("web"), runningStatus(1, new Date(NOW - 3_000)));
    now += 10_000;
    printer.podStatus(pod("web"), runningStatus(1, new Date(NOW - 3_000)));
    printer.podStatus(pod("web"), runningStatus(2, new Date(NOW)));
    expect(out.lines()).toHaveLength(3);
    expect(out.lines()[1]).toMatch(/^web +1\/1 +Running +1 \(3s ago\) +5s$/);
    expect(out.lines()[2]).toMatch(/^web +1\/1 +Running +2 \(10s ago\) +15s$/);
  });

  it("tracks pods separately by UID", () => {
    const out = sink();
    const printer = createPrinter({ out, now: () => NOW });
    printer.podStatus(pod("a"), creating);
    printer.podStatus(pod("b"), creating);
    printer.podStatus(pod("a"), creating);
    expect(out.lines().map((line) => line.split(/ +/)[0])).toEqual(["NAME", "a", "b"]);
  });
});

describe("the JSON printer", () => {
  it("prints one line per status change with the metadata and the full API status", () => {
    const out = sink();
    const printer = createPrinter({ output: "json", out, now: () => NOW });
    printer.podStatus(pod("web"), creating);
    printer.podStatus(pod("web"), creating);
    const lines = out.lines();
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toEqual({
      metadata: { name: "web", uid: "web", namespace: "default", creationTimestamp: "2026-01-01T11:59:55Z" },
      status: JSON.parse(JSON.stringify(creating)),
    });
  });

  it("writes times as the API server does: RFC 3339, UTC, whole seconds", () => {
    const line = formatPodJson(pod("web"), runningStatus(1, new Date("2026-01-01T11:59:58.734Z")));
    expect(line).toContain('"startedAt":"2026-01-01T11:59:59Z"');
    expect(line).toContain('"finishedAt":"2026-01-01T11:59:58Z"');
    expect(line).not.toContain("\n");
  });
});

describe("formatEvent", () => {
  const event = {
    type: "Warning",
    reason: "Unhealthy",
    message: "Liveness probe failed: HTTP probe failed with statuscode: 500",
    kind: "liveness",
    pod: { uid: "u1", name: "web-node-1", namespace: "default" },
    container: "app",
    containerId: "c1",
    atMs: NOW,
  } as const;

  it("shows type, reason, pod, container and message on one line", () => {
    expect(formatEvent(event)).toBe(
      "Warning Unhealthy pod/web-node-1 container app: Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
  });

  it("names the namespace when it is not default", () => {
    const warning = {
      ...event,
      reason: "ProbeWarning",
      pod: { ...event.pod, namespace: "kube-system" },
    } as const;
    expect(formatEvent(warning)).toMatch(
      /^Warning ProbeWarning kube-system\/pod\/web-node-1 container app: /,
    );
  });

  it("leaves the container out of a pod event", () => {
    const { container: _container, ...podEvent } = { ...event, type: "Normal", reason: "SandboxChanged" };
    expect(
      formatEvent({ ...podEvent, message: "Pod sandbox changed, it will be killed and re-created." }),
    ).toBe("Normal SandboxChanged pod/web-node-1: Pod sandbox changed, it will be killed and re-created.");
  });
});
