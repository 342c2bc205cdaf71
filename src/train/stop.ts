/**
 * Stopping a run early on request (Ctrl-C, SIGTERM, a grid's time limit) without losing its work: the loop
 * finishes the step in flight, saves a resumable checkpoint at that exact step and throws `TrainingStopped`;
 * `--resume` goes on from there as if nothing had happened.
 */

/** Thrown by a training loop stopped through its signal, after its checkpoint was saved. */
export class TrainingStopped extends Error {
  constructor(
    readonly step: number,
    readonly totalSteps: number,
    readonly checkpoint: string,
  ) {
    super(`stopped at step ${step} of ${totalSteps}; checkpoint in ${checkpoint}`);
  }
}

/**
 * Whether `signal` asks to stop. A step's awaits settle as microtasks, which never let Node deliver a signal
 * handler's event, so this first yields one turn of the event loop.
 */
export async function stopRequested(signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) return false;
  await new Promise<void>((resolve) => setImmediate(resolve));
  return signal.aborted;
}
