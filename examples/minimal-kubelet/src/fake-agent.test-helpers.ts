// What the agent tests on the fake runtime and the fake clock share: the agent's options and the loops that
// move the clock.
import { join } from "node:path";
import type { FakeClock } from "@kubelet-kit/core";
import { expect } from "vitest";
import type { MinimalKubeletOptions } from "./agent.js";
import type { ExampleFakeRuntime } from "./fake-runtime-setup.js";

/**
 * An agent on `runtime` and `clock`, working under `dir` (`manifests/`, `logs/`, `root/`): manifests are
 * re-read on the clock, not on filesystem events (those come in real time), and there is no resync jitter.
 */
export function fakeAgentOptions(
  nodeName: string,
  runtime: ExampleFakeRuntime,
  clock: FakeClock,
  dir: string,
): MinimalKubeletOptions {
  return {
    nodeName,
    cri: runtime.cri,
    clock,
    staticPodPath: join(dir, "manifests"),
    watchManifests: false,
    podLogsDir: join(dir, "logs"),
    rootDir: join(dir, "root"),
    random: () => 0,
  };
}

/** Moves `clock` by `ms` in steps, letting real I/O (manifest reads, log files) run in between. */
export async function runClockFor(clock: FakeClock, ms: number, stepMs = 250): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    await clock.advanceAsync(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Moves `clock` in 250 ms steps until `condition` holds, for at most `limitMs`; fails the test if it never does. */
export async function runClockUntil(
  clock: FakeClock,
  condition: () => boolean,
  limitMs: number,
): Promise<void> {
  for (let elapsed = 0; elapsed < limitMs && !condition(); elapsed += 250) await runClockFor(clock, 250);
  expect(condition()).toBe(true);
}
