/** Scenario 8: an image that cannot be pulled gives ErrImagePull, then ImagePullBackOff. */

import { PodSandboxState } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { containerStatus, runtimeContainers, runtimeSandboxes, statusOf, uidOf } from "../support/inspect.js";
import { MISSING_IMAGE, writePod } from "../support/manifests.js";
import { RUN_UNTIL_TERM } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

export function imagePullScenarios(suite: Suite): void {
  describe("a missing image", () => {
    it(
      "gives ErrImagePull, then ImagePullBackOff with the pull error, and the pod stays Pending",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "missing-image",
          containers: [{ name: "app", image: MISSING_IMAGE, workload: RUN_UNTIL_TERM }],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const reasons = (): string[] =>
          agent
            .history("missing-image")
            .map((s) => containerStatus(s, "app")?.state?.waiting?.reason ?? "")
            .filter((reason, i, all) => reason !== all[i - 1]);
        await target.waitFor(
          "ErrImagePull, then ImagePullBackOff",
          () => reasons().includes("ImagePullBackOff"),
          90_000,
        );

        // The first pull fails (ErrImagePull), the next sync within the back-off does not pull again.
        const seen = reasons();
        expect(
          seen.slice(0, seen.indexOf("ImagePullBackOff") + 1).filter((r) => r !== "ContainerCreating"),
        ).toEqual(["ErrImagePull", "ImagePullBackOff"]);
        const waitings = agent.history("missing-image").map((s) => containerStatus(s, "app")?.state?.waiting);
        const errImagePull = waitings.find((w) => w?.reason === "ErrImagePull")?.message ?? "";
        // The runtime's error (gRPC `Unknown` errors are reduced to their description, as the kubelet's CRI
        // client does: containerd cannot resolve the registry here, the fake answers NotFound).
        expect(errImagePull).toContain(`failed to pull and unpack image "${MISSING_IMAGE}"`);
        expect(waitings.find((w) => w?.reason === "ImagePullBackOff")?.message).toBe(
          `Back-off pulling image "${MISSING_IMAGE}": ErrImagePull: ${errImagePull}`,
        );

        // The image is pulled again once the 10 s back-off has passed: not before, and not a resync (a
        // minute) later, but at the sync loop's next tick (on containerd, give or take the sync's own time).
        const pulls = () =>
          target.recorder
            .callsTo("PullImage")
            .filter((c) => (c.request.image as { image?: string }).image === MISSING_IMAGE);
        await target.waitFor("a second pull", () => pulls().length >= 2, 60_000);
        const [firstPull, secondPull] = pulls();
        const retryMs = (secondPull?.startedAtMs ?? 0) - (firstPull?.endedAtMs ?? 0);
        expect(retryMs).toBeGreaterThanOrEqual(10_000);
        expect(retryMs).toBeLessThanOrEqual(target.kind === "fake" ? 11_000 : 15_000);

        const status = statusOf(agent, "missing-image");
        expect(status?.phase).toBe("Pending");
        expect(status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
        expect(containerStatus(status, "app")).toMatchObject({ ready: false, restartCount: 0 });
        const uid = uidOf(agent, "missing-image");
        expect(await runtimeContainers(target, uid)).toEqual([]);
        expect((await runtimeSandboxes(target, uid)).map((s) => s.state)).toEqual([
          PodSandboxState.SANDBOX_READY,
        ]);
      },
      suite.timeoutMs,
    );
  });
}
