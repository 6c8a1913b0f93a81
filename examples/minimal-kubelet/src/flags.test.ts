import { describe, expect, it } from "vitest";
import { parseFlags, usage } from "./flags.js";

describe("parseFlags", () => {
  it("has table output and nothing else set by default", () => {
    expect(parseFlags([])).toEqual({
      configFile: undefined,
      layer: {},
      rootDir: undefined,
      hostnameOverride: undefined,
      output: "table",
      help: false,
    });
  });

  it("takes kubelet flags as `--flag value` and `--flag=value`, skipping pnpm's `--`", () => {
    const flags = parseFlags([
      "--",
      "--config=/etc/kubelet.yaml",
      "--pod-manifest-path",
      "/etc/kubernetes/manifests",
      "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
      "--sync-frequency",
      "30s",
      "--runtime-request-timeout=5m",
      "--pod-logs-dir",
      "/data/pods",
      "--max-pods",
      "12",
      "--root-dir",
      "/data/kubelet",
      "--hostname-override",
      "edge-7",
      "-o",
      "json",
    ]);
    expect(flags).toMatchObject({
      configFile: "/etc/kubelet.yaml",
      rootDir: "/data/kubelet",
      hostnameOverride: "edge-7",
      output: "json",
    });
    expect(flags.layer).toEqual({
      staticPodPath: "/etc/kubernetes/manifests",
      containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
      syncFrequencyMs: 30_000,
      runtimeRequestTimeoutMs: 300_000,
      podLogsDir: "/data/pods",
      maxPods: 12,
    });
  });

  it("collects repeated and comma-separated --manifest-url-header values in order", () => {
    const flags = parseFlags([
      "--manifest-url-header",
      "a:hello,b:again,c:world",
      "--manifest-url-header",
      "b:beautiful",
    ]);
    expect(flags.layer.staticPodURLHeader).toEqual({ a: ["hello"], b: ["again", "beautiful"], c: ["world"] });
  });

  it("reads --cluster-dns as a comma-separated, repeatable list", () => {
    expect(
      parseFlags(["--cluster-dns", "10.0.0.10,10.0.0.11", "--cluster-dns=fd00::a"]).layer.clusterDNS,
    ).toEqual(["10.0.0.10", "10.0.0.11", "fd00::a"]);
  });

  it.each([
    [
      ["--sync-frequency", "soon"],
      'invalid argument "soon" for "--sync-frequency" flag: invalid duration "soon"',
    ],
    [
      ["--file-check-frequency=20"],
      'invalid argument "20" for "--file-check-frequency" flag: missing unit in duration "20"',
    ],
    [["--max-pods", "lots"], 'invalid argument "lots" for "--max-pods" flag: not an integer'],
    [
      ["--manifest-url-header", "novalue"],
      'invalid argument "novalue" for "--manifest-url-header" flag: malformed pair "novalue", expect string:string',
    ],
    [["--output", "yaml"], 'invalid argument "yaml" for "--output" flag: must be table or json'],
    [["--hostname-override="], 'invalid argument "" for "--hostname-override" flag: must not be empty'],
  ])("rejects %j", (argv, message) => {
    expect(() => parseFlags(argv)).toThrow(new TypeError(message));
  });

  it("rejects unknown flags and positional arguments", () => {
    expect(() => parseFlags(["--kubeconfig", "x"])).toThrow(/Unknown option '--kubeconfig'/);
    expect(() => parseFlags(["pods"])).toThrow(/Unexpected argument 'pods'/);
  });
});

describe("usage", () => {
  it("lists every flag with the config field it sets and the kubelet default", () => {
    const text = usage();
    expect(text).toMatch(
      /--pod-manifest-path PATH +static pod manifests: a directory or one file \(staticPodPath;/,
    );
    expect(text).toMatch(/--sync-frequency DURATION +.*\(syncFrequency; default 1m0s\)/);
    expect(text).toMatch(/--runtime-request-timeout DURATION +.*\(runtimeRequestTimeout; default 2m0s\)/);
    expect(text).toMatch(/--max-pods N +.*\(maxPods; default 110\)/);
    expect(text).toMatch(/--root-dir DIR +.*default \/var\/lib\/kubelet/);
    expect(text).toContain("-o, --output table|json");
  });
});
