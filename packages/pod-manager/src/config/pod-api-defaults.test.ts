import type { V1Container, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { applyPodApiDefaults, defaultImagePullPolicy } from "./pod-api-defaults.js";

const SHA256 = `sha256:${"a".repeat(64)}`;

function pod(spec: Partial<V1PodSpec> = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: { containers: [{ name: "web", image: "busybox:1.36" }], ...spec },
  };
}

function onlyContainer(container: Partial<V1Container>): V1Container {
  const spec = applyPodApiDefaults(
    pod({ containers: [{ name: "web", image: "busybox:1.36", ...container }] }),
  ).spec as V1PodSpec;
  return spec.containers[0] as V1Container;
}

describe("pod API defaults: the pod spec", () => {
  it("fills restart policy, grace period, DNS policy, scheduler, security context and service links", () => {
    expect(applyPodApiDefaults(pod()).spec).toMatchObject({
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      securityContext: {},
      enableServiceLinks: true,
    });
  });

  it("keeps values the manifest sets, including a zero grace period and disabled service links", () => {
    const spec = applyPodApiDefaults(
      pod({
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 0,
        dnsPolicy: "Default",
        schedulerName: "mine",
        securityContext: { runAsUser: 1000 },
        enableServiceLinks: false,
      }),
    ).spec;
    expect(spec).toMatchObject({
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 0,
      dnsPolicy: "Default",
      schedulerName: "mine",
      securityContext: { runAsUser: 1000 },
      enableServiceLinks: false,
    });
  });

  it("treats an empty string or null as absent, as Go's decoder does", () => {
    const spec = applyPodApiDefaults(
      pod({ restartPolicy: "", terminationGracePeriodSeconds: null as unknown as number }),
    ).spec;
    expect(spec?.restartPolicy).toBe("Always");
    expect(spec?.terminationGracePeriodSeconds).toBe(30);
  });

  it("defaults a pod that has no spec at all, leaving validation to reject the missing containers", () => {
    const defaulted = applyPodApiDefaults({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } });
    expect(defaulted.spec?.restartPolicy).toBe("Always");
    expect(defaulted.spec?.containers).toBeUndefined();
  });

  it("returns a copy and leaves the input untouched; applying it twice changes nothing more", () => {
    const input = pod({ containers: [{ name: "web", image: "busybox", ports: [{ containerPort: 80 }] }] });
    const before = structuredClone(input);
    const once = applyPodApiDefaults(input);
    expect(input).toEqual(before);
    expect(once).not.toBe(input);
    expect(applyPodApiDefaults(once)).toEqual(once);
  });

  it("does not throw on shapes validation will reject", () => {
    const odd = {
      metadata: { name: "x" },
      spec: { containers: "web", initContainers: [null, 3], volumes: { name: "v" } },
    } as unknown as V1Pod;
    expect(applyPodApiDefaults(odd).spec?.containers).toBe("web");
  });
});

describe("pod API defaults: image pull policy", () => {
  it.each([
    ["busybox", "Always"],
    ["busybox:latest", "Always"],
    ["busybox:1.36", "IfNotPresent"],
    ["library/busybox", "Always"],
    ["docker.io/library/busybox:1.36", "IfNotPresent"],
    ["registry.k8s.io/pause", "Always"],
    ["registry.k8s.io/pause:3.10", "IfNotPresent"],
    ["localhost:5000/app", "Always"],
    ["localhost:5000/app:v1", "IfNotPresent"],
    ["[::1]:5000/app", "Always"],
    [`busybox@${SHA256}`, "IfNotPresent"],
    [`busybox:latest@${SHA256}`, "Always"],
    [`busybox:1.36@${SHA256}`, "IfNotPresent"],
  ])("gives %s the policy %s", (image, policy) => {
    expect(defaultImagePullPolicy(image)).toBe(policy);
  });

  it.each([
    ["an upper-case repository", "Busybox"],
    ["an empty image", ""],
    ["an image ID", "a".repeat(64)],
    ["an unsupported digest algorithm", `busybox@md5:${"a".repeat(32)}`],
    ["a sha256 digest of the wrong length", `busybox@sha256:${"a".repeat(63)}`],
    ["an upper-case hex digest", `busybox@sha256:${"A".repeat(64)}`],
    ["a repository name over 255 characters", `registry.example.com/${"a".repeat(240)}`],
    ["a bad tag", "busybox:-x"],
    ["surrounding spaces", " busybox"],
  ])("reads %s as having no tag, so IfNotPresent", (_what, image) => {
    expect(defaultImagePullPolicy(image)).toBe("IfNotPresent");
  });

  it("reads a registry given in capitals as a domain, not a repository", () => {
    expect(defaultImagePullPolicy("Registry.Example.com/app")).toBe("Always");
  });

  it("reads a reference longer than any valid one as unparseable", () => {
    expect(defaultImagePullPolicy(`${"a-".repeat(5000)}!`)).toBe("IfNotPresent");
  });

  it("sets the container's policy from its image and keeps an explicit one", () => {
    expect(onlyContainer({ image: "busybox" }).imagePullPolicy).toBe("Always");
    expect(onlyContainer({ image: "busybox:1.36" }).imagePullPolicy).toBe("IfNotPresent");
    expect(onlyContainer({ image: "busybox", imagePullPolicy: "Never" }).imagePullPolicy).toBe("Never");
  });
});

