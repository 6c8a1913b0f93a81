import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { isKubeletKitError, KubeletKitError } from "@kubelet-kit/core";
import {
  ContainerState,
  type ContainerStatsResponse,
  NamespaceMode,
  type PodSandboxConfigSchema,
} from "@kubelet-kit/cri-api";
import type {
  ContainerManager,
  ContainerStatsManager,
  ImageManager,
  PodSandboxManager,
  RuntimeStatusReader,
  RuntimeVersioner,
} from "@kubelet-kit/cri-client";
import { waitForLogLine } from "./cri-log.js";
import { type Fields, formatBytes, type Printer, shortId } from "./print.js";

/** The roles of the runtime client the tour uses. */
export type TourRuntime = RuntimeVersioner &
  RuntimeStatusReader &
  PodSandboxManager &
  ContainerManager &
  ContainerStatsManager;

/** What the tour needs. */
export interface TourContext {
  readonly runtime: TourRuntime;
  readonly images: ImageManager;
  readonly image: string;
  /** The sandbox's log directory (created by the tour); container logs go below it. */
  readonly logDirectory: string;
  readonly printer: Printer;
  /** Aborts the step in progress (e.g. on Ctrl-C); the cleanup still runs. */
  readonly signal?: AbortSignal;
}

/** The line the tour's container prints, and what the tour looks for in its log. */
export const GREETING = "hello from kubelet-kit";
/** The tour's container command, as a pod spec would give it. */
export const CONTAINER_COMMAND: readonly string[] = ["sh", "-c", `echo ${GREETING}; sleep 3600`];
/** The exec probe the tour runs in the container. */
export const EXEC_COMMAND: readonly string[] = ["echo", "exec-ok"];
const CONTAINER_NAME = "tour";
const CONTAINER_LOG_PATH = `${CONTAINER_NAME}/0.log`;
/** Grace period of StopContainer, in seconds: the kubelet's minimum. */
const STOP_TIMEOUT_S = 2n;

/**
 * Drives one pod through the CRI, printing each step. A failed step throws a `KubeletKitError` naming it in
 * `details.step`; whatever fails, the sandbox and the container the tour created are stopped and removed
 * before it throws.
 */
export async function runTour(ctx: TourContext): Promise<void> {
  const { runtime, images, image, printer } = ctx;
  const call = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const step = createStepRunner(printer);
  const created: { sandboxId?: string; containerId?: string } = {};

  await step(
    "Version",
    () => runtime.version({ version: "v1" }, call),
    (r) => ({
      runtime: r.runtimeName,
      version: r.runtimeVersion,
      api: r.runtimeApiVersion,
    }),
  );

  await step(
    "Status",
    () => runtime.status({}, call),
    (r) => {
      const fields: Record<string, boolean> = {};
      for (const condition of r.status?.conditions ?? []) fields[condition.type] = condition.status;
      return fields;
    },
  );

  const present = await step(
    "ImageStatus",
    () => images.imageStatus({ image: { image } }, call),
    (r) => ({
      image,
      present: r.image !== undefined,
      id: r.image === undefined ? undefined : shortId(r.image.id),
      size: r.image === undefined ? undefined : formatBytes(r.image.size),
    }),
  );
  if (present.image === undefined) {
    await step(
      "PullImage",
      () => images.pullImage({ image: { image } }, call),
      (r) => ({ ref: shortId(r.imageRef) }),
    );
  }

  const sandboxConfig = podSandboxConfig(ctx.logDirectory);
  await mkdir(join(ctx.logDirectory, CONTAINER_NAME), { recursive: true });

  try {
    const sandbox = await step(
      "RunPodSandbox",
      () => runtime.runPodSandbox({ config: sandboxConfig }, call),
      (r) => ({
        pod: `${sandboxConfig.metadata?.namespace}/${sandboxConfig.metadata?.name}`,
        id: shortId(r.podSandboxId),
        network: "host",
      }),
    );
    created.sandboxId = sandbox.podSandboxId;

    const container = await step(
      "CreateContainer",
      () =>
        runtime.createContainer(
          {
            podSandboxId: sandbox.podSandboxId,
            config: {
              metadata: { name: CONTAINER_NAME, attempt: 0 },
              image: { image },
              command: [...CONTAINER_COMMAND],
              logPath: CONTAINER_LOG_PATH,
              labels: { "io.kubernetes.container.name": CONTAINER_NAME },
            },
            sandboxConfig,
          },
          call,
        ),
      (r) => ({ id: shortId(r.containerId), logPath: CONTAINER_LOG_PATH }),
    );
    const containerId = container.containerId;
    created.containerId = containerId;

    await step(
      "StartContainer",
      () => runtime.startContainer({ containerId }, call),
      () => ({ id: shortId(containerId) }),
    );

    await step(
      "ContainerStatus",
      () => runtime.containerStatus({ containerId }, call),
      (r) => ({
        state: r.status === undefined ? undefined : ContainerState[r.status.state],
        startedAt: r.status === undefined ? undefined : nanosToIso(r.status.startedAt),
        image: r.status?.image?.image,
      }),
    );

    const exec = await step(
      "ExecSync",
      () => runtime.execSync({ containerId, cmd: [...EXEC_COMMAND], timeout: 10n }, call),
      (r) => ({ cmd: EXEC_COMMAND.join(" "), exitCode: r.exitCode, stdout: decodeText(r.stdout) }),
    );
    const stderr = decodeText(exec.stderr);
    if (stderr !== "") printer.detail(`stderr: ${stderr}`);

    const logFile = join(ctx.logDirectory, CONTAINER_LOG_PATH);
    const lines = await step(
      "ReadLog",
      () => waitForLogLine(logFile, GREETING, call),
      (r) => ({
        file: CONTAINER_LOG_PATH,
        lines: r.length,
      }),
    );
    for (const line of lines) printer.detail(`${line.timestamp} ${line.stream} ${line.tag} ${line.content}`);

    await step("ContainerStats", () => runtime.containerStats({ containerId }, call), statsFields);

    await step(
      "StopContainer",
      () => runtime.stopContainer({ containerId, timeout: STOP_TIMEOUT_S }, call),
      () => ({
        graceS: STOP_TIMEOUT_S,
      }),
    );
    await step(
      "RemoveContainer",
      () => runtime.removeContainer({ containerId }, call),
      () => ({}),
    );
    created.containerId = undefined;

    await step(
      "StopPodSandbox",
      () => runtime.stopPodSandbox({ podSandboxId: sandbox.podSandboxId }, call),
      () => ({}),
    );
    await step(
      "RemovePodSandbox",
      () => runtime.removePodSandbox({ podSandboxId: sandbox.podSandboxId }, call),
      () => ({}),
    );
    created.sandboxId = undefined;
  } finally {
    await cleanUp(runtime, created, printer);
  }
}

