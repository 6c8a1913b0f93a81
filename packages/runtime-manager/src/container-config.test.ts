import { MountPropagation, SecurityProfile_ProfileType } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { generateContainerConfig } from "./container-config.js";
import { makeEnvironmentVariables } from "./env.js";
import { container, makePod, POD_UID } from "./fixtures.test-util.js";
import { hashContainer } from "./hash.js";

const base = {
  restartCount: 2,
  imageRef: "sha256:feed",
  cpuCfsQuota: true,
  seccompProfileRoot: "/var/lib/kubelet/seccomp",
};

describe("generateContainerConfig", () => {
  it("builds metadata, image, expanded command/args, env, labels, annotations, log path and stdio", () => {
    const c = container("app", {
      image: "busybox:1.36",
      command: ["sh", "-c"],
      args: ["echo $(NAME) $$(NAME) $(NOPE)"],
      workingDir: "/work",
      stdin: true,
      tty: true,
    });
    const envs = [{ name: "NAME", value: "world" }];
    const config = generateContainerConfig(makePod({ containers: [c] }), c, { ...base, envs });
    expect(config.metadata).toMatchObject({ name: "app", attempt: 2 });
    expect(config.image).toMatchObject({ image: "sha256:feed", userSpecifiedImage: "busybox:1.36" });
    expect(config.command).toEqual(["sh", "-c"]);
    expect(config.args).toEqual(["echo world $(NAME) $(NOPE)"]);
    expect(config.workingDir).toBe("/work");
    expect(config.envs.map((e) => [e.key, e.value])).toEqual([["NAME", "world"]]);
    expect(config.logPath).toBe("app/2.log");
    expect(config.stdin).toBe(true);
    expect(config.tty).toBe(true);
    expect(config.labels["io.kubernetes.container.name"]).toBe("app");
    expect(config.annotations["io.kubernetes.container.hash"]).toBe(hashContainer(c));
    expect(config.annotations["io.kubernetes.container.restartCount"]).toBe("2");
  });

  it("turns resources into CPU shares, CFS quota/period and the memory limit", () => {
    const c = container("app", {
      resources: { requests: { cpu: "100m" }, limits: { cpu: "2", memory: "256Mi" } },
    });
    const resources = generateContainerConfig(makePod({ containers: [c] }), c, { ...base, envs: [] }).linux
      ?.resources;
    expect(resources?.cpuShares).toBe(102n);
    expect(resources?.cpuQuota).toBe(200_000n);
    expect(resources?.cpuPeriod).toBe(100_000n);
    expect(resources?.memoryLimitInBytes).toBe(268_435_456n);
  });

  it("applies the container security context over the pod's", () => {
    const c = container("app", {
      securityContext: {
        runAsUser: 1001,
        privileged: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
        seccompProfile: { type: "Localhost", localhostProfile: "profiles/a.json" },
      },
    });
    const pod = makePod({ containers: [c], securityContext: { runAsUser: 1, runAsGroup: 2, fsGroup: 3 } });
    const sc = generateContainerConfig(pod, c, { ...base, envs: [] }).linux?.securityContext;
    expect(sc?.runAsUser?.value).toBe(1001n);
    expect(sc?.runAsGroup?.value).toBe(2n);
    expect(sc?.privileged).toBe(true);
    expect(sc?.readonlyRootfs).toBe(true);
    expect(sc?.noNewPrivs).toBe(true);
    expect(sc?.capabilities).toMatchObject({ addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] });
    expect(sc?.supplementalGroups).toEqual([3n]);
    expect(sc?.seccomp).toMatchObject({
      profileType: SecurityProfile_ProfileType.Localhost,
      localhostRef: "/var/lib/kubelet/seccomp/profiles/a.json",
    });
  });

  it("mounts volumes from the volume manager and the termination log at terminationMessagePath", () => {
    const c = container("app", {
      volumeMounts: [
        { name: "data", mountPath: "/data", subPath: "sub", mountPropagation: "HostToContainer" },
        { name: "cfg", mountPath: "/etc/cfg", readOnly: true },
      ],
    });
    const volumes = new Map([
      [
        "data",
        {
          name: "data",
          pluginName: "kubernetes.io/empty-dir",
          hostPath: "/v/data",
          kind: "filesystem" as const,
          readOnly: false,
          selinuxRelabel: false,
        },
      ],
      [
        "cfg",
        {
          name: "cfg",
          pluginName: "kubernetes.io/configmap",
          hostPath: "/v/cfg",
          kind: "filesystem" as const,
          readOnly: false,
          selinuxRelabel: false,
        },
      ],
    ]);
    const config = generateContainerConfig(makePod({ containers: [c] }), c, {
      ...base,
      envs: [],
      volumes,
      terminationLogHostPath: "/root/pods/u/containers/app/0123abcd",
    });
    expect(config.mounts.map((m) => [m.containerPath, m.hostPath, m.readonly, m.propagation])).toEqual([
      ["/data", "/v/data/sub", false, MountPropagation.PROPAGATION_HOST_TO_CONTAINER],
      ["/etc/cfg", "/v/cfg", true, MountPropagation.PROPAGATION_PRIVATE],
      [
        "/dev/termination-log",
        "/root/pods/u/containers/app/0123abcd",
        false,
        MountPropagation.PROPAGATION_PRIVATE,
      ],
    ]);
    expect(() => generateContainerConfig(makePod({ containers: [c] }), c, { ...base, envs: [] })).toThrow(
      'cannot find volume "data" to mount into container "app"',
    );
  });
});

