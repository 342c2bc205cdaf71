/**
 * The BERT encoder forward pass (mirrors HF `BertModel`: post-LayerNorm blocks, exact-erf GELU, tanh pooler)
 * with CmpDrop at every one of BERT's dropout sites.
 *
 * Shapes: V variants, B examples, R = V·B rows, T tokens, H hidden, N heads, D = H / N.
 */
import { nn, numpy as np } from "@jax-js/jax";
import { nestedDropout } from "../../ablation/cmpDrop.js";
import { applyEmbedding } from "../../nn/embedding.js";
import { applyLayerNorm } from "../../nn/layerNorm.js";
import { applyLinear, type LinearParams } from "../../nn/linear.js";
import { siteKeys, tileVariants, type DropoutPlan } from "../../ablation/dropoutPlan.js";
import { maxInputLength, type BertConfig } from "./config.js";
import type { BertLayerParams, BertParams } from "./params.js";

/** Token inputs, int32 `[B, T]`, HF names. */
export type EncoderBatch = {
  input_ids: np.Array;
  attention_mask: np.Array;
  token_type_ids: np.Array;
};

export type BertOutput = {
  /** `[R, T, H]` */
  last_hidden_state: np.Array;
  /** `[R, H]`: tanh(dense(hidden state of the first token)); null when the params have no pooler. */
  pooler_output: np.Array | null;
};

/** HF's `ACT2FN` for the activations BERT-family configs use. Consumes `x`. */
export function activation(name: BertConfig["hidden_act"] | "tanh", x: np.Array): np.Array {
  switch (name) {
    case "gelu":
      return nn.gelu(x, { approximate: false });
    case "gelu_new":
    case "gelu_pytorch_tanh":
      return nn.gelu(x, { approximate: true });
    case "relu":
      return nn.relu(x);
    case "tanh":
      return np.tanh(x);
  }
}

/**
 * Position ids `[B, T]`: 0..T−1 for BERT/ELECTRA; RoBERTa counts only non-padding tokens and starts at
 * pad_token_id + 1, with padding at pad_token_id (HF `create_position_ids_from_input_ids`).
 * Borrows `inputIds`.
 */
function positionIds(inputIds: np.Array, cfg: BertConfig): np.Array {
  const [B, T] = inputIds.shape;
  if (cfg.model_type !== "roberta") {
    return np.broadcastTo(np.arange(T, undefined, undefined, { dtype: np.int32 }).reshape([1, T]), [B, T]);
  }
  const real = inputIds.ref.notEqual(cfg.pad_token_id).astype(np.int32);
  return np.cumsum(real.ref, 1).mul(real).add(cfg.pad_token_id).astype(np.int32);
}

/** Dropout sites in the encoder: embeddings, then (attention probs, attention output, FFN output) per layer. */
export function bertDropoutSites(cfg: BertConfig): number {
  return 1 + 3 * cfg.num_hidden_layers;
}

// Large negative instead of -inf: padded keys get exactly zero weight after softmax without NaN gradients.
const MASKED = -1e9;

/**
 * The attention output dense layer on the heads' context `[R, N, T, D]` in a pass that nothing differentiates:
 * the heads merged to `[R, T, H]` in memory first, then the same `x·Wᵀ` as in training. Left as a view, jax-js
 * (0.1.25) folds the head transpose into the matmul's operand loads, whose reduction index then jumps at every
 * head: no vectorised path takes it, and the layer ran 40–100× slower (0.5–1.9 s instead of 15 ms for MiniLM at
 * B 32 × T 32). Under `grad` the merged heads are a kernel's output anyway (the weight gradient needs them).
 * Multiplying by ones shaped `[R, T, 1]` — exact, and not folded away like a scalar 1 — makes the merged context
 * an elementwise kernel's output, which jax-js keeps in memory because the matmul broadcasts it against the
 * weight. (Until 2026-12-06 this pass projected each head against its D columns and summed over heads: the same
 * sum in another order, 2.6× slower at T 256, with a [R, N, T, H] intermediate.)
 */
function mergedHeadsProjection(dense: LinearParams, context: np.Array): np.Array {
  const [R, N, T, D] = context.shape;
  const merged = context.transpose([0, 2, 1, 3]).reshape([R, T, N * D]);
  return applyLinear(dense, merged.mul(np.ones([R, T, 1])));
}

