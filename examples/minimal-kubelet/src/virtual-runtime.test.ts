import { createFakeClock } from "@kubelet-kit/core";
import { createProgrammaticSource } from "@kubelet-kit/pod-manager";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createMinimalKubelet } from "./agent.js";
import { createVirtualRuntime } from "./virtual-runtime.js";

const pod: V1Pod = {
  metadata: { name: "hello", namespace: "default", uid: "uid-hello" },
  spec: {
    restartPolicy: "Always",
    initContainers: [{ name: "setup", image: "example.com/setup:1" }],
    containers: [{ name: "app", image: "example.com/app:1" }],
  },
};

describe("the agent on a PodRuntime that is not CRI", () => {
  it("runs pods from a programmatic source on the virtual runtime, then kills a removed one", async () => {
    const clock = createFakeClock();
    const runtime = createVirtualRuntime({ clock });
    const source = createProgrammaticSource({ clock });
    const agent = createMinimalKubelet({
      nodeName: "virtual-node",
      runtime,
      sources: [source],
      clock,
      random: () => 0,
    });
    const phases: string[] = [];
    agent.on("podStatus", ({ status }) => phases.push(status.phase ?? ""));
    await agent.start();
    source.set([pod]);
    for (let i = 0; i < 20 && phases.at(-1) !== "Running"; i++) await clock.advanceAsync(500);

    const status = agent.pods()[0]?.status;
    expect(status?.phase).toBe("Running");
    expect(status?.containerStatuses?.[0]).toMatchObject({ name: "app", ready: true, restartCount: 0 });
    expect(status?.containerStatuses?.[0]?.containerID).toMatch(/^virtual:\/\/\d{12}$/);
    expect(status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });

    source.remove(pod);
    for (let i = 0; i < 20 && (await runtime.listPods()).length > 0; i++) await clock.advanceAsync(500);
    expect(await runtime.listPods()).toEqual([]);
    const [stopped] = await runtime.listPods({ all: true });
    expect(stopped?.sandboxes[0]?.state).toBe("notready");
    expect(stopped?.containers.find((c) => c.name === "app")).toMatchObject({
      state: "exited",
      exitCode: 137,
    });
    await agent.stop();
  });
});
