#!/usr/bin/env node
// Launcher of `minimal-kubelet`: runs the built entry point when there is one, otherwise the TypeScript
// sources through tsx in a child process (no shell), forwarding arguments, stdio, signals and the exit code.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const built = fileURLToPath(new URL("../dist/main.js", import.meta.url));

if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const source = fileURLToPath(new URL("../src/main.ts", import.meta.url));
  // Resolved from here, not from the caller's working directory (`--import tsx` would look there).
  const tsx = import.meta.resolve("tsx");
  const child = spawn(
    process.execPath,
    ["--conditions=@kubelet-kit/source", "--import", tsx, source, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  // Ctrl-C reaches the whole process group, the child included; forwarding covers `kill <pid>` too. The
  // child decides what a signal means (it stops the agent and leaves pods running).
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => forward(signal));
  child.on("error", (err) => {
    process.stderr.write(`minimal-kubelet: cannot start ${process.execPath}: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal !== null) {
      // Die of the same signal, so the caller sees what happened to the child.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
