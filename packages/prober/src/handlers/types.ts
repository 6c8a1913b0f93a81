/**
 * What one probe attempt found (the kubelet's `probe.Result`): `success`, `warning` (a success with
 * something worth an event, e.g. a redirect to another host), or `failure`. A handler that cannot tell
 * (it could not even try) throws instead, and the prober counts that as an error, not a result.
 */
export type ProbeOutcome = "success" | "warning" | "failure";

/** The outcome of one probe attempt and the text the kubelet keeps with it (its event/log message). */
export interface ProbeAttempt {
  readonly outcome: ProbeOutcome;
  /** Upstream's wording: e.g. `HTTP probe failed with statuscode: 500`, or the command's output. */
  readonly output: string;
}
