/**
 * R-Drop (Liang et al., NeurIPS 2021): two forward passes with independent dropout; the task loss of both
 * plus α times the symmetric KL divergence between their predictive distributions (MSE between the two
 * predictions for regression). The closest competing dropout regulariser to CmpDrop.
 */
import { nn, numpy as np } from "@jax-js/jax";

/**
 * Symmetric KL, per example: ½·(KL(p‖q) + KL(q‖p)) summed over classes, p = softmax(a), q = softmax(b).
 * @param a,b logits `[B, C]` (consumed). @returns `[B]`.
 */
export function symmetricKl(a: np.Array, b: np.Array): np.Array {
  if (a.ndim !== 2 || a.shape.join() !== b.shape.join()) {
    throw new Error(
      `symmetricKl: expected two logits arrays of one shape [B, C], got [${a.shape}] and [${b.shape}]`,
    );
  }
  const logP = nn.logSoftmax(a, -1);
  const logQ = nn.logSoftmax(b, -1);
  const diff = logP.ref.sub(logQ.ref); // log p − log q
  // p·(log p − log q) + q·(log q − log p) = (p − q)·(log p − log q)
  const pq = np.exp(logP).sub(np.exp(logQ));
  return np.sum(pq.mul(diff), 1).mul(0.5);
}

/**
 * Per-example R-Drop objective from the two passes' task losses and outputs.
 * @param task1,task2 per-example task losses of the passes `[B]` (consumed).
 * @param out1,out2 logits `[B, C]`, or predictions `[B]` for regression (consumed).
 * @param alpha weight of the consistency term (≥ 0).
 * @returns `[B]`: ½(task1 + task2) + α · consistency.
 */
export function rdropLoss(
  task1: np.Array,
  task2: np.Array,
  out1: np.Array,
  out2: np.Array,
  options: { alpha: number; regression: boolean },
): np.Array {
  const { alpha, regression } = options;
  if (!(alpha >= 0) || !Number.isFinite(alpha))
    throw new RangeError(`rdropLoss: expected alpha ≥ 0, got ${alpha}`);
  const consistency = regression
    ? np.square(out1.reshape([-1]).sub(out2.reshape([-1])))
    : symmetricKl(out1, out2);
  return task1.add(task2).mul(0.5).add(consistency.mul(alpha));
}
