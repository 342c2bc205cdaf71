/**
 * The dummy model's effect: the "loss target" b that every real model is ranked above (SPEC §3).
 */
import { lax, numpy as np } from "@jax-js/jax";
import { expectChoice, expectTable, reject } from "./check.js";

/** Which baseline the dummy model stands for (SPEC §3; the reference's `loss_target`). */
export type LossTarget = "ultra" | "best" | "first";

/** Every `LossTarget`, in SPEC order. */
export const LOSS_TARGETS: readonly LossTarget[] = ["ultra", "best", "first"];

/**
 * The dummy model's effect for each example, appended after the most ablated model before ranking (SPEC §3).
 *
 * - `"ultra"`: 0 (the dummy has loss b = 0), so every real model's loss enters the ranking loss directly.
 * - `"best"`: max over all n models of s⁽ⁱ⁾.
 * - `"first"`: with s₀ = s⁽⁰⁾ and s* = max_{i≥1} s⁽ⁱ⁾, (s₀ + s*)/2 if s₀ > s*, else s*. Needs n ≥ 2.
 *
 * The result is a constant: no gradient flows back into `effects` (as the reference computes it under
 * `torch.no_grad()`).
 *
 * @param effects `[B, n]` effects s = −l / temperature of the n real models, full model first.
 * @param target the baseline; default `"ultra"`.
 * @returns `[B, 1]` dummy effects, in the dtype of `effects`.
 * @throws TypeError / Error for a non-float or non-`[B, n]` table; RangeError for an unknown target or for
 *   `"first"` with n = 1 (there is no ablated model to compare with).
 *
 * Consumes `effects`.
 */
export function dummyEffect(effects: np.Array, target: LossTarget = "ultra"): np.Array {
  const fn = "dummyEffect";
  expectTable(fn, "effects", effects, "[B, n]", [effects]);
  expectChoice(fn, "target", target, LOSS_TARGETS, [effects]);
  if (target === "first" && effects.shape[1] < 2) {
    reject(
      new RangeError(
        `${fn}: expected at least 2 models (n ≥ 2) for target "first", got n = ${effects.shape[1]}`,
      ),
      [effects],
    );
  }
  return dummyEffectUnchecked(effects, target);
}

/** `dummyEffect` without the boundary checks, for callers that already validated. Consumes `effects`. */
export function dummyEffectUnchecked(effects: np.Array, target: LossTarget): np.Array {
  const s = lax.stopGradient(effects);
  switch (target) {
    case "ultra": {
      const b = s.shape[0];
      const dtype = s.dtype;
      s.dispose();
      return np.zeros([b, 1], { dtype });
    }
    case "best":
      return s.max(1, { keepdims: true });
    case "first": {
      const first = s.ref.slice([], [0, 1]);
      const star = s.slice([], [1]).max(1, { keepdims: true });
      return np.where(first.ref.greater(star.ref), first.add(star.ref).mul(0.5), star);
    }
  }
}
