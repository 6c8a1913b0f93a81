// Entry point of `minimal-kubelet` (and `pnpm start`): runs the command until SIGINT or SIGTERM.

import { runCli } from "./cli.js";

const stopSignal = new Promise<string>((resolve) => {
  const stop = (signal: NodeJS.Signals): void => {
    resolve(signal);
    // A second signal while stopping: give up at once.
    process.once(signal, () => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stopSignal,
});
// Timers of clients and sources that outlive the agent must not keep the process up.
process.exit(code);
