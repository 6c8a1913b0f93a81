/**
 * The commands the scenarios run, as busybox runs them in a real container. The fake targets script the
 * fake runtime's behaviour from these same constants, so the two can only drift on purpose.
 */

/**
 * Prints "started" and sleeps. It is PID 1 of its own PID namespace (the kubelet's default, `pid: CONTAINER`)
 * with no SIGTERM handler, so the kernel drops SIGTERM and only SIGKILL stops it (exit 137).
 */
export const RUN_FOREVER = ["sh", "-c", "echo started; sleep 3600"] as const;

/** PID 1 handles SIGTERM by exiting 0 (within about a second, once the running `sleep 1` returns). */
export const EXIT_ON_TERM = [
  "sh",
  "-c",
  "trap 'exit 0' TERM; echo started; while true; do sleep 1; done",
] as const;

/** Writes one line to each stream, then sleeps without a SIGTERM handler. */
export const LOG_BOTH_STREAMS = ["sh", "-c", "echo started; echo complaint >&2; sleep 3600"] as const;

/** Exits at once with code 3. */
export const EXIT_3 = ["sh", "-c", "exit 3"] as const;

/** Exits at once with code 0. */
export const EXIT_0 = ["sh", "-c", "exit 0"] as const;

/** ExecSync: prints "exec-ok\n" to stdout, exits 0. */
export const EXEC_ECHO = ["echo", "exec-ok"] as const;

/** ExecSync: exits 7 with no output. */
export const EXEC_EXIT_7 = ["sh", "-c", "exit 7"] as const;

/** ExecSync: prints "exec-err\n" to stderr, exits 2. */
export const EXEC_STDERR = ["sh", "-c", "echo exec-err >&2; exit 2"] as const;

/** ExecSync: runs for 5 s, longer than the 1 s timeout the scenarios give it. */
export const EXEC_SLOW = ["sleep", "5"] as const;

/** Exit code of a process killed by SIGKILL, as runtimes report it (128 + 9). */
export const SIGKILL_EXIT_CODE = 137;
