/** The checks that stop a diverging or broken run, shared by the GLUE and QA loops. */
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";
import type { StepOutcome } from "./log.js";

/** A run stopped because its numbers stopped being finite; nothing computed from them was saved. */
export class TrainingDiverged extends Error {}

/** Thrown by a save of weights that are not all finite, before anything is written. */
export class NonFiniteWeights extends Error {
  constructor(
    readonly tensor: string,
    readonly value: number,
  ) {
    super(`refusing to save non-finite weights (${tensor} holds ${value})`);
  }
}

/** Where a run stands when it diverges: the step just taken, its learning rate, and what is kept on disk. */
export interface DivergenceContext {
  step: number;
  lr: number;
  /** Names of the per-variant losses, full model first. */
  variants: string[];
  checkpoint: string;
  /** Step of the checkpoint on disk (saved or resumed from), null when none was saved. */
  savedStep: number | null;
}

function diverged(at: DivergenceContext, what: string): TrainingDiverged {
  const kept =
    at.savedStep === null
      ? "no checkpoint had been saved"
      : `the last good checkpoint (step ${at.savedStep}) is kept in ${at.checkpoint}`;
  return new TrainingDiverged(
    `train: diverged at step ${at.step} (lr ${at.lr.toExponential(2)}): ${what}; ${kept}; ` +
      `lower --lr (or warm up longer: --warmup-ratio) and start again with --overwrite`,
  );
}

/**
 * Throw before a step's results are logged or saved if the GPU reported an error (its numbers are invalid), or
 * the objective, any variant's loss or the gradient norm is not finite (a NaN variant loss can leave the
 * objective finite: the ranking hinge of NaNs is 0). The GPU check comes first: an invalid buffer is the likelier
 * cause of a NaN.
 */
export function assertStepHealthy(at: DivergenceContext, outcome: StepOutcome): void {
  assertDeviceHealthy(`train: step ${at.step}`);
  if (!Number.isFinite(outcome.loss)) throw diverged(at, `the objective became ${outcome.loss}`);
  const v = outcome.variantLosses.findIndex((l) => !Number.isFinite(l));
  if (v >= 0) {
    const name = at.variants[v] ?? `variant ${v}`;
    throw diverged(at, `the loss of variant "${name}" became ${outcome.variantLosses[v]}`);
  }
  if (!Number.isFinite(outcome.gradNorm)) throw diverged(at, `the gradient norm became ${outcome.gradNorm}`);
}

/** Throw the divergence error if an evaluation's loss is not finite (the weights overflowed). */
export function assertEvalHealthy(at: DivergenceContext, devLoss: number): void {
  if (!Number.isFinite(devLoss)) throw diverged(at, `the dev loss became ${devLoss}`);
}

/** Run `save`; weights it refuses as non-finite become the divergence error. */
export async function savingFinite(at: DivergenceContext, save: () => Promise<void>): Promise<void> {
  try {
    await save();
  } catch (err) {
    if (err instanceof NonFiniteWeights) throw diverged(at, `the weights became non-finite (${err.tensor})`);
    throw err;
  }
}

/** The first float tensor holding a NaN or infinity, as its name and that value; null when all are finite. */
export function firstNonFinite(
  tensors: Map<string, { dtype: string; bytes: Uint8Array }>,
): { tensor: string; value: number } | null {
  for (const [name, t] of tensors) {
    if (t.dtype !== "F32" || t.bytes.byteLength % 4 !== 0) continue;
    const data =
      t.bytes.byteOffset % 4 === 0
        ? new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4)
        : new Float32Array(t.bytes.slice().buffer);
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i])) return { tensor: name, value: data[i] };
  }
  return null;
}

/** Throw `NonFiniteWeights` if any float tensor holds a NaN or infinity. */
export function assertFiniteTensors(tensors: Map<string, { dtype: string; bytes: Uint8Array }>): void {
  const bad = firstNonFinite(tensors);
  if (bad) throw new NonFiniteWeights(bad.tensor, bad.value);
}