type StepRunner = <T>(name: string, run: () => Promise<T>, describe: (result: T) => Fields) => Promise<T>;

function createStepRunner(printer: Printer): StepRunner {
  return async (name, run, describe) => {
    const start = performance.now();
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run();
    } catch (err) {
      printer.failed(name, performance.now() - start, messageOf(err));
      throw stepError(name, err);
    }
    printer.step(name, performance.now() - start, describe(result));
    return result;
  };
}

function podSandboxConfig(logDirectory: string): MessageInitShape<typeof PodSandboxConfigSchema> {
  // A unique name and uid, so the tour never collides with pods of a runtime someone else is using.
  const uid = randomUUID();
  const name = `cri-tour-${uid.slice(0, 8)}`;
  const namespace = "kubelet-kit-examples";
  return {
    metadata: { name, namespace, uid, attempt: 0 },
    logDirectory,
    labels: {
      "io.kubernetes.pod.name": name,
      "io.kubernetes.pod.namespace": namespace,
      "io.kubernetes.pod.uid": uid,
    },
    // Host network: no CNI configuration is needed on the runtime's side. No hostname, as the kubelet sets
    // none for host-network pods (runc refuses to set one without a private UTS namespace).
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  };
}

function statsFields(response: ContainerStatsResponse): Fields {
  const stats = response.stats;
  return {
    cpuCoreNs: stats?.cpu?.usageCoreNanoSeconds?.value,
    memoryWorkingSet:
      stats?.memory?.workingSetBytes === undefined
        ? undefined
        : formatBytes(stats.memory.workingSetBytes.value),
    writableLayer:
      stats?.writableLayer?.usedBytes === undefined
        ? undefined
        : formatBytes(stats.writableLayer.usedBytes.value),
  };
}

/** Best effort: removes whatever the tour created and did not remove itself (after a failure). */
async function cleanUp(
  runtime: TourRuntime,
  created: { sandboxId?: string; containerId?: string },
  printer: Printer,
): Promise<void> {
  const { sandboxId, containerId } = created;
  const attempts: Array<[string, () => Promise<unknown>]> = [];
  if (containerId !== undefined) {
    attempts.push([
      `stop container ${shortId(containerId)}`,
      () => runtime.stopContainer({ containerId, timeout: 0n }),
    ]);
    attempts.push([
      `remove container ${shortId(containerId)}`,
      () => runtime.removeContainer({ containerId }),
    ]);
  }
  if (sandboxId !== undefined) {
    attempts.push([
      `stop sandbox ${shortId(sandboxId)}`,
      () => runtime.stopPodSandbox({ podSandboxId: sandboxId }),
    ]);
    attempts.push([
      `remove sandbox ${shortId(sandboxId)}`,
      () => runtime.removePodSandbox({ podSandboxId: sandboxId }),
    ]);
  }
  for (const [what, attempt] of attempts) {
    try {
      await attempt();
      printer.line(`cleanup: ${what}`);
    } catch (err) {
      printer.line(`cleanup: could not ${what}: ${messageOf(err)}`);
    }
  }
}

/** The step's error as a `KubeletKitError` with the same code and message, the step named in `details.step`. */
function stepError(step: string, err: unknown): KubeletKitError {
  const { code, rawMessage, details } = KubeletKitError.from(err);
  return new KubeletKitError(code, rawMessage, { cause: err, details: { ...details, step } });
}

const textDecoder = new TextDecoder();

function decodeText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes).trimEnd();
}

function nanosToIso(nanos: bigint): string | undefined {
  return nanos === 0n ? undefined : new Date(Number(nanos / 1_000_000n)).toISOString();
}

/** The runtime's own words for a CRI error (`rawMessage`), the message otherwise. */
export function messageOf(err: unknown): string {
  if (isKubeletKitError(err)) return `${err.code}: ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}
