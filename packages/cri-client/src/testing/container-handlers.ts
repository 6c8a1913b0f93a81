import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { toJson } from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import {
  ContainerConfigSchema,
  ContainerEventType,
  ContainerState,
  PodSandboxState,
} from "@kubelet-kit/cri-api";
import { type ContainerBehaviour, selectBehaviour } from "./behaviour.js";
import { ContainerListeners } from "./container-listeners.js";
import {
  after,
  markStartFailed,
  publishContainerEvent,
  runningMs,
  SIGKILL_EXIT_CODE,
  startProcess,
  stopProcess,
  terminate,
} from "./container-process.js";
import {
  type ContainerRecord,
  containerName,
  stateName,
  toCriContainer,
  toCriContainerStatus,
} from "./container-store.js";
import * as errors from "./containerd-errors.js";
import { planExec } from "./exec.js";
import { clockNs, type FakeState } from "./fake-state.js";
import { chunks, type RuntimeHandlers } from "./handler-types.js";
import { randomId } from "./ids.js";
import { isLoopbackIpv4 } from "./pod-subnet.js";
import type { SandboxRecord } from "./sandbox-store.js";
import { toCriContainerStats } from "./stats.js";

type ContainerHandlers = Pick<
  RuntimeHandlers,
  | "createContainer"
  | "startContainer"
  | "stopContainer"
  | "removeContainer"
  | "containerStatus"
  | "listContainers"
  | "streamContainers"
  | "updateContainerResources"
  | "reopenContainerLog"
  | "execSync"
  | "exec"
  | "attach"
  | "containerStats"
  | "listContainerStats"
  | "streamContainerStats"
  | "checkpointContainer"
>;

