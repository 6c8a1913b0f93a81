/** Static pod manifests for the scenarios, written atomically into a manifest directory. */

import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { V1Container, V1Pod, V1Probe } from "@kubernetes/client-node";
import { stringify } from "yaml";
import type { Workload } from "./workloads.js";

/** Every scenario pod lives in this namespace, so the containerd target can find and remove its leftovers. */
export const E2E_NAMESPACE = "kubelet-kit-e2e";

/** The image every scenario container runs (present on containerd, pullable on the fake). */
export const BUSYBOX_IMAGE = "docker.io/library/busybox:latest";

/** An image that is neither present nor pullable on either target. */
export const MISSING_IMAGE = "docker.io/library/does-not-exist:1";

export interface ContainerSpec {
  name: string;
  workload: Workload;
  image?: string;
  /** `Always` makes an init container a sidecar. */
  restartPolicy?: "Always";
  preStop?: readonly string[];
  resources?: V1Container["resources"];
  livenessProbe?: V1Probe;
  readinessProbe?: V1Probe;
  startupProbe?: V1Probe;
}

export interface PodSpec {
  name: string;
  containers: readonly ContainerSpec[];
  initContainers?: readonly ContainerSpec[];
  restartPolicy?: "Always" | "OnFailure" | "Never";
  terminationGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function container(spec: ContainerSpec): V1Container {
  return {
    name: spec.name,
    image: spec.image ?? BUSYBOX_IMAGE,
    imagePullPolicy: "IfNotPresent",
    command: [...spec.workload.command],
    ...(spec.restartPolicy !== undefined ? { restartPolicy: spec.restartPolicy } : {}),
    ...(spec.resources !== undefined ? { resources: spec.resources } : {}),
    ...(spec.preStop !== undefined
      ? { lifecycle: { preStop: { exec: { command: [...spec.preStop] } } } }
      : {}),
    ...(spec.livenessProbe !== undefined ? { livenessProbe: spec.livenessProbe } : {}),
    ...(spec.readinessProbe !== undefined ? { readinessProbe: spec.readinessProbe } : {}),
    ...(spec.startupProbe !== undefined ? { startupProbe: spec.startupProbe } : {}),
  };
}

/** A static pod manifest (a `v1` Pod) for `spec`. */
export function podManifest(spec: PodSpec): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: spec.name,
      namespace: E2E_NAMESPACE,
      labels: { app: spec.name, ...spec.labels },
      ...(spec.annotations !== undefined ? { annotations: spec.annotations } : {}),
    },
    spec: {
      restartPolicy: spec.restartPolicy ?? "Always",
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 5,
      ...(spec.initContainers !== undefined ? { initContainers: spec.initContainers.map(container) } : {}),
      containers: spec.containers.map(container),
    },
  };
}

/** Writes `content` to `<dir>/<file>` atomically (a dot-file first, which sources ignore, then a rename). */
export async function writeManifestFile(
  dir: string,
  file: string,
  content: string | Buffer,
): Promise<string> {
  const path = join(dir, file);
  const temporary = join(dir, `.${file}.tmp`);
  await writeFile(temporary, content);
  await rename(temporary, path);
  return path;
}

/** Writes `spec` as YAML to `<dir>/<spec.name>.yaml`; returns the path. */
export function writePod(dir: string, spec: PodSpec): Promise<string> {
  return writeManifestFile(dir, `${spec.name}.yaml`, stringify(podManifest(spec)));
}

/** Removes `<dir>/<name>.yaml`. */
export async function removePod(dir: string, name: string): Promise<void> {
  await rm(join(dir, `${name}.yaml`));
}