describe("pod API defaults: containers", () => {
  it("fills the termination message path and policy of containers, init and ephemeral containers", () => {
    const spec = applyPodApiDefaults(
      pod({
        initContainers: [{ name: "init", image: "busybox" }],
        ephemeralContainers: [{ name: "debug", image: "busybox" }],
      }),
    ).spec as V1PodSpec;
    for (const container of [spec.containers[0], spec.initContainers?.[0], spec.ephemeralContainers?.[0]]) {
      expect(container).toMatchObject({
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
      });
    }
    expect(spec.initContainers?.[0]?.imagePullPolicy).toBe("Always");
    expect(spec.ephemeralContainers?.[0]?.imagePullPolicy).toBe("Always");
  });

  it("gives ports the TCP protocol and keeps UDP", () => {
    const container = onlyContainer({
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }],
    });
    expect(container.ports).toEqual([
      { containerPort: 80, protocol: "TCP" },
      { containerPort: 53, protocol: "UDP" },
    ]);
  });

  it("sets each host-network port's hostPort to its containerPort, for containers and init containers", () => {
    const spec = applyPodApiDefaults(
      pod({
        hostNetwork: true,
        containers: [
          {
            name: "web",
            image: "nginx:1",
            ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 8081 }],
          },
        ],
        initContainers: [{ name: "init", image: "nginx:1", ports: [{ containerPort: 90 }] }],
        ephemeralContainers: [{ name: "debug", image: "nginx:1", ports: [{ containerPort: 99 }] }],
      }),
    ).spec as V1PodSpec;
    expect(spec.containers[0]?.ports?.map((port) => port.hostPort)).toEqual([80, 8081]);
    expect(spec.initContainers?.[0]?.ports?.[0]?.hostPort).toBe(90);
    expect(spec.ephemeralContainers?.[0]?.ports?.[0]?.hostPort).toBeUndefined();
  });

  it("leaves hostPort unset without host networking", () => {
    expect(onlyContainer({ ports: [{ containerPort: 80 }] }).ports?.[0]?.hostPort).toBeUndefined();
  });

  it("requests what a container limits but does not request, for containers and init containers", () => {
    const spec = applyPodApiDefaults(
      pod({
        containers: [
          { name: "a", image: "x:1", resources: { limits: { cpu: "500m", memory: "128Mi" } } },
          {
            name: "b",
            image: "x:1",
            resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "250m" } },
          },
          { name: "c", image: "x:1", resources: { requests: { cpu: "100m" } } },
        ],
        initContainers: [{ name: "i", image: "x:1", resources: { limits: { memory: "64Mi" } } }],
      }),
    ).spec as V1PodSpec;
    expect(spec.containers[0]?.resources).toEqual({
      limits: { cpu: "500m", memory: "128Mi" },
      requests: { cpu: "500m", memory: "128Mi" },
    });
    expect(spec.containers[1]?.resources?.requests).toEqual({ cpu: "250m", memory: "1Gi" });
    expect(spec.containers[2]?.resources).toEqual({ requests: { cpu: "100m" } });
    expect(spec.initContainers?.[0]?.resources?.requests).toEqual({ memory: "64Mi" });
  });

  it("gives env field references the API version v1", () => {
    const container = onlyContainer({
      env: [
        { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        { name: "PLAIN", value: "1" },
      ],
    });
    expect(container.env?.[0]?.valueFrom?.fieldRef).toEqual({ apiVersion: "v1", fieldPath: "spec.nodeName" });
    expect(container.env?.[1]).toEqual({ name: "PLAIN", value: "1" });
  });
});

