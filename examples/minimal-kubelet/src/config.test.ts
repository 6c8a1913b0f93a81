import { isKubeletKitError } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { decodeKubeletConfiguration, resolveKubeletConfiguration } from "./config.js";
import { KUBELET_CONFIGURATION_DEFAULTS } from "./config-fields.js";
import { parseFlags } from "./flags.js";

const FILE = "/etc/kubernetes/kubelet.yaml";
const HEADER = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

function decode(body: string) {
  return decodeKubeletConfiguration(HEADER + body, FILE);
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

describe("KubeletConfiguration defaults", () => {
  it("are the kubelet's when nothing is set", () => {
    const config = resolveKubeletConfiguration([{ layer: decode("").layer, origin: FILE }]);
    expect(config).toEqual({
      staticPodPath: "",
      fileCheckFrequencyMs: 20_000,
      staticPodURL: "",
      staticPodURLHeader: {},
      httpCheckFrequencyMs: 20_000,
      syncFrequencyMs: 60_000,
      containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
      imageServiceEndpoint: "",
      runtimeRequestTimeoutMs: 120_000,
      podLogsDir: "/var/log/pods",
      serializeImagePulls: true,
      maxPods: 110,
      clusterDomain: "",
      clusterDNS: [],
      resolvConf: "/etc/resolv.conf",
      cpuCFSQuota: true,
    });
    expect(config).toEqual(KUBELET_CONFIGURATION_DEFAULTS);
  });
});

describe("decodeKubeletConfiguration", () => {
  it("reads every supported field, durations as Go duration strings", () => {
    const { layer, warnings } = decode(`
staticPodPath: /etc/kubernetes/manifests
fileCheckFrequency: 5s
staticPodURL: http://config.local/pods
staticPodURLHeader:
  Authorization: ["Bearer t"]
  X-Node: [a, b]
httpCheckFrequency: 1m30s
syncFrequency: 30s
containerRuntimeEndpoint: unix:///run/k3s/containerd.sock
imageServiceEndpoint: unix:///run/images.sock
runtimeRequestTimeout: 10m
podLogsDir: /data/pods
serializeImagePulls: false
maxPods: 20
clusterDomain: cluster.local
clusterDNS: [10.96.0.10]
resolvConf: /run/systemd/resolve/resolv.conf
cpuCFSQuota: false
`);
    expect(warnings).toEqual([]);
    expect(layer).toEqual({
      staticPodPath: "/etc/kubernetes/manifests",
      fileCheckFrequencyMs: 5_000,
      staticPodURL: "http://config.local/pods",
      staticPodURLHeader: { Authorization: ["Bearer t"], "X-Node": ["a", "b"] },
      httpCheckFrequencyMs: 90_000,
      syncFrequencyMs: 30_000,
      containerRuntimeEndpoint: "unix:///run/k3s/containerd.sock",
      imageServiceEndpoint: "unix:///run/images.sock",
      runtimeRequestTimeoutMs: 600_000,
      podLogsDir: "/data/pods",
      serializeImagePulls: false,
      maxPods: 20,
      clusterDomain: "cluster.local",
      clusterDNS: ["10.96.0.10"],
      resolvConf: "/run/systemd/resolve/resolv.conf",
      cpuCFSQuota: false,
    });
  });

  it("warns about unknown fields and about kubelet fields it does not implement, naming the file", () => {
    const { layer, warnings } = decode(
      "syncFrequency: 10s\nimagePullProgressDeadline: 1m\nport: 10250\nfoo: 1\n",
    );
    expect(layer).toEqual({ syncFrequencyMs: 10_000 });
    expect(warnings).toEqual([
      `${FILE}: unknown field "imagePullProgressDeadline"; ignoring it`,
      `${FILE}: field "port" is not implemented by minimal-kubelet; ignoring it`,
      `${FILE}: unknown field "foo"; ignoring it`,
    ]);
  });

  it("treats null as not set", () => {
    expect(decode("staticPodPath: null\n").layer).toEqual({});
  });

  it.each([
    ["syncFrequency: 20\n", 'syncFrequency: must be a duration string such as "20s" or "1m0s", got 20'],
    ["syncFrequency: soon\n", 'syncFrequency: invalid duration "soon"'],
    ["fileCheckFrequency: 20\n".replace("20", '"20"'), 'fileCheckFrequency: missing unit in duration "20"'],
    ["maxPods: many\n", 'maxPods: must be an integer, got "many"'],
    ["maxPods: 1.5\n", "maxPods: must be an integer, got 1.5"],
    ["serializeImagePulls: yes-please\n", 'serializeImagePulls: must be true or false, got "yes-please"'],
    ["clusterDNS: 10.0.0.10\n", 'clusterDNS: must be a list of strings, got "10.0.0.10"'],
    ["staticPodURLHeader: {A: b}\n", 'staticPodURLHeader: header "A" must be a list of strings, got "b"'],
  ])("rejects a value of the wrong type (%j), naming the file and the field", (body, message) => {
    const err = errorOf(() => decode(body));
    expect(isKubeletKitError(err, "InvalidConfig")).toBe(true);
    expect(err.message).toBe(`[InvalidConfig] ${FILE}: ${message}`);
    expect((err as { details?: Record<string, unknown> }).details).toMatchObject({ file: FILE });
  });

  it("rejects another kind or apiVersion", () => {
    expect(errorOf(() => decodeKubeletConfiguration("apiVersion: v1\nkind: Pod\n", FILE)).message).toBe(
      `[InvalidConfig] ${FILE}: kind: must be "KubeletConfiguration", got "Pod"`,
    );
    expect(
      errorOf(() =>
        decodeKubeletConfiguration(
          "apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n",
          FILE,
        ),
      ).message,
    ).toBe(
      `[InvalidConfig] ${FILE}: apiVersion: must be "kubelet.config.k8s.io/v1beta1", got "kubelet.config.k8s.io/v1"`,
    );
  });

  it("rejects YAML that does not parse, and a document that is not an object", () => {
    expect(errorOf(() => decodeKubeletConfiguration("a: [1, 2\n", FILE)).message).toMatch(
      new RegExp(`^\\[InvalidConfig\\] ${FILE}: not valid YAML: `),
    );
    expect(errorOf(() => decodeKubeletConfiguration("- 1\n", FILE)).message).toBe(
      `[InvalidConfig] ${FILE}: expected a KubeletConfiguration object`,
    );
  });
});

describe("resolveKubeletConfiguration", () => {
  it("lets flags set on the command line override the file, field by field", () => {
    const file = decode("staticPodPath: /from/file\nsyncFrequency: 30s\nmaxPods: 10\n");
    const flags = parseFlags(["--pod-manifest-path", "/from/flag", "--max-pods=5"]);
    const config = resolveKubeletConfiguration([
      { layer: file.layer, origin: FILE },
      { layer: flags.layer, origin: "flags" },
    ]);
    expect(config.staticPodPath).toBe("/from/flag");
    expect(config.maxPods).toBe(5);
    expect(config.syncFrequencyMs).toBe(30_000);
    expect(config.fileCheckFrequencyMs).toBe(20_000);
  });

  it("rejects invalid values, naming the field, its flag and the file that set it", () => {
    const err = errorOf(() =>
      resolveKubeletConfiguration([{ layer: decode("maxPods: -1\n").layer, origin: FILE }]),
    );
    expect(isKubeletKitError(err, "InvalidConfig")).toBe(true);
    expect(err.message).toBe(
      `[InvalidConfig] invalid configuration: maxPods (--max-pods) -1 must not be a negative number (set in ${FILE})`,
    );
  });

  it("names the command line when a flag set the invalid value", () => {
    const err = errorOf(() =>
      resolveKubeletConfiguration([{ layer: parseFlags(["--sync-frequency", "0s"]).layer, origin: "flags" }]),
    );
    expect(err.message).toBe(
      "[InvalidConfig] invalid configuration: syncFrequency (--sync-frequency) 0 ms must be greater than zero (set in the command line)",
    );
  });

  it.each([
    ["podLogsDir: logs\n", 'podLogsDir (--pod-logs-dir) "logs" must be an absolute path'],
    ["podLogsDir: /var/log/pods/\n", 'podLogsDir (--pod-logs-dir) "/var/log/pods/" must be normalized'],
    ["podLogsDir: /var/log/../pods\n", 'podLogsDir (--pod-logs-dir) "/var/log/../pods" must be normalized'],
    ['podLogsDir: ""\n', "podLogsDir (--pod-logs-dir) was not specified"],
    [
      "podLogsDir: /var/log/pöds\n",
      'podLogsDir (--pod-logs-dir) "/var/log/pöds" must contain ASCII characters only',
    ],
    [
      "runtimeRequestTimeout: -1s\n",
      "runtimeRequestTimeout (--runtime-request-timeout) -1000 ms must be greater than zero",
    ],
    [
      'containerRuntimeEndpoint: ""\n',
      "containerRuntimeEndpoint (--container-runtime-endpoint) must not be empty",
    ],
    [
      "staticPodURL: ftp://x/pods\n",
      'staticPodURL (--manifest-url) "ftp://x/pods" must be an http:// or https:// URL',
    ],
  ])("checks %j", (body, problem) => {
    const err = errorOf(() => resolveKubeletConfiguration([{ layer: decode(body).layer, origin: FILE }]));
    expect(err.message).toBe(`[InvalidConfig] invalid configuration: ${problem} (set in ${FILE})`);
  });
});
