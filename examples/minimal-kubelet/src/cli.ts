// The minimal-kubelet command: flags and the configuration file → settings → the agent, on a real CRI
// runtime or the embedded fake, printing pods until SIGINT/SIGTERM.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, createRealClock, isKubeletKitError } from "@kubelet-kit/core";
import { createGrpcTransport, createImageService, createRuntimeService } from "@kubelet-kit/cri-client";
import type { DnsOptions } from "@kubelet-kit/runtime-manager";
import { type CriServices, createMinimalKubelet, type MinimalKubeletOptions } from "./agent.js";
import { type ConfigLayer, decodeKubeletConfiguration, resolveKubeletConfiguration } from "./config.js";
import type { KubeletConfiguration } from "./config-fields.js";
import { createExampleFakeRuntime, EXAMPLE_MANIFESTS_DIR } from "./fake-runtime-setup.js";
import { DEFAULT_ROOT_DIR, type Flags, parseFlags, usage } from "./flags.js";
import { createPrinter, formatEvent, type TextSink } from "./printer.js";
import { parseResolvConf } from "./resolv-conf.js";

/** What the command needs from its process: output streams and a way to wait for a stop signal. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Resolves with the signal's name when the agent should stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
  /** Default: the real clock. */
  readonly clock?: Clock;
}

