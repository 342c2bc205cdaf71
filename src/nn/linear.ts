/** Dense layer with Hugging Face's `[out, in]` weight layout (mirrors `torch.nn.Linear`). */
import { numpy as np, random } from "@jax-js/jax";

export type LinearParams = { weight: np.Array; bias: np.Array };

/**
 * Initialise as HF BERT's `_init_weights`: weight ~ normal(0, std), bias = 0.
 * @param key PRNG key (consumed).
 */
export function initLinear(
  key: np.Array,
  inFeatures: number,
  outFeatures: number,
  std: number,
): LinearParams {
  return {
    weight: random.normal(key, [outFeatures, inFeatures]).mul(std),
    bias: np.zeros([outFeatures]),
  };
}

/**
 * y = x Wᵀ + b over the last axis.
 * @param x `[..., in]` → `[..., out]`.
 * Borrows `params`; consumes `x`.
 */
export function applyLinear(params: LinearParams, x: np.Array): np.Array {
  const lead = x.shape.slice(0, -1);
  const inFeatures = x.shape[x.ndim - 1];
  const outFeatures = params.weight.shape[0];
  // A 2-D matmul is the shape jax-js's tiled kernels are best at.
  const x2 = x.reshape([-1, inFeatures]);
  const y = np.matmul(x2, params.weight.ref.transpose()).add(params.bias.ref);
  return y.reshape([...lead, outFeatures]);
}
