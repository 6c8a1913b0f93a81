import { NamespaceMode, Protocol, SecurityProfile_ProfileType } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { podDnsConfig } from "./dns.js";
import { container, makePod, POD_UID } from "./fixtures.test-util.js";
import { generatePodSandboxConfig, podHostname } from "./sandbox-config.js";

const context = {
  podLogsDir: "/var/log/pods",
  dns: { clusterDnsIps: ["10.96.0.10"], clusterDomain: "cluster.local" },
};

describe("generatePodSandboxConfig", () => {
  it("fills metadata, hostname, log directory, labels, annotations, DNS and port mappings", () => {
    const pod = makePod(
      {
        containers: [
          container("app", {
            ports: [
              { containerPort: 80, hostPort: 8080, protocol: "TCP" },
              { containerPort: 53, protocol: "UDP", hostIP: "127.0.0.1" },
              { name: "dup", containerPort: 1 },
              { name: "dup", containerPort: 2 },
            ],
          }),
        ],
      },
      { labels: { app: "web" }, annotations: { a: "b" } },
    );
    const config = generatePodSandboxConfig(pod, 2, context);
    expect(config.metadata).toMatchObject({ name: "web", namespace: "default", uid: POD_UID, attempt: 2 });
    expect(config.hostname).toBe("web");
    expect(config.logDirectory).toBe(`/var/log/pods/default_web_${POD_UID}`);
    expect(config.labels).toEqual({
      app: "web",
      "io.kubernetes.pod.name": "web",
      "io.kubernetes.pod.namespace": "default",
      "io.kubernetes.pod.uid": POD_UID,
    });
    expect(config.annotations).toEqual({ a: "b" });
    expect(config.dnsConfig).toMatchObject({
      servers: ["10.96.0.10"],
      searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
      options: ["ndots:5"],
    });
    expect(
      config.portMappings.map(({ protocol, containerPort, hostPort, hostIp }) => [
        protocol,
        containerPort,
        hostPort,
        hostIp,
      ]),
    ).toEqual([
      [Protocol.TCP, 80, 8080, ""],
      [Protocol.UDP, 53, 0, "127.0.0.1"],
      [Protocol.TCP, 1, 0, ""],
    ]);
  });

  it("sets namespaces, users, groups, sysctls and privilege in the Linux part", () => {
    const pod = makePod({
      hostNetwork: true,
      hostPID: true,
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 3000,
        fsGroup: 2000,
        supplementalGroups: [4000],
        sysctls: [{ name: "net/ipv4/ip_forward", value: "1" }],
      },
      initContainers: [container("init", { securityContext: { privileged: true } })],
    });
    const config = generatePodSandboxConfig(pod, 0, context);
    expect(config.hostname).toBe("");
    const linux = config.linux;
    expect(linux?.sysctls).toEqual({ "net.ipv4.ip_forward": "1" });
    expect(linux?.securityContext?.namespaceOptions).toMatchObject({
      network: NamespaceMode.NODE,
      pid: NamespaceMode.NODE,
      ipc: NamespaceMode.POD,
    });
    expect(linux?.securityContext?.runAsUser?.value).toBe(1000n);
    expect(linux?.securityContext?.runAsGroup?.value).toBe(3000n);
    expect(linux?.securityContext?.supplementalGroups).toEqual([2000n, 4000n]);
    expect(linux?.securityContext?.privileged).toBe(true);
    expect(linux?.securityContext?.seccomp?.profileType).toBe(SecurityProfile_ProfileType.RuntimeDefault);
  });

  it("shares the PID namespace with shareProcessNamespace, else one per container", () => {
    const shared = generatePodSandboxConfig(makePod({ shareProcessNamespace: true }), 0, context);
    const own = generatePodSandboxConfig(makePod(), 0, context);
    expect(shared.linux?.securityContext?.namespaceOptions?.pid).toBe(NamespaceMode.POD);
    expect(own.linux?.securityContext?.namespaceOptions?.pid).toBe(NamespaceMode.CONTAINER);
  });
});

describe("pod hostname", () => {
  it("uses spec.hostname, truncates to 63 characters without a trailing dash, builds the FQDN on request", () => {
    expect(podHostname(makePod({ hostname: "h1" }), "cluster.local")).toBe("h1");
    expect(podHostname(makePod({}, { name: `${"a".repeat(62)}-bbb` }), "c")).toBe("a".repeat(62));
    expect(podHostname(makePod({ subdomain: "sub", setHostnameAsFQDN: true }), "cluster.local")).toBe(
      "web.sub.default.svc.cluster.local",
    );
    expect(() =>
      podHostname(
        makePod({ hostname: "h".repeat(60), subdomain: "sub", setHostnameAsFQDN: true }),
        "cluster.local",
      ),
    ).toThrow(/is too long \(64 characters is the max/);
  });
});

describe("pod DNS", () => {
  const host = { servers: ["192.168.1.1"], searches: ["corp.example"], options: ["timeout:2"] };

  it("ClusterFirst uses the cluster DNS and appends the host's search domains", () => {
    expect(podDnsConfig(makePod(), { ...context.dns, host })).toEqual({
      servers: ["10.96.0.10"],
      searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"],
      options: ["ndots:5"],
    });
  });

  it("host-network ClusterFirst and Default use the host config; None starts empty", () => {
    expect(podDnsConfig(makePod({ hostNetwork: true }), { ...context.dns, host })).toEqual(host);
    expect(podDnsConfig(makePod({ dnsPolicy: "Default" }), { ...context.dns, host })).toEqual(host);
    expect(
      podDnsConfig(makePod({ dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true }), context.dns).servers,
    ).toEqual(["10.96.0.10"]);
    expect(podDnsConfig(makePod({ dnsPolicy: "None" }), { ...context.dns, host })).toEqual({
      servers: [],
      searches: [],
      options: [],
    });
  });

  it("falls back to the host config without cluster DNS, and merges spec.dnsConfig", () => {
    expect(podDnsConfig(makePod(), { host })).toEqual(host);
    const pod = makePod({
      dnsConfig: {
        nameservers: ["1.1.1.1", "10.96.0.10"],
        searches: ["x.y"],
        options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
      },
    });
    expect(podDnsConfig(pod, context.dns)).toEqual({
      servers: ["10.96.0.10", "1.1.1.1"],
      searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "x.y"],
      options: ["ndots:2", "edns0"],
    });
  });
});
