import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import { defineCriConformance } from "./scenarios.js";
import { containerdEndpoint, containerdStateDir } from "./support/containerd-env.js";

// The private containerd of scripts/containerd/run-suite.sh (`pnpm test:containerd`). Without
// KUBELET_KIT_CONTAINERD_ENDPOINT the setup throws, so every scenario fails rather than being skipped.

const run = promisify(execFile);
const restartScript = fileURLToPath(new URL("../../scripts/containerd/restart.sh", import.meta.url));

defineCriConformance("containerd", async () => {
  const endpoint = containerdEndpoint();
  const state = containerdStateDir();
  if (state === undefined) {
    throw new Error(
      "KUBELET_KIT_CONTAINERD_STATE is not set: the restart scenarios need the state directory",
    );
  }
  const podSubnet = await cniSubnet(join(state, "cni", "net.d", "10-kubelet-kit.conflist"));
  const logRoot = await mkdtemp(join(tmpdir(), "kubelet-kit-cri-logs-"));
  const runtime = createRuntimeService({ endpoint, timeoutMs: 60_000 });
  const images = createImageService({ endpoint, timeoutMs: 60_000 });
  const restart = async (mode: "stop" | "start" | "restart") => {
    await run("bash", [restartScript, mode, state], { timeout: 60_000 });
  };

  return {
    kind: "containerd",
    runtime,
    images,
    logRoot,
    busyboxImage: "docker.io/library/busybox:latest",
    sandboxImage: "registry.k8s.io/pause:3.10",
    missingImage: "docker.io/library/does-not-exist:1",
    podSubnet,
    stopRuntime: () => restart("stop"),
    startRuntime: () => restart("start"),
    restartRuntime: () => restart("restart"),
    async close() {
      runtime.close();
      images.close();
      await rm(logRoot, { recursive: true, force: true });
    },
  };
});

/** The subnet of the bridge network start.sh configures (its first host-local range). */
async function cniSubnet(conflist: string): Promise<string> {
  const config = JSON.parse(await readFile(conflist, "utf8")) as {
    plugins: { ipam?: { ranges?: { subnet: string }[][] } }[];
  };
  const subnet = config.plugins.find((plugin) => plugin.ipam)?.ipam?.ranges?.[0]?.[0]?.subnet;
  if (subnet === undefined) throw new Error(`no host-local subnet in ${conflist}`);
  return subnet;
}