function applyLayer(
  p: BertLayerParams,
  x: np.Array,
  maskBias: np.Array,
  cfg: BertConfig,
  plan: { powers: readonly number[]; shared: boolean; forwardOnly: boolean },
  key: (site: number) => np.Array | null,
  layer: number,
): np.Array {
  const { powers, shared, forwardOnly } = plan;
  const [R, T, H] = x.shape;
  const N = cfg.num_attention_heads;
  const D = H / N;
  const heads = (y: np.Array) => y.reshape([R, T, N, D]).transpose([0, 2, 1, 3]); // [R, N, T, D]

  const residual = x.ref;
  const q = heads(applyLinear(p.attention.self.query, x.ref));
  const k = heads(applyLinear(p.attention.self.key, x.ref));
  const v = heads(applyLinear(p.attention.self.value, x));
  const scores = np.matmul(q.mul(1 / Math.sqrt(D)), k.transpose([0, 1, 3, 2])).add(maskBias); // [R, N, T, T]
  let probs = nn.softmax(scores, -1);
  probs = nestedDropout(probs, key(1 + 3 * layer), cfg.attention_probs_dropout_prob, powers, { shared });
  const context = np.matmul(probs, v); // [R, N, T, D]
  let attnOut = forwardOnly
    ? mergedHeadsProjection(p.attention.output.dense, context)
    : applyLinear(p.attention.output.dense, context.transpose([0, 2, 1, 3]).reshape([R, T, H]));
  attnOut = nestedDropout(attnOut, key(2 + 3 * layer), cfg.hidden_dropout_prob, powers, { shared });
  const h = applyLayerNorm(p.attention.output.LayerNorm, attnOut.add(residual), cfg.layer_norm_eps);

  const residual2 = h.ref;
  const inner = activation(cfg.hidden_act, applyLinear(p.intermediate.dense, h));
  let ffnOut = applyLinear(p.output.dense, inner);
  ffnOut = nestedDropout(ffnOut, key(3 + 3 * layer), cfg.hidden_dropout_prob, powers, { shared });
  return applyLayerNorm(p.output.LayerNorm, ffnOut.add(residual2), cfg.layer_norm_eps);
}

/**
 * Run the encoder for every variant of `plan` on one batch.
 *
 * The embeddings are computed once for the B rows; the first dropout site fans them out to V·B rows.
 * @param batch int32 `[B, T]` inputs (consumed).
 * @param plan dropout powers per variant and the key for all sites (key consumed).
 * Borrows `params`.
 */
export function applyBert(
  params: BertParams,
  batch: EncoderBatch,
  cfg: BertConfig,
  plan: DropoutPlan,
): BertOutput {
  const [B, T] = batch.input_ids.shape;
  if (T > maxInputLength(cfg)) {
    throw new RangeError(
      `applyBert: sequence length ${T} exceeds the model's ${maxInputLength(cfg)} positions`,
    );
  }
  const V = plan.powers.length;
  const key = siteKeys(plan, bertDropoutSites(cfg));
  const e = params.embeddings;

  const positions = positionIds(batch.input_ids, cfg);
  let x = applyEmbedding(e.word_embeddings, batch.input_ids)
    .add(applyEmbedding(e.position_embeddings, positions))
    .add(applyEmbedding(e.token_type_embeddings, batch.token_type_ids));
  x = applyLayerNorm(e.LayerNorm, x, cfg.layer_norm_eps);
  const shared = plan.shared ?? true;
  x = nestedDropout(x, key(0), cfg.hidden_dropout_prob, plan.powers, { expand: true, shared }); // [B,T,E] → [R,T,E]
  if (params.embeddings_project) x = applyLinear(params.embeddings_project, x); // ELECTRA: E → H

  const maskBias = batch.attention_mask.astype(np.float32).mul(-1).add(1).mul(MASKED).reshape([B, 1, 1, T]);
  const bias = tileVariants(maskBias, V);
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    x = applyLayer(
      params.encoder.layer[i],
      x,
      bias.ref,
      cfg,
      { powers: plan.powers, shared, forwardOnly: plan.forwardOnly ?? false },
      key,
      i,
    );
  }
  bias.dispose();

  if (!params.pooler) return { last_hidden_state: x, pooler_output: null };
  const first = x.ref.slice([], 0); // [R, H]
  const pooled = np.tanh(applyLinear(params.pooler.dense, first));
  return { last_hidden_state: x, pooler_output: pooled };
}
