#!/usr/bin/env node
// Launcher of `minimal-kubelet`: runs the built entry point when there is one, otherwise the TypeScript
// sources in this same process: tsx's ESM loader compiles them, and a resolve hook makes the workspace
// packages resolve to their sources (the `@kubelet-kit/source` export condition). There is no second
// process, so signals, the exit code and stdio are the agent's own, and killing this pid ends the agent.

import { existsSync } from "node:fs";
import { register } from "node:module";

const built = new URL("../dist/main.js", import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else {
  // Hooks registered later run first: this one, registered before tsx, sits next to Node's own resolver
  // and so adds the condition to every resolution, tsx's included.
  register("./source-condition-hook.js", import.meta.url);
  // Resolved from here, not from the caller's working directory.
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  await import(new URL("../src/main.ts", import.meta.url).href);
}
