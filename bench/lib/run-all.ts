// `pnpm bench`: every benchmark in turn (cri, pods, then probes), each in its own process, with the options
// they share. Options of one benchmark only go to `pnpm bench:cri` / `pnpm bench:pods` / `pnpm bench:probes`.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CONTAINERD_ENDPOINT_ENV } from "./environment.js";
import { runBenchMain } from "./main.js";

/** Every benchmark, in the order they run; `containerd`: whether it takes `--containerd`. */
const BENCHMARKS = [
  { name: "cri", module: new URL("../cri/main.ts", import.meta.url), containerd: true },
  { name: "pods", module: new URL("../pods/main.ts", import.meta.url), containerd: true },
  { name: "probes", module: new URL("../probes/main.ts", import.meta.url), containerd: false },
] as const;

const USAGE = `Usage: pnpm bench [-- options]

Runs every benchmark in turn: cri (CRI transports), pods (pod start), then probes (the prober at
600 probes a second). Never fails on numbers.

Options (passed to each benchmark):
  --quick                     smoke runs
  --containerd unix:///sock   also measure a real containerd, in cri and pods (env: ${CONTAINERD_ENDPOINT_ENV})
  --json FILE                 write { "cri": …, "pods": …, "probes": … } to FILE
  -h, --help                  show this help

Options of one benchmark: pnpm bench:cri -- --help, pnpm bench:pods -- --help, pnpm bench:probes -- --help.`;

async function main(argv: readonly string[]): Promise<number> {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: { quick?: boolean; containerd?: string; json?: string; help?: boolean };
  try {
    values = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        containerd: { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const quick = values.quick ? ["--quick"] : [];
  const containerd = values.containerd !== undefined ? ["--containerd", values.containerd] : [];
  const jsonDir = values.json !== undefined ? await mkdtemp(join(tmpdir(), "kubelet-kit-bench-")) : undefined;
  let exitCode = 0;
  const combined: Record<string, unknown> = {};
  try {
    for (const bench of BENCHMARKS) {
      process.stderr.write(`\n== bench ${bench.name} ==\n`);
      const jsonFile = jsonDir !== undefined ? join(jsonDir, `${bench.name}.json`) : undefined;
      const code = await run(bench.module, [
        ...quick,
        ...(bench.containerd ? containerd : []),
        ...(jsonFile !== undefined ? ["--json", jsonFile] : []),
      ]);
      exitCode = Math.max(exitCode, code);
      if (jsonFile !== undefined) {
        combined[bench.name] = JSON.parse(await readFile(jsonFile, "utf8").catch(() => "null"));
      }
    }
    if (values.json !== undefined) {
      await writeFile(values.json, `${JSON.stringify(combined, null, 2)}\n`);
      process.stderr.write(`  wrote ${values.json}\n`);
    }
  } finally {
    if (jsonDir !== undefined) await rm(jsonDir, { recursive: true, force: true });
  }
  return exitCode;
}

/** Runs one benchmark with this process's Node flags (`--conditions`, `--import tsx`); resolves its exit code. */
function run(module: URL, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(module), ...args], {
      stdio: "inherit",
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal !== null ? 1 : 0)));
  });
}

runBenchMain("bench", main);
