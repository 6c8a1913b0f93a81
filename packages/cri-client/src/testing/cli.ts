#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { validateRules } from "./behaviour.js";
import { DEFAULT_SANDBOX_IMAGE } from "./fake-runtime.js";
import { normalizeImageRef } from "./image-ref.js";
import { type FakeRuntimeServer, serveFakeRuntime } from "./server.js";

const USAGE = `usage: kubelet-kit-fake-cri --socket PATH [--image REF]... [--pullable REF]... [--behaviours FILE.json] [--pod-subnet CIDR]

Serves a fake CRI runtime (RuntimeService + ImageService) on a unix socket until SIGTERM or SIGINT.
  --socket PATH          where to listen (required); a stale socket there is replaced
  --image REF            an image present at start (repeatable; default busybox:latest and pause:3.10;
                         the sandbox image registry.k8s.io/pause:3.10 is always added)
  --pullable REF         an image PullImage may fetch (repeatable; default: the --image list)
  --behaviours FILE      JSON array of container behaviour rules (see docs/fake-runtime.md)
  --pod-subnet CIDR      IPv4 range of sandbox IPs (default 10.88.0.0/16); a 127.x range such as
                         127.77.0.0/16 lets behaviours \`listen\` on real loopback sockets
  -h, --help             show this help`;

/** Where the CLI writes and how it waits; replaced in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process should stop (SIGTERM/SIGINT). */
  untilStopped(): Promise<void>;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let values: {
    socket?: string;
    image?: string[];
    pullable?: string[];
    behaviours?: string;
    "pod-subnet"?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        socket: { type: "string" },
        image: { type: "string", multiple: true },
        pullable: { type: "string", multiple: true },
        behaviours: { type: "string" },
        "pod-subnet": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    io.err(`kubelet-kit-fake-cri: ${(err as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if (values.socket === undefined || values.socket === "") {
    io.err("kubelet-kit-fake-cri: --socket PATH is required");
    io.err(USAGE);
    return 2;
  }

  let server: FakeRuntimeServer;
  try {
    const behaviours =
      values.behaviours === undefined
        ? []
        : validateRules(JSON.parse(await readFile(values.behaviours, "utf8")), values.behaviours);
    server = await serveFakeRuntime({
      socketPath: resolve(values.socket),
      runtime: {
        ...(values.image === undefined ? {} : { images: withSandboxImage(values.image) }),
        ...(values.pullable === undefined ? {} : { pullable: values.pullable }),
        ...(values["pod-subnet"] === undefined ? {} : { podSubnet: values["pod-subnet"] }),
        behaviours,
      },
    });
  } catch (err) {
    io.err(`kubelet-kit-fake-cri: ${(err as Error).message}`);
    return 1;
  }
  io.out(`listening on ${server.endpoint}`);
  await io.untilStopped();
  await server.close();
  return 0;
}

/** RunPodSandbox needs the sandbox image, so a custom image list always keeps it. */
function withSandboxImage(images: readonly string[]): string[] {
  const present = images.some((image) => normalizeImageRef(image) === DEFAULT_SANDBOX_IMAGE);
  return present ? [...images] : [...images, DEFAULT_SANDBOX_IMAGE];
}

function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    untilStopped: () =>
      new Promise<void>((done) => {
        process.once("SIGTERM", () => done());
        process.once("SIGINT", () => done());
      }),
  };
}

// Run only as the program (the bin symlink resolves to this file), not when imported.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  runCli(process.argv.slice(2), processIo()).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`kubelet-kit-fake-cri: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
