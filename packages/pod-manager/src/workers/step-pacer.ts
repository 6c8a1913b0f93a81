/**
 * Spreads the pod workers' steps over event-loop turns. JavaScript runs every worker on one thread: when a
 * relist wakes 1,000 workers whose steps need no I/O (a sync that finds nothing to do), they would all run
 * back to back in one turn, and timers, probes and API requests would wait for the lot. The pacer lets a
 * bounded number of steps begin per turn and queues the rest, oldest first, for the following turns.
 * Internal.
 */
export interface StepPacer {
  /** Resolves when the caller may begin its step: at once while this turn has room, else in a later turn. */
  enter(): Promise<void>;
  /** Steps waiting for a later turn. */
  waiting(): number;
}

/** Creates a {@link StepPacer} letting `stepsPerTurn` steps begin per turn (`Infinity`: no pacing). */
export function createStepPacer(stepsPerTurn: number): StepPacer {
  const queue: (() => void)[] = [];
  let begunThisTurn = 0;
  let turnScheduled = false;

  function nextTurn(): void {
    turnScheduled = false;
    begunThisTurn = 0;
    while (queue.length > 0 && begunThisTurn < stepsPerTurn) {
      begunThisTurn++;
      queue.shift()?.();
    }
    scheduleTurn();
  }

  function scheduleTurn(): void {
    if (turnScheduled || (begunThisTurn === 0 && queue.length === 0)) return;
    turnScheduled = true;
    // setImmediate runs after pending I/O and timers have had their turn.
    setImmediate(nextTurn);
  }

  return {
    enter() {
      if (queue.length === 0 && begunThisTurn < stepsPerTurn) {
        begunThisTurn++;
        scheduleTurn();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        queue.push(resolve);
        scheduleTurn();
      });
    },
    waiting: () => queue.length,
  };
}
