import { CgroupDriver } from "@kubelet-kit/cri-api";
import * as errors from "./containerd-errors.js";
import type { FakeState } from "./fake-state.js";
import type { RuntimeHandlers } from "./handler-types.js";

type InfoHandlers = Pick<
  RuntimeHandlers,
  | "version"
  | "status"
  | "updateRuntimeConfig"
  | "runtimeConfig"
  | "getContainerEvents"
  | "listMetricDescriptors"
  | "listPodSandboxMetrics"
  | "streamPodSandboxMetrics"
>;

/** The kubelet's CRI API version string; runtimes answer it whatever the request says. */
export const KUBE_API_VERSION = "0.1.0";

/** Version, status, configuration, events and metrics RPCs. */
export function createRuntimeInfoHandlers(state: FakeState, describeConfig: () => unknown): InfoHandlers {
  const { settings } = state;
  return {
    version() {
      return {
        version: KUBE_API_VERSION,
        runtimeName: settings.runtimeName,
        runtimeVersion: settings.runtimeVersion,
        runtimeApiVersion: "v1",
      };
    },

    status(request) {
      const info = request.verbose
        ? { config: JSON.stringify(describeConfig()), lastCNILoadStatus: "OK" }
        : ({} as Record<string, string>);
      return {
        status: {
          conditions: [
            { type: "RuntimeReady", status: true },
            { type: "NetworkReady", status: true },
          ],
        },
        info,
      };
    },

    updateRuntimeConfig() {
      return {};
    },

    runtimeConfig() {
      // containerd 1.6 does not have this RPC; a cgroup driver option makes the fake answer like newer ones.
      if (settings.cgroupDriver === undefined)
        throw errors.unknownMethod("runtime.v1.RuntimeService", "RuntimeConfig");
      const cgroupDriver = settings.cgroupDriver === "systemd" ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
      return { linux: { cgroupDriver } };
    },

    async *getContainerEvents(_request, ctx) {
      if (!settings.containerEvents) {
        throw errors.unknownMethod("runtime.v1.RuntimeService", "GetContainerEvents");
      }
      yield* state.events.subscribe(ctx.signal);
    },

    listMetricDescriptors() {
      return { descriptors: [] };
    },

    listPodSandboxMetrics() {
      return { podMetrics: [] };
    },

    // An empty stream: the fake has no pod metrics.
    async *streamPodSandboxMetrics() {},
  };
}