/** The container RPCs, with containerd 1.6's semantics and error wording. */
export function createContainerHandlers(state: FakeState): ContainerHandlers {
  const findContext = (id: string): string => `an error occurred when try to find container "${id}"`;
  const statusOf = (record: ContainerRecord) =>
    toCriContainerStatus(record, state.images.resolve(record.imageId));
  const expandSandboxId = (prefix: string): string => state.sandboxes.find(prefix)?.id ?? prefix;
  const statsOf = (record: ContainerRecord) =>
    toCriContainerStats(record, clockNs(state.clock), state.settings.imageFsMountpoint);
  // Every matching container is listed; only running ones (those with a task) carry CPU and memory.
  const listedStats = (
    filter: { id: string; podSandboxId: string; labelSelector: Record<string, string> } | undefined,
  ) =>
    state.containers
      .filter(filter ?? { id: "", podSandboxId: "", labelSelector: {} }, expandSandboxId)
      .map(statsOf);

  /** A lookup for the idempotent RPCs: undefined for an unknown id; empty or ambiguous prefixes throw. */
  const findForIdempotent = (id: string): ContainerRecord | undefined => {
    const lookup = state.containers.lookup(id);
    if ("found" in lookup) return lookup.found;
    if (lookup.missing === "not-found") return undefined;
    throw errors.lookupError(lookup, findContext(id));
  };

  const streamUrl = (
    kind: "exec" | "attach",
    id: string,
    io: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  ) => {
    const record = state.containers.get(id, `failed to find container "${id}" in store`);
    if (record.state !== ContainerState.CONTAINER_RUNNING)
      throw errors.containerNotRunning(stateName(record.state));
    if (!io.stdin && !io.stdout && !io.stderr) {
      throw new KubeletKitError("InvalidArgument", "one of stdin, stdout, or stderr must be set");
    }
    if (io.tty && io.stderr)
      throw new KubeletKitError("InvalidArgument", "tty and stderr cannot both be true");
    return { url: `${state.settings.streamingBaseUrl}/${kind}/${randomBytes(8).toString("base64url")}` };
  };

  /** The container's sandbox, which must be READY for a start. */
  const startableSandbox = (record: ContainerRecord): SandboxRecord => {
    const sandbox = state.sandboxes.find(record.sandboxId);
    if (sandbox === undefined) {
      throw new KubeletKitError("NotFound", `sandbox "${record.sandboxId}" not found: not found`);
    }
    if (sandbox.state !== PodSandboxState.SANDBOX_READY) throw errors.sandboxNotRunning(sandbox.id);
    return sandbox;
  };

  /** A start with scripted listeners: bind those open at once, then run the process (see `listen`). */
  const startListening = async (record: ContainerRecord, sandbox: SandboxRecord): Promise<object> => {
    const listeners = new ContainerListeners(sandbox.ip, record.behaviour.listen ?? [], {
      runningMs: () => runningMs(state, record),
      after: (delayMs, fn) => after(state, record, delayMs, fn),
      bindFailed(reason) {
        state.logger.warn({ containerId: record.id, reason }, "fake runtime: a container could not listen");
        terminate(state, record, 1, "", `fake runtime: ${reason}`);
      },
      logger: state.logger,
    });
    record.listeners = listeners;
    try {
      await listeners.bindInitial();
    } catch (err) {
      throw errors.listenFailed(record.id, (err as Error).message);
    }
    if (listeners.closed) throw errors.runtimeClosed();
    startableSandbox(record);
    startProcess(state, record);
    return {};
  };

  return {
    createContainer(request) {
      const sandbox = state.sandboxes.get(
        request.podSandboxId,
        `failed to find sandbox id "${request.podSandboxId}"`,
      );
      if (sandbox.state !== PodSandboxState.SANDBOX_READY) throw errors.sandboxTaskGone(sandbox.id);
      const config = request.config;
      if (config?.metadata === undefined) throw errors.missingMetadata("container");
      // containerd names (and finds log directories) from the request's sandbox config; fall back to the
      // sandbox's own when a client leaves it out.
      const sandboxConfig = request.sandboxConfig ?? sandbox.config;
      const name = containerName(config, sandboxConfig.metadata ?? sandbox.config.metadata);
      const owner = state.containers.nameOwner(name);
      if (owner !== undefined) throw errors.nameReserved("container", name, owner);
      const imageRef = config.image?.image ?? "";
      const image = state.images.resolve(imageRef);
      if (image === undefined) throw errors.imageNotResolved(imageRef);
      const argv = [...config.command, ...config.args];
      const behaviour: ContainerBehaviour = selectBehaviour(state.behaviours, {
        image: imageRef,
        argv,
        name: config.metadata.name,
        annotations: config.annotations,
        podAnnotations: sandbox.config.annotations,
      });
      checkListenable(behaviour, sandbox, config.metadata.name);
      const logDirectory = sandboxConfig.logDirectory;
      const record: ContainerRecord = {
        id: randomId(),
        sandboxId: sandbox.id,
        name,
        config,
        argv,
        imageId: image.id,
        logPath: logDirectory !== "" && config.logPath !== "" ? join(logDirectory, config.logPath) : "",
        behaviour,
        createdAtNs: state.nowNs(),
        state: ContainerState.CONTAINER_CREATED,
        startedAtNs: 0n,
        finishedAtNs: 0n,
        exitCode: 0,
        reason: "",
        message: "",
        pid: 0,
        resources: config.linux?.resources,
        statsOverride: {},
        timers: new Set(),
        sigtermSent: false,
        exitWaiters: new Set(),
        listeners: undefined,
      };
      state.containers.add(record);
      publishContainerEvent(state, record.id, sandbox.id, ContainerEventType.CONTAINER_CREATED_EVENT);
      return { containerId: record.id };
    },

    startContainer(request) {
      const id = request.containerId;
      const record = state.containers.get(id, findContext(id));
      if (record.state !== ContainerState.CONTAINER_CREATED)
        throw errors.notStartable(record.id, stateName(record.state));
      if (record.listeners !== undefined) throw errors.alreadyStarting(record.id);
      const fail = (err: unknown): never => {
        const error = KubeletKitError.from(err);
        markStartFailed(state, record, error);
        throw error;
      };
      let sandbox: SandboxRecord;
      try {
        sandbox = startableSandbox(record);
        const behaviour = record.behaviour;
        if (behaviour.kind === "crash-on-start") {
          throw errors.runcStartFailed(
            behaviour.message ?? `exec: "${record.argv[0] ?? ""}": executable file not found in $PATH`,
          );
        }
        if ((behaviour.listen ?? []).length === 0) {
          startProcess(state, record);
          return {};
        }
      } catch (err) {
        return fail(err);
      }
      return startListening(record, sandbox).catch(fail);
    },

    // containerd 1.6.20 answers NotFound for an unknown id here (idempotence came in 1.6.35 / 1.7.21);
    // the kubelet treats that NotFound as "already stopped".
    async stopContainer(request, ctx) {
      const id = request.containerId;
      await stopProcess(state, state.containers.get(id, findContext(id)), request.timeout, ctx.signal);
      return {};
    },

    removeContainer(request) {
      const record = findForIdempotent(request.containerId);
      if (record === undefined) return {};
      if (record.state === ContainerState.CONTAINER_CREATED && record.listeners !== undefined) {
        throw errors.removeWhileStarting(record.id);
      }
      terminate(state, record, SIGKILL_EXIT_CODE);
      state.containers.remove(record);
      publishContainerEvent(state, record.id, record.sandboxId, ContainerEventType.CONTAINER_DELETED_EVENT);
      return {};
    },

    containerStatus(request) {
      const id = request.containerId;
      const record = state.containers.get(id, findContext(id));
      const info: Record<string, string> = request.verbose
        ? { info: JSON.stringify(containerInfo(record)) }
        : {};
      return { status: statusOf(record), info };
    },

    listContainers(request) {
      const filter = request.filter ?? { id: "", podSandboxId: "", labelSelector: {} };
      return { containers: state.containers.filter(filter, expandSandboxId).map(toCriContainer) };
    },

    async *streamContainers(request) {
      const filter = request.filter ?? { id: "", podSandboxId: "", labelSelector: {} };
      for (const containers of chunks(state.containers.filter(filter, expandSandboxId).map(toCriContainer))) {
        yield { containers };
      }
    },

    updateContainerResources(request) {
      const record = state.containers.get(request.containerId, "failed to find container");
      if (request.linux !== undefined) record.resources = request.linux;
      return {};
    },

    reopenContainerLog(request) {
      const id = request.containerId;
      const record = state.containers.get(id, findContext(id));
      if (record.state !== ContainerState.CONTAINER_RUNNING)
        throw new KubeletKitError("Unknown", "container is not running");
      // Lines are appended by path, so the next line after a rotation creates the new file by itself.
      return {};
    },

    async execSync(request, ctx) {
      const id = request.containerId;
      const record = state.containers.get(
        id,
        `failed to exec in container: failed to find container "${id}" in store`,
      );
      if (record.state !== ContainerState.CONTAINER_RUNNING) {
        throw errors.containerNotRunning(stateName(record.state), "failed to exec in container");
      }
      const outcome = planExec(request.cmd, record.behaviour.exec ?? [], runningMs(state, record));
      const timeoutMs = request.timeout > 0n ? Number(request.timeout) * 1000 : Number.POSITIVE_INFINITY;
      if (outcome.delayMs >= timeoutMs) {
        await state.clock.sleep(timeoutMs, ctx.signal);
        throw errors.execTimedOut(request.timeout);
      }
      if (outcome.delayMs > 0) await state.clock.sleep(outcome.delayMs, ctx.signal);
      return {
        stdout: new TextEncoder().encode(outcome.stdout),
        stderr: new TextEncoder().encode(outcome.stderr),
        exitCode: outcome.exitCode,
      };
    },

    exec(request) {
      return streamUrl("exec", request.containerId, request);
    },

    attach(request) {
      return streamUrl("attach", request.containerId, request);
    },

    containerStats(request) {
      const record = state.containers.get(request.containerId, "failed to find container");
      if (record.state !== ContainerState.CONTAINER_RUNNING) {
        throw new KubeletKitError("Unknown", "unexpected metrics response: []");
      }
      return { stats: statsOf(record) };
    },

    listContainerStats(request) {
      return { stats: listedStats(request.filter) };
    },

    async *streamContainerStats(request) {
      for (const containerStats of chunks(listedStats(request.filter))) yield { containerStats };
    },

    checkpointContainer() {
      throw new KubeletKitError("Unimplemented", "method CheckpointContainer not implemented");
    },
  };
}

