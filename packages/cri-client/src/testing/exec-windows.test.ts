import { createFakeClock, type FakeClock } from "@kubelet-kit/core";
import { NamespaceMode } from "@kubelet-kit/cri-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRuntimeService, type RuntimeServiceClient } from "../client.js";
import {
  BEHAVIOUR_ANNOTATION,
  type ContainerBehaviour,
  createFakeRuntime,
  type FakeRuntime,
} from "./index.js";

describe("fake runtime: time-windowed exec answers", () => {
  let clock: FakeClock;
  let fake: FakeRuntime;
  let runtime: RuntimeServiceClient;

  const start = async (behaviour: ContainerBehaviour, annotate = false): Promise<string> => {
    const { podSandboxId } = await runtime.runPodSandbox({
      config: {
        metadata: { name: "pod", uid: "uid", namespace: "ns", attempt: 0 },
        linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
      },
    });
    const { containerId } = await runtime.createContainer({
      podSandboxId,
      config: {
        metadata: { name: "app", attempt: 0 },
        image: { image: "busybox" },
        command: ["sh", "-c", "sleep 3600"],
        annotations: annotate ? { [BEHAVIOUR_ANNOTATION]: JSON.stringify(behaviour) } : {},
      },
    });
    await runtime.startContainer({ containerId });
    return containerId;
  };

  const probe = async (containerId: string) => {
    const answer = await runtime.execSync({ containerId, cmd: ["cat", "/tmp/healthy"], timeout: 1n });
    return { exitCode: answer.exitCode, stdout: new TextDecoder().decode(answer.stdout) };
  };

  const healthyThenSick: ContainerBehaviour = {
    exec: [
      { match: ["cat", "/tmp/healthy"], stdout: "ok\n", untilMs: 30_000 },
      { match: ["cat", "/tmp/healthy"], exitCode: 1, fromMs: 30_000, untilMs: 45_000 },
    ],
  };

  beforeEach(() => {
    clock = createFakeClock({ nowMs: 1_700_000_000_000 });
  });

  afterEach(() => fake.close());

  describe.each([
    ["behaviour rules", false],
    ["the JSON annotation", true],
  ])("given through %s", (_, annotate) => {
    beforeEach(() => {
      fake = createFakeRuntime({
        clock,
        behaviours: annotate ? [] : [{ name: "app", behaviour: healthyThenSick }],
      });
      runtime = createRuntimeService({ transport: fake.transport });
    });

    it("applies a rule only in [fromMs, untilMs) of the container's running time", async () => {
      // Time before StartContainer does not count.
      clock.advance(60_000);
      const id = await start(healthyThenSick, annotate);
      expect(await probe(id)).toEqual({ exitCode: 0, stdout: "ok\n" });
      clock.advance(29_999);
      expect(await probe(id)).toEqual({ exitCode: 0, stdout: "ok\n" });
      clock.advance(1);
      expect(await probe(id)).toEqual({ exitCode: 1, stdout: "" });
      clock.advance(14_999);
      expect(await probe(id)).toEqual({ exitCode: 1, stdout: "" });
      // Past every window: the emulation answers (`cat` is unknown to it: exit 0, no output).
      clock.advance(1);
      expect(await probe(id)).toEqual({ exitCode: 0, stdout: "" });
    });
  });

  it("counts from each container's own start", async () => {
    fake = createFakeRuntime({ clock, behaviours: [{ name: "app", behaviour: healthyThenSick }] });
    runtime = createRuntimeService({ transport: fake.transport });
    const first = await start(healthyThenSick);
    clock.advance(40_000);
    expect((await probe(first)).exitCode).toBe(1);
    await runtime.stopContainer({ containerId: first, timeout: 0n });
    const podSandboxId = (await runtime.listPodSandbox({})).items[0]?.id ?? "";
    const { containerId: second } = await runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "app", attempt: 1 }, image: { image: "busybox" } },
    });
    await runtime.startContainer({ containerId: second });
    expect(await probe(second)).toEqual({ exitCode: 0, stdout: "ok\n" });
  });
});
