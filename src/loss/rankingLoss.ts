/**
 * The ranking task loss of the PRF reformulator (SPEC §9, LoL's passage-ranking loss): per row (a query
 * variant), full-softmax cross-entropy of its scores over the candidate documents with the lowest-scored
 * relevant document as the target and the other relevant documents masked out. One value per row, so that the
 * variants' losses form the `[B, 1 + c]` table that `comparativeLoss` ranks.
 */
import { nn, numpy as np } from "@jax-js/jax";
import { expectArray, expectFloat, reject } from "./check.js";

/** Stands for −∞ in masked scores; finite, so no inf − inf (NaN) can arise in the reduction or its gradient. */
const MASKED = -1e30;

/**
 * loss_r = log Σ_{d ∈ C_r} exp(s_{r,d}) − s_{r,t_r}, where t_r = argmin_{d ∈ Rel_r} s_{r,d} (the first such
 * document on ties; tied documents score the same, so the loss does not depend on which) and C_r is t_r with
 * every document that is not relevant.
 *
 * @param scores `[R, N]` float scores of each row against the N candidates.
 * @param relevant `[R, N]` mask (bool or numbers, non-zero = relevant); every row needs a relevant document.
 * @returns `[R]` per-row loss. Gradients flow to `scores` only.
 *
 * Consumes `scores` and `relevant` (also when it throws).
 */
export function lowestRelevantCrossEntropy(scores: np.Array, relevant: np.Array): np.Array {
  const fn = "lowestRelevantCrossEntropy";
  const owned = [scores, relevant];
  expectArray(fn, "scores", scores, "[R, N]", owned);
  expectArray(fn, "relevant", relevant, "[R, N]", owned);
  expectFloat(fn, "scores", scores, owned);
  if (scores.ndim !== 2 || relevant.shape.join() !== scores.shape.join()) {
    reject(
      new Error(
        `${fn}: expected scores [R, N] and relevant of the same shape, got [${scores.shape.join(", ")}] and [${relevant.shape.join(", ")}]`,
      ),
      owned,
    );
  }
  const n = scores.shape[1];
  const rel = relevant.notEqual(0);
  const target = np.argmin(np.where(rel.ref, scores.ref, Infinity), 1); // [R]
  const hit = target.slice([], null).equal(np.arange(0, n, 1, { dtype: np.int32 }).slice(null, [])); // [R, N]
  const kept = np.where(rel, np.where(hit.ref, scores.ref, MASKED), scores.ref);
  const targetScore = np.where(hit, scores, 0).sum(1);
  return nn.logsumexp(kept, 1).sub(targetScore);
}
