import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BENCH_DIR = fileURLToPath(new URL("../", import.meta.url));
/** Lines of a failed step's output kept in the error. */
const OUTPUT_TAIL_LINES = 40;

/** The compiled agent process: what `bench/tsconfig.build.json` emits for `pods/agent-child.ts`. */
const COMPILED_AGENT_CHILD = new URL("../dist/pods/agent-child.js", import.meta.url);

interface BuildStep {
  readonly what: string;
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Builds what the compiled agent process loads, in order: the workspace packages (`pnpm build`, turbo:
 * their dist/), the example's agent module (`bench/tsconfig.example-agent.json`), then the process's own
 * modules (`bench/tsconfig.build.json` → bench/dist, emptied first). Every output is a git-ignored dist/.
 * Throws an error naming the step and ending with its output when a step fails.
 */
export async function buildCompiledAgent(): Promise<URL> {
  // The root's TypeScript: the benchmark's own package does not depend on it.
  const tsc = createRequire(new URL("../../package.json", import.meta.url)).resolve("typescript/bin/tsc");
  const steps: BuildStep[] = [
    { what: "the workspace packages", command: "pnpm", args: ["build"] },
    {
      what: "the example's agent module",
      command: process.execPath,
      args: [tsc, "-p", `${BENCH_DIR}tsconfig.example-agent.json`],
    },
    {
      what: "the agent process's modules",
      command: process.execPath,
      args: [tsc, "-p", `${BENCH_DIR}tsconfig.build.json`],
    },
  ];
  await rm(new URL("../dist/", import.meta.url), { recursive: true, force: true });
  for (const step of steps) await run(step);
  return COMPILED_AGENT_CHILD;
}

function run(step: BuildStep): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      step.command,
      [...step.args],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: "0" } },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve();
          return;
        }
        const output = `${stdout}${stderr}`.trimEnd().split("\n").slice(-OUTPUT_TAIL_LINES).join("\n");
        const commandLine = [step.command === process.execPath ? "node" : step.command, ...step.args].join(
          " ",
        );
        // A spawn failure (no pnpm on PATH) has a string code and says so in its message.
        const reason = typeof err.code === "number" ? `exit code ${err.code}` : err.message;
        reject(
          new Error(`building ${step.what} failed (${commandLine}: ${reason})${output && `\n${output}`}`),
        );
      },
    );
  });
}