describe("container environment", () => {
  const pod = makePod(
    { nodeName: "node-1", serviceAccountName: "sa", terminationGracePeriodSeconds: 45 },
    { labels: { b: "2", a: "1" }, annotations: { note: 'say "hi"' } },
  );
  const ctx = { podIps: ["10.88.0.2", "fd00::2"], nodeIps: ["192.168.0.10"] };

  it("resolves literal values with $(VAR) references to earlier variables, in declaration order", () => {
    const c = container("app", {
      env: [
        { name: "A", value: "x" },
        { name: "B", value: "$(A)-$(C)-$$(A)" },
        { name: "C", value: "z" },
      ],
    });
    expect(makeEnvironmentVariables(pod, c, ctx)).toEqual([
      { name: "A", value: "x" },
      { name: "B", value: "x-$(C)-$(A)" },
      { name: "C", value: "z" },
    ]);
  });

  it("resolves downward API field references", () => {
    const fields = [
      "metadata.name",
      "metadata.namespace",
      "metadata.uid",
      "metadata.labels",
      "metadata.labels['a']",
      "metadata.annotations['note']",
      "spec.nodeName",
      "spec.serviceAccountName",
      "status.podIP",
      "status.podIPs",
      "status.hostIP",
      "status.hostIPs",
      "spec.terminationGracePeriodSeconds",
    ];
    const c = container("app", {
      env: fields.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
    });
    expect(makeEnvironmentVariables(pod, c, ctx).map((e) => e.value)).toEqual([
      "web",
      "default",
      POD_UID,
      'a="1"\nb="2"',
      "1",
      'say "hi"',
      "node-1",
      "sa",
      "10.88.0.2",
      "10.88.0.2,fd00::2",
      "192.168.0.10",
      "192.168.0.10",
      "45",
    ]);
  });

  it("fails on references that need the API, skipping optional ones", () => {
    const optional = container("app", {
      env: [{ name: "S", valueFrom: { secretKeyRef: { name: "s", key: "k", optional: true } } }],
    });
    expect(makeEnvironmentVariables(pod, optional, ctx)).toEqual([]);
    const required = container("app", {
      env: [{ name: "S", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } }],
    });
    expect(() => makeEnvironmentVariables(pod, required, ctx)).toThrow(
      "couldn't get configMap default/cm, no kubeClient defined",
    );
    const bad = container("app", {
      env: [{ name: "S", valueFrom: { fieldRef: { fieldPath: "spec.nope" } } }],
    });
    expect(() => makeEnvironmentVariables(pod, bad, ctx)).toThrow("field label not supported: spec.nope");
  });
});
