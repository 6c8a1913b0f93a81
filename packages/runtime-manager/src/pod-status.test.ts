import { writeFile } from "node:fs/promises";
import type { ContainerLogEntry } from "@kubelet-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { parseCriLogLine } from "./cri-logs.js";
import { container, createHarness, type Harness, makePod, settle } from "./fixtures.test-util.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** The host path of a container mount, from the runtime's ContainerStatus. */
async function hostPathOf(
  h: Harness,
  containerId: string,
  containerPath = "/dev/termination-log",
): Promise<string> {
  const response = await h.fake.runtimeHandlers.containerStatus?.({ containerId, verbose: false } as never, {
    signal: new AbortController().signal,
    method: undefined as never,
    headers: {},
  });
  const mount = (
    response as { status?: { mounts?: { containerPath: string; hostPath: string }[] } }
  ).status?.mounts?.find((m) => m.containerPath === containerPath);
  if (mount === undefined) throw new Error("no termination-log mount");
  return mount.hostPath;
}

describe("termination messages", () => {
  it("reads the termination-log file of an exited container, at most its last 4096 bytes", async () => {
    h = await createHarness();
    const pod = makePod();
    await h.sync(pod);
    const id = (await h.status(pod)).containers[0]?.id ?? "";
    const path = await hostPathOf(h, id);
    expect(path).toMatch(new RegExp(`/root/pods/${pod.metadata?.uid}/containers/app/[0-9a-f]{8}$`));
    await writeFile(path, `${"x".repeat(5000)}the end`);
    h.fake.container(id).exit(3);
    const exited = (await h.status(pod)).containers[0];
    expect(exited).toMatchObject({ state: "exited", exitCode: 3, reason: "Error" });
    expect(exited?.message).toHaveLength(4096);
    expect(exited?.message?.endsWith("the end")).toBe(true);
  });

  it("falls back to the last log lines with FallbackToLogsOnError and a failed, silent exit", async () => {
    h = await createHarness();
    const pod = makePod({
      containers: [container("app", { terminationMessagePolicy: "FallbackToLogsOnError" })],
    });
    await h.sync(pod);
    const id = (await h.status(pod)).containers[0]?.id ?? "";
    const handle = h.fake.container(id);
    for (let i = 0; i < 100; i++) handle.writeLog(i % 2 === 0 ? "stdout" : "stderr", `line ${i}`);
    handle.exit(1);
    const message = (await h.status(pod)).containers[0]?.message ?? "";
    expect(message.startsWith("line 20\n")).toBe(true);
    expect(message.endsWith("line 99\n")).toBe(true);
    expect(message.split("\n")).toHaveLength(81);
  });

  it("does not fall back to logs after a successful exit", async () => {
    h = await createHarness();
    const pod = makePod({
      containers: [container("app", { terminationMessagePolicy: "FallbackToLogsOnError" })],
    });
    await h.sync(pod);
    const id = (await h.status(pod)).containers[0]?.id ?? "";
    h.fake.container(id).writeLog("stdout", "bye");
    h.fake.container(id).exit(0);
    expect((await h.status(pod)).containers[0]?.message).toBe("");
  });
});

describe("runtime roles", () => {
  it("runs commands with execSync and reports non-zero exits as results", async () => {
    h = await createHarness({
      behaviours: [{ name: "app", behaviour: { exec: [{ match: ["check"], stdout: "ok", exitCode: 4 }] } }],
    });
    const pod = makePod();
    await h.sync(pod);
    const id = (await h.status(pod)).containers[0]?.id ?? "";
    const result = await h.manager.execSync(id, ["check"], 1_000);
    expect(Buffer.from(result.stdout).toString()).toBe("ok");
    expect(result.exitCode).toBe(4);
    const request = h.fake.callsTo("ExecSync")[0]?.request as unknown as { timeout: bigint };
    expect(request.timeout).toBe(1n);
  });

  it("reads container logs: tail, limit, since, and follow until the container exits", async () => {
    h = await createHarness({
      behaviours: [
        { name: "app", behaviour: { logs: [{ line: "one" }, { line: "two", stream: "stderr" }] } },
      ],
    });
    const pod = makePod();
    await h.sync(pod);
    const id = (await h.status(pod)).containers[0]?.id ?? "";
    const read = async (options = {}) => {
      const out: ContainerLogEntry[] = [];
      for await (const entry of h.manager.readContainerLogs(id, options)) out.push(entry);
      return out.map((e) => `${e.stream}:${Buffer.from(e.content).toString()}`);
    };
    expect(await read()).toEqual(["stdout:one\n", "stderr:two\n"]);
    expect(await read({ tailLines: 1 })).toEqual(["stderr:two\n"]);
    expect(await read({ limitBytes: 5 })).toEqual(["stdout:one\n", "stderr:t"]);
    h.clock.advance(5_000);
    h.fake.container(id).writeLog("stdout", "three");
    expect(await read({ sinceTimeMs: h.clock.now() })).toEqual(["stdout:three\n"]);

    h.clock.advance(1_000);
    const since = h.clock.now();
    const followed: string[] = [];
    const following = (async () => {
      for await (const entry of h.manager.readContainerLogs(id, { follow: true, sinceTimeMs: since })) {
        followed.push(Buffer.from(entry.content).toString());
      }
    })();
    await h.clock.advanceAsync(1_000);
    h.fake.container(id).writeLog("stdout", "four");
    await h.clock.advanceAsync(1_000);
    h.fake.container(id).exit(0);
    await settle(h.clock, following, 1_000, 10_000);
    expect(followed).toEqual(["four\n"]);
  });

  it("reports runtime status and version", async () => {
    h = await createHarness();
    expect(await h.manager.version()).toEqual({
      runtimeName: "fake-runtime",
      runtimeVersion: "0.1.0",
      runtimeApiVersion: "v1",
    });
    const status = await h.manager.status();
    expect(status).toMatchObject({ runtimeReady: true, networkReady: true });
    expect(status.conditions.map((c) => c.type)).toEqual(["RuntimeReady", "NetworkReady"]);
  });

  it("streams container events from the runtime", async () => {
    h = await createHarness();
    const controller = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      try {
        for await (const event of h.manager.watchContainerEvents(controller.signal)) {
          seen.push(`${event.type}:${event.podName}`);
          if (seen.length === 3) controller.abort();
        }
      } catch {
        // aborted
      }
    })();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // let the stream subscribe
    await h.sync(makePod());
    await watching;
    expect(seen).toEqual(["started:web", "created:web", "started:web"]);
  });
});

describe("CRI log lines", () => {
  it("parses full and partial lines and rejects malformed ones", () => {
    const full = parseCriLogLine(Buffer.from("2023-11-14T22:13:20.123456789Z stdout F hello\n"));
    expect(full).toMatchObject({
      stream: "stdout",
      partial: false,
      timestamp: "2023-11-14T22:13:20.123456789Z",
    });
    expect(Buffer.from(full?.content ?? []).toString()).toBe("hello\n");
    const partial = parseCriLogLine(Buffer.from("2023-11-14T22:13:20Z stderr P:x part\n"));
    expect(partial).toMatchObject({ stream: "stderr", partial: true });
    expect(Buffer.from(partial?.content ?? []).toString()).toBe("part");
    expect(parseCriLogLine(Buffer.from("garbage"))).toBeUndefined();
    expect(parseCriLogLine(Buffer.from("2023-11-14T22:13:20Z stdin F x"))).toBeUndefined();
  });
});
