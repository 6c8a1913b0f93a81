/**
 * Scenario 11: bad manifests (garbage YAML, two objects in one file, a non-Pod kind, an invalid name,
 * duplicate container names, an oversized file) each give a clear error naming the file, and the other
 * pods are left alone.
 */

import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { containerIds, containerStatus, statusOf } from "../support/inspect.js";
import { E2E_NAMESPACE, podManifest, writeManifestFile, writePod } from "../support/manifests.js";
import { RUN_UNTIL_TERM } from "../support/workloads.js";
import { NODE_NAME, type Suite } from "./suite.js";

/** The file source's limit (the kubelet's `maxConfigLength`): 10 MiB. */
const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;

const validPod = (name: string) =>
  podManifest({ name, containers: [{ name: "app", workload: RUN_UNTIL_TERM }] });

/** Each bad manifest: its file name, its content, and what its error must say. */
const BAD_MANIFESTS: readonly { file: string; content: () => string; says: RegExp }[] = [
  {
    file: "garbage.yaml",
    content: () => "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n  name: {\n",
    says: /cannot parse as YAML or JSON/,
  },
  {
    file: "two-pods.yaml",
    content: () => `${stringify(validPod("first"))}---\n${stringify(validPod("second"))}`,
    says: /contains 2 YAML documents; a pod manifest must hold exactly one object/,
  },
  {
    file: "config-map.yaml",
    content: () =>
      stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: {} }),
    says: /kind is "ConfigMap", expected/,
  },
  {
    file: "bad-name.yaml",
    content: () => stringify(validPod("Bad_Name")),
    says: /metadata\.name: Invalid value: "Bad_Name-e2e-node"/,
  },
  {
    file: "duplicate-containers.yaml",
    content: () => {
      const pod = validPod("twins");
      const app = pod.spec?.containers[0];
      if (pod.spec !== undefined && app !== undefined) pod.spec.containers = [app, { ...app }];
      return stringify(pod);
    },
    says: /spec\.containers\[1\]\.name: Duplicate value: "app"/,
  },
  {
    file: "oversized.yaml",
    content: () => {
      const text = stringify(validPod("huge"));
      return `${text}#${"x".repeat(MAX_MANIFEST_BYTES - text.length)}\n`;
    },
    says: new RegExp(
      `file is ${MAX_MANIFEST_BYTES + 2} bytes, larger than the limit of ${MAX_MANIFEST_BYTES} bytes`,
    ),
  },
];

export function badManifestScenarios(suite: Suite): void {
  describe("bad manifests", () => {
    it(
      "each give an error naming the file, and the other pods keep running untouched",
      async () => {
        const { target } = suite;
        const dirs = await target.newDirs();
        await writePod(dirs.manifests, {
          name: "web",
          containers: [{ name: "app", workload: RUN_UNTIL_TERM }],
        });
        const agent = await target.startAgent({ nodeName: NODE_NAME, dirs });
        const ready = (): boolean => containerStatus(statusOf(agent, "web"), "app")?.ready === true;
        await target.waitFor("web to run", ready, 60_000);
        const ids = containerIds(statusOf(agent, "web"));
        const callsBefore = target.recorder.calls().length;

        const paths = new Map<string, string>();
        for (const bad of BAD_MANIFESTS) {
          paths.set(bad.file, await writeManifestFile(dirs.manifests, bad.file, bad.content()));
        }
        const errorsFor = (path: string) => agent.sourceErrors().filter((e) => e.file === path);
        await target.waitFor(
          "an error for every bad manifest",
          () => [...paths.values()].every((path) => errorsFor(path).length > 0),
          60_000,
        );
        for (const bad of BAD_MANIFESTS) {
          const path = paths.get(bad.file) ?? "";
          const [error] = errorsFor(path);
          expect(error?.message, bad.file).toMatch(
            new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `),
          );
          expect(error?.message, bad.file).toMatch(bad.says);
        }

        // Another round of reads later, web is as it was and nothing else was started.
        await target.pass(target.kind === "fake" ? 45_000 : 5_000);
        expect(agent.pods().map(({ pod }) => pod.metadata?.name)).toEqual([`web-${NODE_NAME}`]);
        const status = statusOf(agent, "web");
        expect(status?.phase).toBe("Running");
        expect(containerIds(status)).toEqual(ids);
        expect(containerStatus(status, "app")).toMatchObject({ ready: true, restartCount: 0 });
        const changes = target.recorder
          .calls()
          .slice(callsBefore)
          .filter((c) =>
            ["RunPodSandbox", "CreateContainer", "StopContainer", "StopPodSandbox"].includes(c.method),
          );
        expect(changes).toEqual([]);
        const { items } = await target.runtime.listPodSandbox({
          filter: { labelSelector: { "io.kubernetes.pod.namespace": E2E_NAMESPACE } },
        });
        expect(items.map((s) => s.metadata?.name)).toEqual([`web-${NODE_NAME}`]);
      },
      suite.timeoutMs,
    );
  });
}
