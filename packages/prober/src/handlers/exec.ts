import {
  type CommandRunner,
  expandContainerCommandOnlyStatic,
  formatGoDuration,
  goQuote,
  isKubeletKitError,
} from "@kubelet-kit/core";
import type { V1Container, V1ExecAction } from "@kubernetes/client-node";
import { MAX_PROBE_OUTPUT_BYTES } from "../constants.js";
import type { ProbeAttempt } from "./types.js";

/** What one exec probe attempt needs (the `exec` case of the kubelet's `runProbe`). */
export interface ExecProbeInput {
  /** Runs the command in the container: the runtime's `execSync` (CRI `ExecSync`). */
  readonly runner: CommandRunner;
  /** The runtime's ID of the running container (without the `<runtime>://` prefix). */
  readonly containerId: string;
  /** The probe's `exec` action. */
  readonly action: Pick<V1ExecAction, "command">;
  /** The container, for `$(VAR)` expansion of the command from its literal `env` values. */
  readonly container: Pick<V1Container, "env">;
  /** The probe's `timeoutSeconds` in ms; the runtime ends the command when it expires. */
  readonly timeoutMs: number;
  /** Passed to `execSync`: when it aborts (the worker stopped) the call, and so the attempt, throws. */
  readonly signal?: AbortSignal;
}

const decoder = new TextDecoder();

/**
 * Runs an exec probe once, as the kubelet does (`pkg/probe/exec` through `RunInContainer`): the command,
 * with `$(VAR)` expanded from the container's literal env, runs through `execSync` bounded by `timeoutMs`.
 * Exit code 0 is a success and non-zero a failure, each with the combined output (stdout, then stderr, at
 * most {@link MAX_PROBE_OUTPUT_BYTES}). A timeout is a failure saying
 * `command timed out: "<command>" timed out after <timeout>` (the kubelet with `ExecProbeTimeout` on, its
 * default). Any other error of the runtime is thrown, for the prober to retry and report.
 */
export async function runExecProbe(input: ExecProbeInput): Promise<ProbeAttempt> {
  const command = expandContainerCommandOnlyStatic(input.action.command ?? [], input.container.env);
  let result: Awaited<ReturnType<CommandRunner["execSync"]>>;
  try {
    result = await input.runner.execSync(
      input.containerId,
      command,
      input.timeoutMs,
      input.signal === undefined ? undefined : { signal: input.signal },
    );
  } catch (error) {
    if (isKubeletKitError(error, "DeadlineExceeded")) {
      // The CRI client's words for a command that outlived its timeout (ErrCommandTimedOut).
      const output = `command timed out: ${goQuote(command.join(" "))} timed out after ${formatGoDuration(input.timeoutMs)}`;
      return { outcome: "failure", output };
    }
    throw error;
  }
  const output = combinedOutput(result.stdout, result.stderr);
  return { outcome: result.exitCode === 0 ? "success" : "failure", output };
}

/** stdout followed by stderr (the runtime does not interleave them), cut at the probe output limit. */
function combinedOutput(stdout: Uint8Array, stderr: Uint8Array): string {
  const head = stdout.subarray(0, MAX_PROBE_OUTPUT_BYTES);
  const tail = stderr.subarray(0, MAX_PROBE_OUTPUT_BYTES - head.length);
  if (tail.length === 0) return decoder.decode(head);
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  return decoder.decode(bytes);
}
