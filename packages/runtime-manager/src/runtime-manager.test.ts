import { existsSync } from "node:fs";
import { join } from "node:path";
import { isSyncSuccessful } from "@kubelet-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { container, createHarness, type Harness, makePod, POD_UID } from "./fixtures.test-util.js";
import { hashContainer } from "./hash.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe("syncing a new pod", () => {
  it("creates the sandbox and the container, records events and reports the pod status", async () => {
    h = await createHarness();
    const pod = makePod({}, { labels: { app: "web" } });
    const result = await h.sync(pod);
    expect(isSyncSuccessful(result)).toBe(true);
    expect(result.results.map((r) => `${r.action}:${r.target}`)).toEqual([
      `KillPodSandbox:${POD_UID}`,
      `CreatePodSandbox:web_default(${POD_UID})`,
      `ConfigPodSandbox:${h.fake.sandboxes()[0]?.id}`,
      "StartContainer:app",
    ]);
    expect(h.events.map((e) => `${e.type} ${e.reason} ${e.container ?? "-"} ${e.message}`)).toEqual([
      'Normal Pulled app Container image "busybox:latest" already present on machine',
      "Normal Created app Created container: app",
      "Normal Started app Started container app",
    ]);
    expect(h.events[0]).toMatchObject({
      pod: { uid: POD_UID, name: "web", namespace: "default" },
      host: "node-1",
    });

    const status = await h.status(pod);
    expect(status.ips).toHaveLength(1);
    expect(status.sandboxes).toEqual([
      expect.objectContaining({ attempt: 0, state: "ready", hostNetwork: false, uid: POD_UID }),
    ]);
    expect(status.containers).toEqual([
      expect.objectContaining({
        name: "app",
        state: "running",
        restartCount: 0,
        runtimeType: "fake-runtime",
        hash: hashContainer(pod.spec?.containers[0] ?? { name: "" }),
        image: "docker.io/library/busybox:latest",
      }),
    ]);
    expect(status.containers[0]?.imageRef).toMatch(/^sha256:/);
    expect(existsSync(join(h.podLogsDir, `default_web_${POD_UID}`, "app", "0.log"))).toBe(true);

    // A second sync with the runtime's view changes nothing.
    const again = await h.sync(pod);
    expect(again.results.map((r) => r.action)).toEqual(["ConfigPodSandbox"]);
    expect(h.fake.callsTo("CreateContainer")).toHaveLength(1);
  });

  it("lists pods grouped by UID, newest first, running only unless asked for all", async () => {
    h = await createHarness({ behaviours: [{ name: "done", behaviour: { kind: "exit", code: 0 } }] });
    const pod = makePod({ containers: [container("app"), container("done")] });
    await h.sync(pod);
    const running = await h.manager.listPods();
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ uid: POD_UID, name: "web", namespace: "default" });
    expect(running[0]?.containers.map((c) => c.name)).toEqual(["app"]);
    const all = await h.manager.listPods({ all: true });
    expect(all[0]?.containers.map((c) => c.name).sort()).toEqual(["app", "done"]);
    expect(all[0]?.sandboxes).toHaveLength(1);
  });
});
