/** Layer normalisation over the last axis (mirrors `torch.nn.LayerNorm`; HF keeps the `LayerNorm` name). */
import { numpy as np } from "@jax-js/jax";

export type LayerNormParams = { weight: np.Array; bias: np.Array };

/** weight = 1, bias = 0. */
export function initLayerNorm(size: number): LayerNormParams {
  return { weight: np.ones([size]), bias: np.zeros([size]) };
}

/**
 * (x − mean) / sqrt(var + eps) · weight + bias, biased variance as in PyTorch.
 * @param x `[..., H]`. Borrows `params`; consumes `x`.
 */
export function applyLayerNorm(params: LayerNormParams, x: np.Array, eps: number): np.Array {
  const axis = x.ndim - 1;
  const mean = np.mean(x.ref, axis, { keepdims: true });
  const centred = x.sub(mean);
  const variance = np.mean(np.square(centred.ref), axis, { keepdims: true });
  const normed = centred.mul(np.reciprocal(np.sqrt(variance.add(eps))));
  return normed.mul(params.weight.ref).add(params.bias.ref);
}
