/** The check after every training step, shared by the GLUE and QA loops. */
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";

/**
 * Throw before a step's results are logged or saved if the GPU reported an error (its numbers are invalid)
 * or the loss is not finite. The GPU check comes first: an invalid buffer is the likelier cause of a NaN.
 */
export function assertStepHealthy(step: number, loss: number): void {
  assertDeviceHealthy(`train: step ${step}`);
  if (!Number.isFinite(loss)) {
    throw new Error(`train: the loss became ${loss} at step ${step}; lower --lr or check the data`);
  }
}
