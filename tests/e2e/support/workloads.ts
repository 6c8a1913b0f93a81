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

/** `1 2 … n`, for a shell `for` loop of one-second sleeps (busybox's image here has no `seq`). */
const seconds = (n: number): string => Array.from({ length: n }, (_, i) => i + 1).join(" ");

/** What SIGTERM does to the trapped shells below, on the fake: exit 0 within the current `sleep 1`. */
const EXIT_0_ON_TERM = { sigtermExitCode: 0, sigtermExitAfterMs: 500 } as const;

/** The port {@link SERVE_READY_FLIPPING} serves HTTP on. */
export const READY_PORT = 8080;

/**
 * Seconds of running time at which {@link SERVE_READY_FLIPPING}'s `/ready` appears, goes and comes back:
 * 404 in [0, up), 200 in [up, down), 404 in [down, upAgain), 200 from upAgain on.
 */
export const READY_SCHEDULE_S = { up: 3, down: 9, upAgain: 15 } as const;

/**
 * Serves `/www` over HTTP on {@link READY_PORT} (busybox `httpd` in the background) while the trapped
 * shell creates, removes and re-creates `/www/ready` on {@link READY_SCHEDULE_S} (a one-second loop, so each
 * step may come a few tens of ms late). The fake: an HTTP listener whose `/ready` route answers 200 in
 * those windows; any other request gets busybox's 404.
 */
export const SERVE_READY_FLIPPING: Workload = (() => {
  const { up, down, upAgain } = READY_SCHEDULE_S;
  return {
    command: [
      "sh",
      "-c",
      `trap 'exit 0' TERM; mkdir -p /www; httpd -f -p ${READY_PORT} -h /www & s=0; ` +
        `while true; do case $s in ${up}) touch /www/ready;; ${down}) rm /www/ready;; ${upAgain}) touch /www/ready;; esac; ` +
        "sleep 1; s=$((s+1)); done",
    ],
    fake: {
      kind: "run-forever",
      ...EXIT_0_ON_TERM,
      listen: [
        {
          port: READY_PORT,
          protocol: "http",
          routes: [
            { path: "/ready", fromMs: up * 1_000, untilMs: down * 1_000 },
            { path: "/ready", fromMs: upAgain * 1_000 },
          ],
        },
      ],
    },
  };
})();

/** The port {@link LISTEN_FOR_A_WHILE} accepts TCP connections on. */
export const LISTEN_PORT = 8081;

/** How long {@link LISTEN_FOR_A_WHILE} listens after its start, in seconds. */
export const LISTEN_FOR_S = 5;

/**
 * Accepts TCP connections on {@link LISTEN_PORT} for {@link LISTEN_FOR_S} seconds, then closes the port
 * and runs on until SIGTERM. Busybox 1.35/1.36 `nc` has no `-k`; `-ll -e true` is its persistent server
 * (each connection runs `true` and is closed). The fake: a TCP listener open for the same window.
 */
export const LISTEN_FOR_A_WHILE: Workload = {
  command: [
    "sh",
    "-c",
    `trap 'exit 0' TERM; nc -ll -p ${LISTEN_PORT} -e true & listener=$!; ` +
      `for s in ${seconds(LISTEN_FOR_S)}; do sleep 1; done; kill $listener; while true; do sleep 1; done`,
  ],
  fake: {
    kind: "run-forever",
    ...EXIT_0_ON_TERM,
    listen: [{ port: LISTEN_PORT, protocol: "tcp", untilMs: LISTEN_FOR_S * 1_000 }],
  },
};

/** The file {@link START_SLOWLY} creates once it has started. */
export const STARTED_MARKER = "/tmp/started";

/** Seconds {@link START_SLOWLY} takes to create {@link STARTED_MARKER}. */
export const STARTS_AFTER_S = 4;

/** Busybox's words for a file that `cat` cannot open (the exec probe's output). */
export const CAT_MISSING_MARKER = `cat: can't open '${STARTED_MARKER}': No such file or directory\n`;

/** Busybox's words for a file `ls` cannot find. */
export const LS_MISSING_MARKER = `ls: ${STARTED_MARKER}: No such file or directory\n`;

/**
 * Creates {@link STARTED_MARKER} after {@link STARTS_AFTER_S} seconds, then runs until SIGTERM: a slow
 * start that a `cat`/`ls` of the marker tells apart. The fake answers those execs with busybox's errors
 * (exit 1) before then, and with success (no output) from then on.
 */
export const START_SLOWLY: Workload = {
  command: [
    "sh",
    "-c",
    `trap 'exit 0' TERM; for s in ${seconds(STARTS_AFTER_S)}; do sleep 1; done; touch ${STARTED_MARKER}; ` +
      "while true; do sleep 1; done",
  ],
  fake: {
    kind: "run-forever",
    ...EXIT_0_ON_TERM,
    exec: [
      {
        match: ["cat", STARTED_MARKER],
        untilMs: STARTS_AFTER_S * 1_000,
        exitCode: 1,
        stderr: CAT_MISSING_MARKER,
      },
      { match: ["cat", STARTED_MARKER], fromMs: STARTS_AFTER_S * 1_000, exitCode: 0 },
      {
        match: ["ls", STARTED_MARKER],
        untilMs: STARTS_AFTER_S * 1_000,
        exitCode: 1,
        stderr: LS_MISSING_MARKER,
      },
      {
        match: ["ls", STARTED_MARKER],
        fromMs: STARTS_AFTER_S * 1_000,
        exitCode: 0,
        stdout: `${STARTED_MARKER}\n`,
      },
    ],
  },
};

const ALL: readonly Workload[] = [
  RUN_UNTIL_TERM,
  RUN_UNTIL_TERM_CHECKING_PRESTOP,
  ...[0, 1].flatMap((code) => [exitAfterOneSecond(code), exitNow(code)]),
  workFor("init-first", 1),
  workFor("init-second", 1),
  workFor("main-done", 2),
  SERVE_READY_FLIPPING,
  LISTEN_FOR_A_WHILE,
  START_SLOWLY,
];

/** The fake runtime's rules: every workload above, matched by its command. */
export const FAKE_BEHAVIOURS: readonly ContainerBehaviourRule[] = ALL.map((w) => ({
  command: w.command,
  behaviour: w.fake,
}));
