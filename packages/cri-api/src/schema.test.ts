import type { DescMessage, DescService } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ContainerConfigSchema,
  ContainerState,
  ContainerStatusSchema,
  ImageService,
  ImageSpecSchema,
  LinuxContainerSecurityContextSchema,
  MountSchema,
  PodSandboxConfigSchema,
  RuntimeService,
  Signal,
  VersionRequestSchema,
} from "./index.js";

function methodKinds(service: DescService): Record<string, string> {
  return Object.fromEntries(service.methods.map((m) => [m.name, m.methodKind]));
}

function fieldNumbers(message: DescMessage): Record<string, number> {
  return Object.fromEntries(message.fields.map((f) => [f.name, f.number]));
}

describe("service descriptors", () => {
  it("RuntimeService has the CRI v1 RPCs with the right streaming kinds", () => {
    expect(RuntimeService.typeName).toBe("runtime.v1.RuntimeService");
    const serverStreaming = [
      "StreamPodSandboxes",
      "StreamContainers",
      "StreamContainerStats",
      "StreamPodSandboxStats",
      "GetContainerEvents",
      "StreamPodSandboxMetrics",
    ];
    const unary = [
      "Version",
      "RunPodSandbox",
      "StopPodSandbox",
      "RemovePodSandbox",
      "PodSandboxStatus",
      "ListPodSandbox",
      "CreateContainer",
      "StartContainer",
      "StopContainer",
      "RemoveContainer",
      "ListContainers",
      "ContainerStatus",
      "UpdateContainerResources",
      "ReopenContainerLog",
      "ExecSync",
      "Exec",
      "Attach",
      "PortForward",
      "ContainerStats",
      "ListContainerStats",
      "PodSandboxStats",
      "ListPodSandboxStats",
      "UpdateRuntimeConfig",
      "Status",
      "CheckpointContainer",
      "ListMetricDescriptors",
      "ListPodSandboxMetrics",
      "RuntimeConfig",
      "UpdatePodSandboxResources",
    ];
    const expected = Object.fromEntries([
      ...unary.map((n) => [n, "unary"]),
      ...serverStreaming.map((n) => [n, "server_streaming"]),
    ]);
    expect(methodKinds(RuntimeService)).toEqual(expected);
    expect(RuntimeService.method.getContainerEvents.input.typeName).toBe("runtime.v1.GetEventsRequest");
    expect(RuntimeService.method.getContainerEvents.output.typeName).toBe(
      "runtime.v1.ContainerEventResponse",
    );
  });

  it("ImageService has the CRI v1 RPCs with the right streaming kinds", () => {
    expect(ImageService.typeName).toBe("runtime.v1.ImageService");
    expect(methodKinds(ImageService)).toEqual({
      ListImages: "unary",
      StreamImages: "server_streaming",
      ImageStatus: "unary",
      PullImage: "unary",
      RemoveImage: "unary",
      ImageFsInfo: "unary",
    });
  });
});

describe("field numbers match the CRI v1 wire contract", () => {
  it("ContainerConfig", () => {
    expect(fieldNumbers(ContainerConfigSchema)).toEqual({
      metadata: 1,
      image: 2,
      command: 3,
      args: 4,
      working_dir: 5,
      envs: 6,
      mounts: 7,
      devices: 8,
      labels: 9,
      annotations: 10,
      log_path: 11,
      stdin: 12,
      stdin_once: 13,
      tty: 14,
      linux: 15,
      windows: 16,
      CDI_devices: 17,
      stop_signal: 18,
    });
  });

  it("PodSandboxConfig", () => {
    expect(fieldNumbers(PodSandboxConfigSchema)).toEqual({
      metadata: 1,
      hostname: 2,
      log_directory: 3,
      dns_config: 4,
      port_mappings: 5,
      labels: 6,
      annotations: 7,
      linux: 8,
      windows: 9,
    });
    expect(PodSandboxConfigSchema.field.labels.fieldKind).toBe("map");
    expect(PodSandboxConfigSchema.field.portMappings.fieldKind).toBe("list");
  });

  it("ContainerStatus", () => {
    expect(fieldNumbers(ContainerStatusSchema)).toEqual({
      id: 1,
      metadata: 2,
      state: 3,
      created_at: 4,
      started_at: 5,
      finished_at: 6,
      exit_code: 7,
      image: 8,
      image_ref: 9,
      reason: 10,
      message: 11,
      labels: 12,
      annotations: 13,
      mounts: 14,
      log_path: 15,
      resources: 16,
      image_id: 17,
      user: 18,
      stop_signal: 19,
    });
  });

  it("non-sequential numbers and odd names are preserved", () => {
    const sc = fieldNumbers(LinuxContainerSecurityContextSchema);
    expect(sc.run_as_group).toBe(12);
    expect(sc.supplemental_groups_policy).toBe(17);
    expect(sc.apparmor_profile).toBe(9);
    const spec = fieldNumbers(ImageSpecSchema);
    expect([spec.user_specified_image, spec.runtime_handler, spec.image_ref]).toEqual([18, 19, 20]);
    const mount = fieldNumbers(MountSchema);
    expect([mount.uidMappings, mount.gidMappings, mount.image_sub_path]).toEqual([6, 7, 10]);
  });
});

describe("binary round-trip", () => {
  it("keeps every populated ContainerStatus field, with int64 as bigint", () => {
    const status = create(ContainerStatusSchema, {
      id: "c1",
      metadata: { name: "app", attempt: 2 },
      state: ContainerState.CONTAINER_EXITED,
      createdAt: 1_700_000_000_000_000_000n,
      startedAt: 1_700_000_001_000_000_000n,
      finishedAt: 9_007_199_254_740_993n, // above Number.MAX_SAFE_INTEGER
      exitCode: -1,
      image: { image: "docker.io/library/busybox:1.36", annotations: { a: "b" } },
      imageRef: "sha256:abc",
      reason: "OOMKilled",
      message: "killed",
      labels: { app: "demo" },
      annotations: { note: "x" },
      mounts: [{ containerPath: "/data", hostPath: "/srv", readonly: true }],
      logPath: "app/0.log",
      resources: { linux: { cpuQuota: -1n, memoryLimitInBytes: 256n * 1024n * 1024n } },
      imageId: "sha256:abc",
      user: { linux: { uid: 1000n, gid: 1000n, supplementalGroups: [4n, 20n] } },
      stopSignal: Signal.SIGTERM,
    });

    const bytes = toBinary(ContainerStatusSchema, status);
    const decoded = fromBinary(ContainerStatusSchema, bytes);

    expect(decoded).toEqual(status);
    expect(typeof decoded.createdAt).toBe("bigint");
    expect(decoded.finishedAt).toBe(9_007_199_254_740_993n);
    expect(decoded.resources?.linux?.cpuQuota).toBe(-1n);
    expect(decoded.user?.linux?.supplementalGroups).toEqual([4n, 20n]);
    expect(decoded.labels).toEqual({ app: "demo" });
    expect(decoded.state).toBe(ContainerState.CONTAINER_EXITED);
  });

  it("encodes VersionRequest.version as field 1 (string)", () => {
    const bytes = toBinary(VersionRequestSchema, create(VersionRequestSchema, { version: "v1" }));
    // tag = (1 << 3) | 2 = 0x0a, length 2, "v1"
    expect(Array.from(bytes)).toEqual([0x0a, 0x02, 0x76, 0x31]);
  });
});