describe("pod API defaults: probes and hooks", () => {
  it("fills timeout 1 s, period 10 s, success 1 and failure 3 on liveness, readiness and startup probes", () => {
    const container = onlyContainer({
      livenessProbe: { exec: { command: ["true"] } },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
      startupProbe: { exec: { command: ["true"] }, failureThreshold: 30 },
    });
    const defaults = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
    expect(container.livenessProbe).toMatchObject(defaults);
    expect(container.readinessProbe).toMatchObject({ ...defaults, periodSeconds: 5 });
    expect(container.startupProbe).toMatchObject({ ...defaults, failureThreshold: 30 });
    expect(container.livenessProbe?.initialDelaySeconds).toBeUndefined();
  });

  it("treats a zero threshold or period as unset, as upstream does", () => {
    const probe = onlyContainer({
      livenessProbe: { exec: { command: ["true"] }, periodSeconds: 0 },
    }).livenessProbe;
    expect(probe?.periodSeconds).toBe(10);
  });

  it("gives HTTP checks the path / and the scheme HTTP, and gRPC checks the empty service", () => {
    const container = onlyContainer({
      livenessProbe: { httpGet: { port: 8080 } },
      readinessProbe: { httpGet: { port: 8443, path: "/ready", scheme: "HTTPS" } },
      startupProbe: { grpc: { port: 9000 } },
    });
    expect(container.livenessProbe?.httpGet).toEqual({ port: 8080, path: "/", scheme: "HTTP" });
    expect(container.readinessProbe?.httpGet).toEqual({ port: 8443, path: "/ready", scheme: "HTTPS" });
    expect(container.startupProbe?.grpc).toEqual({ port: 9000, service: "" });
  });

  it("gives lifecycle HTTP hooks the path / and the scheme HTTP", () => {
    const container = onlyContainer({
      lifecycle: { postStart: { httpGet: { port: 80 } }, preStop: { exec: { command: ["stop"] } } },
    });
    expect(container.lifecycle?.postStart?.httpGet).toEqual({ port: 80, path: "/", scheme: "HTTP" });
    expect(container.lifecycle?.preStop).toEqual({ exec: { command: ["stop"] } });
  });
});

describe("pod API defaults: volumes", () => {
  it("makes a volume without a source an emptyDir, and leaves other sources alone", () => {
    const spec = applyPodApiDefaults(
      pod({ volumes: [{ name: "scratch" }, { name: "nfs", nfs: { server: "s", path: "/" } }] }),
    ).spec as V1PodSpec;
    expect(spec.volumes?.[0]).toEqual({ name: "scratch", emptyDir: {} });
    expect(spec.volumes?.[1]).toEqual({ name: "nfs", nfs: { server: "s", path: "/" } });
  });

  it("gives secret, configMap, downwardAPI and projected volumes the mode 0644, keeping explicit modes", () => {
    const spec = applyPodApiDefaults(
      pod({
        volumes: [
          { name: "s", secret: { secretName: "s" } },
          { name: "c", configMap: { name: "c", defaultMode: 0o400 } },
          { name: "d", downwardAPI: { items: [{ path: "n", fieldRef: { fieldPath: "metadata.name" } }] } },
          {
            name: "p",
            projected: {
              sources: [
                { serviceAccountToken: { path: "token" } },
                { downwardAPI: { items: [{ path: "l", fieldRef: { fieldPath: "metadata.labels" } }] } },
              ],
            },
          },
        ],
      }),
    ).spec as V1PodSpec;
    const [secret, configMap, downward, projected] = spec.volumes ?? [];
    expect(secret?.secret?.defaultMode).toBe(420);
    expect(configMap?.configMap?.defaultMode).toBe(0o400);
    expect(downward?.downwardAPI?.defaultMode).toBe(420);
    expect(downward?.downwardAPI?.items?.[0]?.fieldRef?.apiVersion).toBe("v1");
    expect(projected?.projected?.defaultMode).toBe(420);
    expect(projected?.projected?.sources?.[0]?.serviceAccountToken?.expirationSeconds).toBe(3600);
    expect(projected?.projected?.sources?.[1]?.downwardAPI?.items?.[0]?.fieldRef?.apiVersion).toBe("v1");
  });

  it("fills the hostPath type, the ephemeral claim's volume mode and the image volume pull policy", () => {
    const spec = applyPodApiDefaults(
      pod({
        volumes: [
          { name: "h", hostPath: { path: "/var/log" } },
          { name: "e", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } },
          { name: "i", image: { reference: "quay.io/org/data" } },
          { name: "j", image: { reference: "quay.io/org/data:v2" } },
        ],
      }),
    ).spec as V1PodSpec;
    const [hostPath, ephemeral, latest, tagged] = spec.volumes ?? [];
    expect(hostPath?.hostPath?.type).toBe("");
    expect(ephemeral?.ephemeral?.volumeClaimTemplate?.spec.volumeMode).toBe("Filesystem");
    expect(latest?.image?.pullPolicy).toBe("Always");
    expect(tagged?.image?.pullPolicy).toBe("IfNotPresent");
  });

  it("fills the iSCSI interface and the RBD pool, user and keyring", () => {
    const spec = applyPodApiDefaults(
      pod({
        volumes: [
          { name: "i", iscsi: { iqn: "q", lun: 0, targetPortal: "t" } },
          { name: "r", rbd: { image: "img", monitors: ["m"], user: "me" } },
        ],
      }),
    ).spec as V1PodSpec;
    expect(spec.volumes?.[0]?.iscsi?.iscsiInterface).toBe("default");
    expect(spec.volumes?.[1]?.rbd).toMatchObject({ pool: "rbd", user: "me", keyring: "/etc/ceph/keyring" });
  });
});
