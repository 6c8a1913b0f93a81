/**
 * The commands the scenarios' containers run, each with the behaviour the fake runtime is scripted with,
 * so that a busybox shell under containerd and the fake behave alike. One list for both targets: the fake
 * target hands {@link FAKE_BEHAVIOURS} to the fake runtime, the containerd target runs the commands.
 */

import type { ContainerBehaviour, ContainerBehaviourRule } from "@kubelet-kit/cri-client/testing";

/** A container command and how the fake plays it. */
export interface Workload {
  readonly command: readonly string[];
  readonly fake: ContainerBehaviour;
}

/** Marker file the preStop hook of {@link PRESTOP_HOOK} writes inside the container. */
export const PRESTOP_MARKER = "/tmp/prestop-done";

/**
 * Runs until SIGTERM, then exits 0. PID 1 with a trap: busybox runs the trap once the current `sleep 1`
 * returns, so it stops within about a second.
 */
export const RUN_UNTIL_TERM: Workload = {
  command: ["sh", "-c", "trap 'exit 0' TERM; echo started; while true; do sleep 1; done"],
  fake: { kind: "run-forever", logs: [{ line: "started" }], sigtermExitCode: 0, sigtermExitAfterMs: 500 },
};

/**
 * Like {@link RUN_UNTIL_TERM}, but on SIGTERM exits 0 only if the preStop hook's marker exists, else 3: the
 * exit code says whether the hook ran before the stop signal.
 */
export const RUN_UNTIL_TERM_CHECKING_PRESTOP: Workload = {
  command: [
    "sh",
    "-c",
    `trap 'if test -f ${PRESTOP_MARKER}; then exit 0; else exit 3; fi' TERM; echo started; while true; do sleep 1; done`,
  ],
  fake: { kind: "run-forever", logs: [{ line: "started" }], sigtermExitCode: 0, sigtermExitAfterMs: 500 },
};

/** preStop: takes 3 s, then leaves the marker. (The fake runs `sleep 3` on its clock.) */
export const PRESTOP_HOOK: readonly string[] = ["sh", "-c", `sleep 3; touch ${PRESTOP_MARKER}`];

/** preStop: takes 5 s, longer than a 3 s grace period. */
export const SLOW_PRESTOP_HOOK: readonly string[] = ["sh", "-c", "sleep 5"];

/** Prints a line, works for a second, exits with `code`. */
export function exitAfterOneSecond(code: number): Workload {
  return {
    command: ["sh", "-c", `echo working; sleep 1; exit ${code}`],
    fake: { kind: "exit", code, afterMs: 1_000, logs: [{ line: "working" }] },
  };
}

/** Exits with `code` at once. */
export function exitNow(code: number): Workload {
  return { command: ["sh", "-c", `exit ${code}`], fake: { kind: "exit", code, afterMs: 0 } };
}

/** Prints `line`, works for `seconds`, exits 0. */
export function workFor(line: string, seconds: number): Workload {
  return {
    command: ["sh", "-c", `echo ${line}; sleep ${seconds}`],
    fake: { kind: "exit", code: 0, afterMs: seconds * 1_000, logs: [{ line }] },
  };
}

const ALL: readonly Workload[] = [
  RUN_UNTIL_TERM,
  RUN_UNTIL_TERM_CHECKING_PRESTOP,
  ...[0, 1].flatMap((code) => [exitAfterOneSecond(code), exitNow(code)]),
  workFor("init-first", 1),
  workFor("init-second", 1),
  workFor("main-done", 2),
];

/** The fake runtime's rules: every workload above, matched by its command. */
export const FAKE_BEHAVIOURS: readonly ContainerBehaviourRule[] = ALL.map((w) => ({
  command: w.command,
  behaviour: w.fake,
}));
