/** Lookup table (mirrors `torch.nn.Embedding`). */
import { numpy as np, random } from "@jax-js/jax";

export type EmbeddingParams = { weight: np.Array };

/**
 * weight ~ normal(0, std); the padding row (if any) is zeroed as HF does.
 * @param key PRNG key (consumed).
 */
export function initEmbedding(
  key: np.Array,
  count: number,
  size: number,
  std: number,
  paddingIdx?: number,
): EmbeddingParams {
  let weight = random.normal(key, [count, size]).mul(std);
  if (paddingIdx !== undefined) {
    const keep = np.arange(count).notEqual(paddingIdx).astype(np.float32).reshape([count, 1]);
    weight = weight.mul(keep);
  }
  return { weight };
}

/**
 * Rows of the table for integer ids.
 * @param ids int32 `[...]` → `[..., size]`. Borrows `params`; consumes `ids`.
 */
export function applyEmbedding(params: EmbeddingParams, ids: np.Array): np.Array {
  return np.take(params.weight.ref, ids, 0);
}
