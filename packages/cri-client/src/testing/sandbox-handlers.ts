import { randomBytes } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import { ContainerEventType, PodSandboxConfigSchema, PodSandboxState } from "@kubelet-kit/cri-api";
import { publishContainerEvent, SIGKILL_EXIT_CODE, terminate } from "./container-process.js";
import { toCriContainerStatus } from "./container-store.js";
import * as errors from "./containerd-errors.js";
import { clockNs, type FakeState } from "./fake-state.js";
import { chunks, type RuntimeHandlers } from "./handler-types.js";
import { randomId } from "./ids.js";
import {
  isHostNetwork,
  type SandboxRecord,
  sandboxName,
  toCriSandbox,
  toCriSandboxStatus,
} from "./sandbox-store.js";
import { toCriPodSandboxStats } from "./stats.js";

type SandboxHandlers = Pick<
  RuntimeHandlers,
  | "runPodSandbox"
  | "stopPodSandbox"
  | "removePodSandbox"
  | "podSandboxStatus"
  | "listPodSandbox"
  | "streamPodSandboxes"
  | "portForward"
  | "updatePodSandboxResources"
  | "podSandboxStats"
  | "listPodSandboxStats"
  | "streamPodSandboxStats"
>;

/** The pod sandbox RPCs, with containerd 1.6's semantics and error wording. */
export function createSandboxHandlers(state: FakeState): SandboxHandlers {
  const findContext = (id: string): string => `an error occurred when try to find sandbox "${id}"`;

  /** Stops a sandbox: SIGKILLs its running containers (CREATED ones stay CREATED), then NOTREADY. */
  const stopSandbox = (sandbox: SandboxRecord): void => {
    for (const container of state.containers.inSandbox(sandbox.id))
      terminate(state, container, SIGKILL_EXIT_CODE);
    if (sandbox.state === PodSandboxState.SANDBOX_READY) {
      sandbox.state = PodSandboxState.SANDBOX_NOTREADY;
      publishContainerEvent(state, sandbox.id, sandbox.id, ContainerEventType.CONTAINER_STOPPED_EVENT);
    }
  };

  const ensureSandboxImage = (): void => {
    const image = state.settings.sandboxImage;
    if (state.images.resolve(image) !== undefined) return;
    try {
      state.images.pull(image);
    } catch (err) {
      const cause = KubeletKitError.from(err);
      throw new KubeletKitError(
        cause.code,
        `failed to get sandbox image "${image}": failed to pull image "${image}": ${cause.rawMessage}`,
      );
    }
  };

  const statsOf = (sandbox: SandboxRecord) =>
    toCriPodSandboxStats(
      sandbox,
      state.containers.inSandbox(sandbox.id),
      clockNs(state.clock),
      state.settings.imageFsMountpoint,
    );

  const statsFiltered = (filter: { id: string; labelSelector: Record<string, string> } | undefined) =>
    state.sandboxes
      .filter(filter)
      .filter((sandbox) => sandbox.state === PodSandboxState.SANDBOX_READY)
      .map(statsOf);

  return {
    runPodSandbox(request) {
      const config = request.config;
      if (config?.metadata === undefined) throw errors.missingMetadata("sandbox");
      const name = sandboxName(config);
      const owner = state.sandboxes.nameOwner(name);
      if (owner !== undefined) throw errors.nameReserved("sandbox", name, owner);
      ensureSandboxImage();
      const handler = request.runtimeHandler;
      if (handler !== "" && !state.settings.runtimeHandlers.includes(handler)) {
        throw errors.unknownRuntimeHandler(handler);
      }
      const hostNetwork = isHostNetwork(config);
      const id = randomId();
      const record: SandboxRecord = {
        id,
        name,
        config,
        runtimeHandler: handler,
        createdAtNs: state.nowNs(),
        hostNetwork,
        ip: hostNetwork ? "" : state.sandboxes.allocateIp(id),
        pid: state.nextPid(),
        state: PodSandboxState.SANDBOX_READY,
      };
      state.sandboxes.add(record);
      publishContainerEvent(state, record.id, record.id, ContainerEventType.CONTAINER_STARTED_EVENT);
      return { podSandboxId: record.id };
    },

    stopPodSandbox(request) {
      const id = request.podSandboxId;
      stopSandbox(state.sandboxes.get(id, findContext(id)));
      return {};
    },

    removePodSandbox(request) {
      const id = request.podSandboxId;
      const lookup = state.sandboxes.lookup(id);
      if (!("found" in lookup)) {
        // An unknown id is fine (idempotent); an empty or ambiguous prefix is an error, as in containerd.
        if (lookup.missing === "not-found") return {};
        throw errors.lookupError(lookup, findContext(id));
      }
      const sandbox = lookup.found;
      stopSandbox(sandbox);
      for (const container of state.containers.inSandbox(sandbox.id)) {
        state.containers.remove(container);
        publishContainerEvent(state, container.id, sandbox.id, ContainerEventType.CONTAINER_DELETED_EVENT);
      }
      state.sandboxes.remove(sandbox);
      publishContainerEvent(state, sandbox.id, sandbox.id, ContainerEventType.CONTAINER_DELETED_EVENT);
      return {};
    },

    podSandboxStatus(request) {
      const sandbox = state.sandboxes.get(request.podSandboxId, "an error occurred when try to find sandbox");
      const status = toCriSandboxStatus(sandbox);
      const info: Record<string, string> = request.verbose
        ? { info: JSON.stringify(sandboxInfo(state, sandbox)) }
        : {};
      if (!state.settings.containerEvents) return { status, info };
      // Runtimes with container events (containerd ≥ 1.7) also answer with the containers and a timestamp.
      return {
        status,
        info,
        timestamp: clockNs(state.clock),
        containersStatuses: state.containers
          .inSandbox(sandbox.id)
          .map((c) => toCriContainerStatus(c, state.images.resolve(c.imageId))),
      };
    },

    listPodSandbox(request) {
      return { items: state.sandboxes.filter(request.filter).map(toCriSandbox) };
    },

    async *streamPodSandboxes(request) {
      for (const podSandboxes of chunks(state.sandboxes.filter(request.filter).map(toCriSandbox))) {
        yield { podSandboxes };
      }
    },

    portForward(request) {
      const sandbox = state.sandboxes.get(
        request.podSandboxId,
        `failed to find sandbox "${request.podSandboxId}"`,
      );
      if (sandbox.state !== PodSandboxState.SANDBOX_READY) {
        throw new KubeletKitError("Unknown", "sandbox container is not running");
      }
      return {
        url: `${state.settings.streamingBaseUrl}/portforward/${randomBytes(8).toString("base64url")}`,
      };
    },

    updatePodSandboxResources(request) {
      state.sandboxes.get(request.podSandboxId, findContext(request.podSandboxId));
      return {};
    },

    podSandboxStats(request) {
      const sandbox = state.sandboxes.get(request.podSandboxId, findContext(request.podSandboxId));
      if (sandbox.state !== PodSandboxState.SANDBOX_READY) {
        throw new KubeletKitError(
          "Unknown",
          `failed to get pod sandbox stats: sandbox "${sandbox.id}" is not running`,
        );
      }
      return { stats: statsOf(sandbox) };
    },

    listPodSandboxStats(request) {
      return { stats: statsFiltered(request.filter) };
    },

    async *streamPodSandboxStats(request) {
      for (const podSandboxStats of chunks(statsFiltered(request.filter))) yield { podSandboxStats };
    },
  };
}

/** PodSandboxStatus's verbose `info`, shaped like containerd's SandboxInfo JSON. */
function sandboxInfo(state: FakeState, sandbox: SandboxRecord): Record<string, unknown> {
  const ready = sandbox.state === PodSandboxState.SANDBOX_READY;
  return {
    pid: ready ? sandbox.pid : 0,
    processStatus: ready ? "running" : "deleted",
    netNamespaceClosed: !sandbox.hostNetwork && !ready,
    image: state.settings.sandboxImage,
    snapshotKey: sandbox.id,
    snapshotter: "overlayfs",
    runtimeHandler: sandbox.runtimeHandler,
    runtimeType: "io.containerd.runc.v2",
    runtimeOptions: null,
    config: toJson(PodSandboxConfigSchema, sandbox.config, { useProtoFieldName: true }),
  };
}