/** How long the first CRI call may take before the runtime counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Runs the command; resolves with the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const warn = (line: string): void => {
    io.stderr.write(`minimal-kubelet: ${line}\n`);
  };
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    io.stderr.write(`minimal-kubelet: ${messageOf(err)}\n\n${usage()}\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(`${usage()}\n`);
    return 0;
  }

  const layers: ConfigLayer[] = [];
  if (flags.configFile !== undefined) {
    try {
      const decoded = decodeKubeletConfiguration(await readFile(flags.configFile, "utf8"), flags.configFile);
      for (const warning of decoded.warnings) warn(`warning: ${warning}`);
      layers.push({ layer: decoded.layer, origin: flags.configFile });
    } catch (err) {
      warn(`failed to load kubelet config file, path: ${flags.configFile}, error: ${messageOf(err)}`);
      return 1;
    }
  }
  layers.push({ layer: flags.layer, origin: "flags" });
  let config: KubeletConfiguration;
  try {
    config = resolveKubeletConfiguration(layers);
  } catch (err) {
    warn(messageOf(err));
    return 1;
  }
  const isSet = (key: keyof KubeletConfiguration): boolean =>
    layers.some(({ layer }) => layer[key] !== undefined);

  const clock = io.clock ?? createRealClock();
  const onFake = !isSet("containerRuntimeEndpoint");
  const workDir = onFake ? await mkdtemp(join(tmpdir(), "minimal-kubelet-")) : undefined;
  const nodeName = (flags.hostnameOverride ?? hostname()).trim().toLowerCase();
  const staticPodPath =
    onFake && config.staticPodPath === "" && config.staticPodURL === ""
      ? EXAMPLE_MANIFESTS_DIR
      : config.staticPodPath;
  const rootDir = flags.rootDir ?? (workDir !== undefined ? join(workDir, "root") : DEFAULT_ROOT_DIR);
  const podLogsDir =
    !isSet("podLogsDir") && workDir !== undefined ? join(workDir, "pods") : config.podLogsDir;

  const closers: (() => void | Promise<void>)[] = [];
  try {
    let cri: CriServices;
    let runtimeName: string;
    if (onFake) {
      const fake = createExampleFakeRuntime({ clock });
      closers.push(fake.close);
      cri = fake.cri;
      runtimeName = "the embedded fake runtime";
    } else {
      const runtimeTransport = createGrpcTransport({ endpoint: config.containerRuntimeEndpoint });
      closers.push(() => runtimeTransport.close());
      const imageEndpoint = config.imageServiceEndpoint;
      const imageTransport =
        imageEndpoint === "" || imageEndpoint === config.containerRuntimeEndpoint
          ? runtimeTransport
          : createGrpcTransport({ endpoint: imageEndpoint });
      if (imageTransport !== runtimeTransport) closers.push(() => imageTransport.close());
      const timeoutMs = config.runtimeRequestTimeoutMs;
      cri = {
        runtimeService: createRuntimeService({ transport: runtimeTransport, timeoutMs, clock }),
        imageService: createImageService({ transport: imageTransport, timeoutMs, clock }),
      };
      try {
        const version = await cri.runtimeService.version(
          { version: "0.1.0" },
          { timeoutMs: CONNECT_TIMEOUT_MS },
        );
        runtimeName = `${version.runtimeName} ${version.runtimeVersion} at ${config.containerRuntimeEndpoint}`;
      } catch (err) {
        // grpc-js ends its message with an empty "Resolution note:" for unix sockets.
        const reason = messageOf(err).replace(/\s*Resolution note:\s*$/, "");
        warn(`cannot reach the container runtime at ${config.containerRuntimeEndpoint}: ${reason}`);
        return 1;
      }
    }

    const options: MinimalKubeletOptions = {
      nodeName,
      cri,
      clock,
      staticPodPath,
      fileCheckFrequencyMs: config.fileCheckFrequencyMs,
      staticPodURL: config.staticPodURL,
      staticPodURLHeader: config.staticPodURLHeader,
      httpCheckFrequencyMs: config.httpCheckFrequencyMs,
      syncFrequencyMs: config.syncFrequencyMs,
      maxPods: config.maxPods,
      podLogsDir,
      rootDir,
      runtimeRequestTimeoutMs: config.runtimeRequestTimeoutMs,
      serializeImagePulls: config.serializeImagePulls,
      cpuCfsQuota: config.cpuCFSQuota,
      dns: await dnsOptions(config, onFake, warn),
    };
    const agent = createMinimalKubelet(options);
    const printer = createPrinter({
      output: flags.output,
      out: io.stdout,
      now: () => clock.now(),
      knownNames: () => agent.pods().map(({ pod }) => pod.metadata?.name ?? ""),
    });
    agent.on("podStatus", ({ pod, status }) => printer.podStatus(pod, status));
    agent.on("sourceError", ({ message }) => warn(message));
    agent.on("probeEvent", (event) => warn(formatEvent(event)));
    // Of the runtime manager's events only kills are printed: they say why a container restarts (a failed
    // liveness or startup probe, a changed spec). BackOff and the like repeat at every sync.
    agent.on("runtimeEvent", (event) => {
      if (event.reason === "Killing") warn(formatEvent(event));
    });
    const reported = new Set<string>();
    agent.on("syncError", ({ uid, error }) => {
      const line = `pod ${uid}: ${messageOf(error)}`;
      if (!reported.has(line)) warn(line);
      reported.add(line);
    });

    const sources =
      [staticPodPath, config.staticPodURL].filter((s) => s !== "").join(" and ") || "no pod sources";
    warn(`node ${nodeName}, ${runtimeName}, pods from ${sources}`);
    if (workDir !== undefined) warn(`logs and state in ${workDir} (removed on exit)`);
    warn("Ctrl-C stops the agent and leaves the pods running");
    await agent.start();
    const signal = await io.stopSignal;
    warn(`${signal}: stopping; pods keep running`);
    await agent.stop();
    return 0;
  } catch (err) {
    warn(messageOf(err));
    return 1;
  } finally {
    for (const close of closers.reverse()) await close();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  }
}

/** The pods' DNS: cluster settings plus the host resolver file (not read for the fake runtime). */
async function dnsOptions(
  config: KubeletConfiguration,
  onFake: boolean,
  warn: (line: string) => void,
): Promise<DnsOptions> {
  const dns: { clusterDnsIps?: string[]; clusterDomain?: string; host?: ReturnType<typeof parseResolvConf> } =
    {};
  if (config.clusterDNS.length > 0) dns.clusterDnsIps = [...config.clusterDNS];
  if (config.clusterDomain !== "") dns.clusterDomain = config.clusterDomain;
  if (!onFake && config.resolvConf !== "") {
    try {
      dns.host = parseResolvConf(await readFile(config.resolvConf, "utf8"));
    } catch (err) {
      warn(
        `warning: cannot read resolvConf ${config.resolvConf}: ${messageOf(err)}; pods get the runtime's default DNS`,
      );
    }
  }
  return dns;
}

function messageOf(err: unknown): string {
  if (isKubeletKitError(err)) return err.rawMessage;
  return err instanceof Error ? err.message : String(err);
}
