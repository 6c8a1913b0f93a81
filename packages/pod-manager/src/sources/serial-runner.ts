/** Runs an async job one at a time; see {@link createSerialRunner}. */
export interface SerialRunner {
  /**
   * Runs the job now, or once more after the run in progress. Requests made while a run is in progress share
   * that one follow-up run. Resolves when the run that covers this request has finished.
   */
  request(): Promise<void>;
  /** Resolves when no run is in progress or queued. */
  idle(): Promise<void>;
}

/**
 * Serialises an async job (a re-read of the manifest path, a GET of the URL): never two runs at once, and a
 * burst of requests during a run collapses into a single follow-up run. `job` must not reject; `enabled`
 * is asked before a queued run starts (a stopped source skips it).
 */
export function createSerialRunner(job: () => Promise<void>, enabled: () => boolean): SerialRunner {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const start = (): Promise<void> => {
    const run = job().finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  };

  return {
    request() {
      if (queued !== undefined) return queued;
      if (running === undefined) return start();
      const follow = running.then(() => {
        queued = undefined;
        return enabled() ? start() : undefined;
      });
      queued = follow;
      return follow;
    },
    async idle() {
      while (queued !== undefined || running !== undefined) await (queued ?? running);
    },
  };
}
