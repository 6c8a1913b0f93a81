import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { isKubeletKitError, type KubeletKitErrorCode } from "@kubelet-kit/core";
import {
  type ContainerConfigSchema,
  type ContainerState,
  type ContainerStatus,
  NamespaceMode,
  type PodSandboxConfigSchema,
} from "@kubelet-kit/cri-api";
import type { RuntimeServiceClient } from "@kubelet-kit/cri-client";
import { expect, vi } from "vitest";

export type PodSandboxConfigInit = MessageInitShape<typeof PodSandboxConfigSchema>;
export type ContainerConfigInit = MessageInitShape<typeof ContainerConfigSchema>;

/** The namespace every conformance pod is created in. */
export const POD_NAMESPACE = "kubelet-kit-conformance";

/** How long a scenario waits for a state change the runtime makes on its own (a process exiting, a log line). */
export const STATE_CHANGE_TIMEOUT_MS = 20_000;

/** A well-formed sandbox or container id that no runtime hands out. */
export const UNKNOWN_ID = "f".repeat(64);

/** `<prefix>-<6 hex>`: a name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

export interface Pod {
  readonly id: string;
  readonly name: string;
  readonly uid: string;
  readonly config: PodSandboxConfigInit;
  /** `<logRoot>/<namespace>_<name>_<uid>`, as the kubelet lays out `/var/log/pods`. */
  readonly logDirectory: string;
}

export interface PodOptions {
  /** "node": host network (`namespace_options.network = NODE`); "pod": its own network namespace (CNI). */
  network: "node" | "pod";
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Container {
  readonly id: string;
  readonly name: string;
  readonly config: ContainerConfigInit;
  /** Absolute path of its log file: the pod's log directory joined with `<name>/<attempt>.log`. */
  readonly logPath: string;
}

export interface ContainerOptions {
  command: readonly string[];
  name?: string;
  image?: string;
  attempt?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Creates pods and containers the way the kubelet does, and removes every pod it created. */
export interface Workloads {
  runPod(options: PodOptions): Promise<Pod>;
  createContainer(pod: Pod, options: ContainerOptions): Promise<Container>;
  /** Creates and starts a container. */
  startContainer(pod: Pod, options: ContainerOptions): Promise<Container>;
  /** Stops and removes every pod created since the last cleanup (their containers go with them). */
  cleanup(): Promise<void>;
}

export interface WorkloadsOptions {
  runtime: () => RuntimeServiceClient;
  logRoot: () => string;
  busyboxImage: () => string;
}

export function createWorkloads(options: WorkloadsOptions): Workloads {
  const created: string[] = [];

  const createContainer = async (pod: Pod, opts: ContainerOptions): Promise<Container> => {
    const name = opts.name ?? uniqueName("ctr");
    const attempt = opts.attempt ?? 0;
    // The kubelet creates the container's log directory before CreateContainer.
    await mkdir(join(pod.logDirectory, name), { recursive: true });
    const config: ContainerConfigInit = {
      metadata: { name, attempt },
      image: { image: opts.image ?? options.busyboxImage() },
      command: [...opts.command],
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
      logPath: `${name}/${attempt}.log`,
      // As the kubelet: the pod's namespace options again, so PID 1 of the container is its own process.
      linux: {
        securityContext: { namespaceOptions: pod.config.linux?.securityContext?.namespaceOptions ?? {} },
      },
    };
    const { containerId } = await options
      .runtime()
      .createContainer({ podSandboxId: pod.id, config, sandboxConfig: pod.config });
    return { id: containerId, name, config, logPath: join(pod.logDirectory, name, `${attempt}.log`) };
  };

  return {
    async runPod(opts) {
      const name = uniqueName("pod");
      const uid = randomUUID();
      const logDirectory = join(options.logRoot(), `${POD_NAMESPACE}_${name}_${uid}`);
      await mkdir(logDirectory, { recursive: true });
      const hostNetwork = opts.network === "node";
      const config: PodSandboxConfigInit = {
        metadata: { name, uid, namespace: POD_NAMESPACE, attempt: 0 },
        // A host-network pod shares the node's UTS namespace, so the kubelet leaves its hostname alone.
        hostname: hostNetwork ? "" : name,
        logDirectory,
        labels: opts.labels ?? {},
        annotations: opts.annotations ?? {},
        linux: {
          securityContext: {
            namespaceOptions: {
              network: hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD,
              pid: NamespaceMode.CONTAINER,
              ipc: NamespaceMode.POD,
            },
          },
        },
      };
      const { podSandboxId } = await options.runtime().runPodSandbox({ config });
      created.push(podSandboxId);
      return { id: podSandboxId, name, uid, config, logDirectory };
    },

    createContainer,

    async startContainer(pod, opts) {
      const container = await createContainer(pod, opts);
      await options.runtime().startContainer({ containerId: container.id });
      return container;
    },

    async cleanup() {
      const runtime = options.runtime();
      const failures: unknown[] = [];
      for (const id of created.splice(0)) {
        try {
          await ignoreNotFound(runtime.stopPodSandbox({ podSandboxId: id }));
          await runtime.removePodSandbox({ podSandboxId: id });
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, "could not clean up every pod sandbox");
    },
  };
}

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isKubeletKitError(err, "NotFound")) throw err;
  }
}

/** Asserts that `call` rejects with a `KubeletKitError` of `code`. */
export async function expectCode(call: Promise<unknown>, code: KubeletKitErrorCode): Promise<void> {
  await expect(call).rejects.toMatchObject({ name: "KubeletKitError", code });
}

/** Polls `ContainerStatus` until the container is in `state`; returns that status. */
export async function waitForContainerState(
  runtime: RuntimeServiceClient,
  containerId: string,
  state: ContainerState,
): Promise<ContainerStatus> {
  return vi.waitFor(
    async () => {
      const { status } = await runtime.containerStatus({ containerId });
      expect(status?.state).toBe(state);
      return status as ContainerStatus;
    },
    { timeout: STATE_CHANGE_TIMEOUT_MS, interval: 100 },
  );
}

/** Polls a log file until `accept` returns true for its lines; returns the lines. */
export async function waitForLogLines(path: string, accept: (lines: string[]) => boolean): Promise<string[]> {
  return vi.waitFor(
    async () => {
      const text = await readFile(path, "utf8");
      const lines = text.split("\n").filter((line) => line !== "");
      expect(accept(lines), `log lines so far: ${JSON.stringify(lines)}`).toBe(true);
      return lines;
    },
    { timeout: STATE_CHANGE_TIMEOUT_MS, interval: 100 },
  );
}

/** True when the dotted IPv4 `ip` lies inside `cidr` (`a.b.c.d/n`). */
export function ipv4InSubnet(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const toNumber = (address: string): number | undefined => {
    const parts = address.split(".").map(Number);
    if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255))
      return undefined;
    return parts.reduce((acc, part) => acc * 256 + part, 0);
  };
  const address = toNumber(ip);
  const network = toNumber(base ?? "");
  const prefix = Number(bits);
  if (address === undefined || network === undefined || !Number.isInteger(prefix)) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) === Math.floor(network / size);
}
