import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeletKitError } from "@kubelet-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { container, createHarness, type Harness, makePod, POD_UID } from "./fixtures.test-util.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const failures = (result: Awaited<ReturnType<Harness["sync"]>>) =>
  result.results
    .filter((r) => r.error !== undefined)
    .map((r) => ({ action: r.action, target: r.target, ...r.error }));

describe("CrashLoopBackOff through syncPod", () => {
  it("restarts a crashing container at once, then backs off 10 s, then 20 s, reporting the waiting reason", async () => {
    h = await createHarness({ behaviours: [{ name: "app", behaviour: { kind: "exit", code: 1 } }] });
    const pod = makePod();
    await h.sync(pod); // starts, crashes at once
    expect((await h.status(pod)).containers[0]).toMatchObject({
      state: "exited",
      exitCode: 1,
      reason: "Error",
    });

    await h.sync(pod); // first restart is immediate
    const afterRestart = await h.status(pod);
    expect(afterRestart.containers.map((c) => c.restartCount)).toEqual([1, 0]);

    const backedOff = await h.sync(pod);
    const desc = `web_default(${POD_UID})`;
    expect(failures(backedOff)).toEqual([
      {
        action: "StartContainer",
        target: "app",
        reason: "CrashLoopBackOff",
        message: `back-off 10s restarting failed container=app pod=${desc}`,
        retryAtMs: h.clock.now() + 10_000,
      },
    ]);
    expect(h.events.at(-1)).toMatchObject({
      type: "Warning",
      reason: "BackOff",
      message: `Back-off restarting failed container app in pod ${desc}`,
    });

    h.clock.advance(9_000);
    expect(failures(await h.sync(pod))[0]?.reason).toBe("CrashLoopBackOff");
    h.clock.advance(1_000);
    expect(failures(await h.sync(pod))).toEqual([]);
    expect((await h.status(pod)).containers[0]?.restartCount).toBe(2);
    expect(failures(await h.sync(pod))[0]?.message).toBe(
      `back-off 20s restarting failed container=app pod=${desc}`,
    );
  });
});

describe("sandbox lifecycle", () => {
  it("kills and recreates a dead sandbox with the next attempt, purging init containers", async () => {
    h = await createHarness({ behaviours: [{ name: "init", behaviour: { kind: "exit", code: 0 } }] });
    const pod = makePod({ initContainers: [container("init")] });
    await h.sync(pod); // sandbox + init
    await h.sync(pod); // init done → app
    const before = await h.status(pod);
    expect(before.containers.map((c) => c.name).sort()).toEqual(["app", "init"]);
    const sandboxId = before.sandboxes[0]?.id ?? "";
    await h.manager.killPod(pod, { ...before, containers: [] }); // stops the sandbox only
    const result = await h.sync(pod);
    expect(
      h.events.some(
        (e) =>
          e.reason === "SandboxChanged" &&
          e.message === "Pod sandbox changed, it will be killed and re-created.",
      ),
    ).toBe(true);
    const after = await h.status(pod);
    expect(after.sandboxes.map((s) => [s.attempt, s.state])).toEqual([
      [1, "ready"],
      [0, "notready"],
    ]);
    expect(after.sandboxes[1]?.id).toBe(sandboxId);
    // The old init instance was removed; the init container runs again in the new sandbox.
    expect(after.containers.filter((c) => c.name === "init")).toHaveLength(1);
    expect(result.results.map((r) => r.action)).toContain("CreatePodSandbox");
    expect(h.fake.containers().find((c) => c.name === "init" && c.sandboxId === sandboxId)).toBeUndefined();
  });

  it("reports a failed RunPodSandbox as CreatePodSandboxError with a Warning event", async () => {
    h = await createHarness();
    h.fake.injectFault({
      method: "RunPodSandbox",
      error: new KubeletKitError("Unknown", "failed to setup network for sandbox"),
    });
    const result = await h.sync(makePod());
    expect(failures(result)).toEqual([
      expect.objectContaining({
        action: "CreatePodSandbox",
        reason: "CreatePodSandboxError",
        message: `Failed to create sandbox for pod "web_default(${POD_UID})": rpc error: code = Unknown desc = failed to setup network for sandbox`,
      }),
    ]);
    expect(h.events.at(-1)).toMatchObject({
      type: "Warning",
      reason: "FailedCreatePodSandBox",
      message:
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox",
    });
  });
});

describe("restart count after runtime state loss", () => {
  it("continues from the highest <n>.log in the container's log directory", async () => {
    h = await createHarness();
    const logDir = join(h.podLogsDir, `default_web_${POD_UID}`, "app");
    await mkdir(logDir, { recursive: true });
    for (const name of ["0.log", "4.log", "2.log.20240101-000000", "notes.txt"])
      await writeFile(join(logDir, name), "");
    await h.sync(makePod());
    const created = h.fake.containers()[0];
    expect(created?.attempt).toBe(5);
    expect(created?.annotations["io.kubernetes.container.restartCount"]).toBe("5");
    expect(created?.logPath).toBe(join(logDir, "5.log"));
  });
});

describe("container start failures", () => {
  it("reports CreateContainerConfigError for an environment it cannot build", async () => {
    h = await createHarness();
    const pod = makePod({
      containers: [
        container("app", { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] }),
      ],
    });
    const result = await h.sync(pod);
    expect(failures(result)).toEqual([
      expect.objectContaining({
        reason: "CreateContainerConfigError",
        message: "couldn't get secret default/s, no kubeClient defined",
      }),
    ]);
    expect(h.events.at(-1)).toMatchObject({
      reason: "Failed",
      message: "Error: couldn't get secret default/s, no kubeClient defined",
    });
  });

  it("reports RunContainerError when the runtime cannot start the process", async () => {
    h = await createHarness({
      behaviours: [{ name: "app", behaviour: { kind: "crash-on-start", message: "exec: boom" } }],
    });
    const result = await h.sync(makePod());
    expect(failures(result)[0]).toMatchObject({ reason: "RunContainerError" });
    expect(failures(result)[0]?.message).toContain("exec: boom");
  });
});
