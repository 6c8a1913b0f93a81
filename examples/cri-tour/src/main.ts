import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isKubeletKitError, KubeletKitError } from "@kubelet-kit/core";
import {
  type CriTransport,
  createGrpcTransport,
  createImageService,
  createRuntimeService,
} from "@kubelet-kit/cri-client";
import { startFakeRuntime } from "./fake-runtime.js";
import { parseTourOptions, type TourOptions, USAGE } from "./options.js";
import { createPrinter, formatMs } from "./print.js";
import { messageOf, runTour } from "./steps.js";

/** How long the first call may take before the runtime counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

async function main(argv: readonly string[]): Promise<number> {
  let options: TourOptions;
  try {
    // pnpm passes a literal `--` through when `pnpm start -- --endpoint …` is used.
    options = parseTourOptions(argv[0] === "--" ? argv.slice(1) : argv);
  } catch (err) {
    process.stderr.write(`cri-tour: ${messageOf(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const printer = createPrinter(process.stdout);
  const workDir = await mkdtemp(join(tmpdir(), "kubelet-kit-cri-tour-"));
  let endpoint = options.endpoint ?? "(fake runtime)";
  let transport: CriTransport | undefined;
  let stopFake: (() => Promise<void>) | undefined;
  const start = performance.now();
  // Ctrl-C aborts the step in progress; the tour then removes what it created before exiting.
  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort(new KubeletKitError("Canceled", "interrupted (SIGINT)"));
  process.once("SIGINT", onSigint);
  try {
    if (options.endpoint === undefined) {
      const fake = await startFakeRuntime({ image: options.image, socketPath: join(workDir, "cri.sock") });
      stopFake = fake.close;
      endpoint = fake.endpoint;
    }
    // One connection for both services, as the kubelet dials one socket.
    transport = createGrpcTransport({ endpoint });
    const runtime = createRuntimeService({ transport, timeoutMs: options.timeoutMs });
    const images = createImageService({ transport, timeoutMs: options.timeoutMs });
    try {
      await runtime.version({ version: "v1" }, { timeoutMs: CONNECT_TIMEOUT_MS });
    } catch (err) {
      // grpc-js ends its message with an empty "Resolution note:" for unix sockets.
      const reason = messageOf(err).replace(/\s*Resolution note:\s*$/, "");
      process.stderr.write(`cri-tour: cannot reach the container runtime at ${endpoint}: ${reason}\n`);
      return 1;
    }

    const what = options.endpoint === undefined ? "the fake runtime, served on" : "the runtime at";
    printer.line(`kubelet-kit CRI tour: ${what} ${endpoint}`);
    printer.line(`image ${options.image}; work directory ${workDir}`);
    printer.line("");
    await runTour({
      runtime,
      images,
      image: options.image,
      logDirectory: join(workDir, "pods"),
      printer,
      signal: interrupt.signal,
    });
    printer.line("");
    printer.line(`done: one pod through the CRI in ${formatMs(performance.now() - start)}`);
    return 0;
  } catch (err) {
    process.stderr.write(`${failureLine(err, endpoint)}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
    transport?.close();
    await stopFake?.();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** One line saying what failed and against which endpoint. */
function failureLine(err: unknown, endpoint: string): string {
  // A malformed --endpoint: the message already names it.
  if (isKubeletKitError(err, "InvalidArgument") && err.details?.endpoint !== undefined) {
    return `cri-tour: ${err.rawMessage}`;
  }
  const step = isKubeletKitError(err) ? err.details?.step : undefined;
  const what = typeof step === "string" ? `${step} failed` : "failed";
  return `cri-tour: ${what} against ${endpoint}: ${messageOf(err)}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cri-tour: ${messageOf(err)}\n`);
    process.exitCode = 1;
  },
);
