/**
 * The order of CmpDrop and CmpCrop variants when both are used (SPEC §7).
 *
 * The c = c_drop + c_crop ablated variants alternate, crop first: each step adds one crop level or one dropout
 * power, so every variant is at least as ablated as the one before in both respects (the chain stays nested).
 */

/** One model in the comparison chain: which crop level's input it reads and its dropout power k (rate 1 − (1 − p)^k). */
export interface AblationVariant {
  cropLevel: number;
  dropPower: number;
}

/**
 * The variants 0..c of the comparison chain.
 *
 * Variant 0 is the full model, `{cropLevel: 0, dropPower: 0}`. For step i = 0..c−1: if crops remain and
 * (i is even or no drops remain) the next variant adds a crop level, else a dropout power; both are cumulative.
 * E.g. (1, 1) → {0, 0}, {1, 0}, {1, 1}; (2, 2) → {0, 0}, {1, 0}, {1, 1}, {2, 1}, {2, 2}.
 *
 * @param nDrop c_drop ≥ 0, the number of CmpDrop steps (`n_drop` in the reference).
 * @param nCrop c_crop ≥ 0, the number of CmpCrop steps (`n_crop`).
 * @returns `[c + 1]` variants; the last is `{cropLevel: nCrop, dropPower: nDrop}`.
 * Source: SPEC §7; the reference's `CmpQA.forward` loop ("crop first").
 */
export function variantPlan(nDrop: number, nCrop: number): AblationVariant[] {
  for (const [name, v] of [
    ["nDrop", nDrop],
    ["nCrop", nCrop],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`variantPlan: expected ${name} to be an integer ≥ 0, got ${v}`);
  }
  const plan: AblationVariant[] = [{ cropLevel: 0, dropPower: 0 }];
  let crops = 0;
  let drops = 0;
  for (let i = 0; i < nDrop + nCrop; i++) {
    if (crops < nCrop && (i % 2 === 0 || drops >= nDrop)) crops += 1;
    else drops += 1;
    plan.push({ cropLevel: crops, dropPower: drops });
  }
  return plan;
}

/**
 * Plain fine-tuning's one model (c_drop = c_crop = 0): the full input with ordinary dropout (power 1), not the
 * dropout-free full model of a comparison chain. The one place that says "c = 0 means power [1]".
 */
const PLAIN_VARIANT: AblationVariant = { cropLevel: 0, dropPower: 1 };

/**
 * The models a training step runs for `nDrop` CmpDrop and `nCrop` CmpCrop steps: the comparison chain
 * `variantPlan(nDrop, nCrop)`, or plain fine-tuning's one model when both are 0. Every task family takes its
 * variants from here (QA both kinds, classification the dropout powers via `variantPowers`).
 */
export function trainedVariants(nDrop: number, nCrop: number): AblationVariant[] {
  const plan = variantPlan(nDrop, nCrop);
  return plan.length === 1 ? [PLAIN_VARIANT] : plan;
}

/** Dropout power of each trained variant without crops: CmpDrop's [0, 1, …, c], or [1] for c = 0. */
export function variantPowers(nDrop: number): number[] {
  return trainedVariants(nDrop, 0).map((v) => v.dropPower);
}
