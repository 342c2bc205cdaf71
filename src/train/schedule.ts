/** Learning-rate schedules as pure functions of the step (HF `get_linear_schedule_with_warmup`). */

/**
 * Linear warm-up from 0 to `peak` over `warmupSteps`, then linear decay to 0 at `totalSteps`.
 * @param step 0-based index of the step about to run.
 */
export function linearWarmupDecay(
  step: number,
  peak: number,
  warmupSteps: number,
  totalSteps: number,
): number {
  if (step < warmupSteps) return (peak * step) / Math.max(1, warmupSteps);
  return peak * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}
