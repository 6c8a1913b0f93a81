import type { ProbeStateQuery, ProbeStateReader } from "@kubelet-kit/core";
import type { V1ContainerStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { makePod, T0 } from "./fixtures.test-helpers.js";
import { applyProbeStates } from "./probe-states.js";

function runningStatus(name: string, id: string, started?: boolean): V1ContainerStatus {
  return {
    name,
    containerID: `containerd://${id}`,
    image: `${name}:1`,
    imageID: "",
    ready: false,
    restartCount: 0,
    ...(started === undefined ? {} : { started }),
    state: { running: { startedAt: new Date(T0) } },
  };
}

function recordingReader(): { reader: ProbeStateReader; asked: ProbeStateQuery[] } {
  const asked: ProbeStateQuery[] = [];
  return {
    asked,
    reader: {
      isStarted: (q) => {
        asked.push(q);
        return undefined;
      },
      isReady: () => undefined,
    },
  };
}

describe("probe states", () => {
  it("asks the prober about the container instance, when it started and what the API status said", () => {
    const pod = makePod({ containers: ["app"] });
    pod.status = {
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [runningStatus("app", "a1", true)],
    };
    const { reader, asked } = recordingReader();
    applyProbeStates({
      pod,
      containerStatuses: [runningStatus("app", "a1")],
      initContainerStatuses: [],
      probes: reader,
    });
    expect(asked).toEqual([
      {
        podUid: "uid-1",
        containerName: "app",
        containerId: "a1",
        startedAtMs: T0,
        previouslyStarted: true,
        podWasReady: true,
      },
    ]);
  });

  it("does not carry the API's started flag over to a new instance of the container", () => {
    const pod = makePod({ containers: ["app"] });
    pod.status = { containerStatuses: [runningStatus("app", "a1", true)] };
    const { reader, asked } = recordingReader();
    applyProbeStates({
      pod,
      containerStatuses: [runningStatus("app", "a2")],
      initContainerStatuses: [],
      probes: reader,
    });
    expect(asked[0]).not.toHaveProperty("previouslyStarted");
    expect(asked[0]?.podWasReady).toBe(false);
  });
});
