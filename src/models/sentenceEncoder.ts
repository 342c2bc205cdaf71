/**
 * A sentence encoder for dense retrieval: the BERT encoder's last hidden states, mean-pooled over the real
 * tokens and L2-normalised — sentence-transformers' `Pooling(mean)` + `Normalize` (all-MiniLM-L6-v2's modules):
 * mean = Σ_t h_t · m_t / max(Σ_t m_t, 1e-9), v = mean / max(‖mean‖₂, 1e-12). Dropout off.
 */
import { jit, numpy as np, tree } from "@jax-js/jax";
import { consuming } from "../util/own.js";
import { applyBert, type EncoderBatch } from "./bert/apply.js";
import type { BertConfig } from "./bert/config.js";
import type { BertParams } from "./bert/params.js";
import { NO_DROPOUT } from "../ablation/dropoutPlan.js";

/**
 * Mean-pool `hidden` `[B, T, H]` over `mask` `[B, T]` (1 = real token) and L2-normalise each row → `[B, H]`.
 * Consumes both.
 */
export function meanPoolNormalized(hidden: np.Array, mask: np.Array): np.Array {
  const [B, T] = mask.shape;
  const m = mask.astype(np.float32).reshape([B, T, 1]);
  const sum = np.sum(hidden.mul(m.ref), 1); // [B, H]
  const count = np.maximum(np.sum(m, 1), 1e-9); // [B, 1]
  const mean = sum.div(count);
  const norm = np.maximum(np.sqrt(np.sum(mean.ref.mul(mean.ref), 1, { keepdims: true })), 1e-12);
  return mean.div(norm);
}

/** Host token arrays of one padded batch, `[B, T]` row-major. */
export interface HostTokens {
  input_ids: Int32Array;
  attention_mask: Int32Array;
  token_type_ids: Int32Array;
  batchSize: number;
  seqLen: number;
}

export interface SentenceEncoder {
  /** Hidden size H: each text's vector length. */
  readonly dim: number;
  /** The `[B, H]` float32 vectors of one batch, row-major. */
  encode(batch: HostTokens): Promise<Float32Array>;
  /** Release the compiled passes (not the params, which the caller owns). */
  dispose(): void;
}

/**
 * A compiled mean-pooling encoder over `params` (borrowed: the caller keeps and disposes them). Each distinct
 * `[B, T]` compiles once; pad batches to a few lengths.
 */
export function createSentenceEncoder(params: BertParams, cfg: BertConfig): SentenceEncoder {
  const forward = jit(
    consuming((p: BertParams, batch: EncoderBatch) => {
      const mask = batch.attention_mask.ref;
      const { last_hidden_state, pooler_output } = applyBert(p, batch, cfg, NO_DROPOUT);
      pooler_output?.dispose();
      return meanPoolNormalized(last_hidden_state, mask);
    }),
  );
  return {
    dim: cfg.hidden_size,
    async encode(b: HostTokens): Promise<Float32Array> {
      const shape = [b.batchSize, b.seqLen];
      const batch: EncoderBatch = {
        input_ids: np.array(b.input_ids, { dtype: np.int32 }).reshape(shape),
        attention_mask: np.array(b.attention_mask, { dtype: np.int32 }).reshape(shape),
        token_type_ids: np.array(b.token_type_ids, { dtype: np.int32 }).reshape(shape),
      };
      const out = forward(tree.ref(params), batch) as np.Array;
      return Float32Array.from(await out.data());
    },
    dispose: () => forward.dispose(),
  };
}
