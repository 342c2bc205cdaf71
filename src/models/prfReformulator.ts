/**
 * The dense PRF query reformulator (SPEC §9): an encoder reads `[CLS] q [SEP] p1 [SEP] … pk [SEP]` and gives
 * one L2-normalised query vector per row, scored by cosine against the frozen base encoder's document vectors.
 *
 * Pooling:
 * - `mean` (default): the base retriever's own pooling (models/sentenceEncoder.ts, mean over real tokens then
 *   L2), so a reformulator that starts from the base encoder and reads no feedback *is* the base retriever;
 * - `cls-head`: LoL's head, LayerNorm(Linear(h_CLS)) (`head.dense`, `head.LayerNorm`, newly initialised), then
 *   L2-normalised so that its score is a cosine like the documents'.
 *
 * The encoder sits under its family's name (`bert.`, `roberta.`, `electra.`), so flattened names are HF's.
 */
import { numpy as np } from "@jax-js/jax";
import { NO_DROPOUT, type DropoutPlan } from "../ablation/dropoutPlan.js";
import { applyLayerNorm, initLayerNorm, type LayerNormParams } from "../nn/layerNorm.js";
import { applyLinear, initLinear, type LinearParams } from "../nn/linear.js";
import { applyBert, type EncoderBatch } from "./bert/apply.js";
import type { BertConfig } from "./bert/config.js";
import type { BertParams } from "./bert/params.js";
import { meanPoolNormalized } from "./sentenceEncoder.js";

/** Dropout off in a pass that is differentiated. */
const TRAIN_NO_DROPOUT: DropoutPlan = { powers: [0], key: null };

export type PrfPooling = "mean" | "cls-head";
export const PRF_POOLINGS: readonly PrfPooling[] = ["mean", "cls-head"];

export type PrfHeadParams = { dense: LinearParams; LayerNorm: LayerNormParams };

export type PrfReformulatorParams = {
  bert?: BertParams;
  roberta?: BertParams;
  electra?: BertParams;
  head?: PrfHeadParams;
};

/** LoL's query head, HF-initialised (weight ~ N(0, initializer_range), LayerNorm ones/zeros). Consumes `key`. */
export function initPrfHead(key: np.Array, cfg: BertConfig): PrfHeadParams {
  const H = cfg.hidden_size;
  return { dense: initLinear(key, H, H, cfg.initializer_range), LayerNorm: initLayerNorm(H) };
}

/** L2-normalise the rows of `x` `[R, H]` (as sentence-transformers' Normalize). Consumes `x`. */
function l2Normalize(x: np.Array): np.Array {
  const norm = np.maximum(np.sqrt(np.sum(x.ref.mul(x.ref), 1, { keepdims: true })), 1e-12);
  return x.div(norm);
}

/**
 * Query vectors `[R, H]`, L2-normalised, dropout off (the variants differ by their input only, SPEC §9).
 * `forwardOnly`: no gradient will be taken (evaluation). Borrows `params`; consumes `batch`.
 * @throws Error when `pooling` is `cls-head` and the params have no head (or `mean` and they have one).
 */
export function applyPrfReformulator(
  params: PrfReformulatorParams,
  batch: EncoderBatch,
  cfg: BertConfig,
  pooling: PrfPooling,
  forwardOnly = false,
): np.Array {
  const encoder = params[cfg.model_type];
  if (!encoder) throw new Error(`applyPrfReformulator: expected an encoder under "${cfg.model_type}."`);
  if ((pooling === "cls-head") !== (params.head !== undefined))
    throw new Error(
      `applyPrfReformulator: pooling ${pooling} ${pooling === "cls-head" ? "needs" : "takes no"} head params`,
    );
  const mask = batch.attention_mask.ref;
  const { last_hidden_state, pooler_output } = applyBert(
    encoder,
    batch,
    cfg,
    forwardOnly ? NO_DROPOUT : TRAIN_NO_DROPOUT,
  );
  pooler_output?.dispose();
  if (pooling === "mean") return meanPoolNormalized(last_hidden_state, mask);
  mask.dispose();
  const cls = last_hidden_state.slice([], 0); // [R, H]
  const head = params.head!;
  return l2Normalize(applyLayerNorm(head.LayerNorm, applyLinear(head.dense, cls), cfg.layer_norm_eps));
}