/**
 * CreateContainer's check of a behaviour with `listen`: the fake binds real sockets on the sandbox's IP, so
 * the sandbox needs a pod IP of its own, in 127.0.0.0/8 (bindable without any setup).
 */
function checkListenable(behaviour: ContainerBehaviour, sandbox: SandboxRecord, name: string): void {
  const first = behaviour.listen?.[0];
  if (first === undefined) return;
  const hint = 'give the fake runtime a loopback podSubnet such as "127.77.0.0/16"';
  const why = sandbox.hostNetwork
    ? `its sandbox uses the host network (no pod IP to listen on); run it in the pod network and ${hint}`
    : isLoopbackIpv4(sandbox.ip)
      ? undefined
      : `its pod IP ${sandbox.ip} is not in 127.0.0.0/8; ${hint}`;
  if (why === undefined) return;
  throw new KubeletKitError(
    "InvalidArgument",
    `fake runtime: container "${name}" cannot listen on port ${first.port}: ${why}`,
  );
}

/** ContainerStatus's verbose `info`, shaped like containerd's ContainerInfo JSON. */
function containerInfo(record: ContainerRecord): Record<string, unknown> {
  return {
    sandboxID: record.sandboxId,
    pid: record.state === ContainerState.CONTAINER_RUNNING ? record.pid : 0,
    removing: false,
    snapshotKey: record.id,
    snapshotter: "overlayfs",
    runtimeType: "io.containerd.runc.v2",
    runtimeOptions: null,
    config: toJson(ContainerConfigSchema, record.config, { useProtoFieldName: true }),
    runtimeSpec: { ociVersion: "1.0.2-dev", process: { args: record.argv } },
  };
}
