/**
 * Extractive QA head, as HF's `*ForQuestionAnswering`: a Linear `qa_outputs` [H → 2] on every token's final
 * hidden state gives start and end logits (no dropout in front of it, as in HF).
 */
import { numpy as np, random } from "@jax-js/jax";
import { applyLinear, initLinear, type LinearParams } from "../nn/linear.js";
import { applyBert, type EncoderBatch } from "./bert/apply.js";
import type { BertConfig } from "./bert/config.js";
import { initBert, type BertParams } from "./bert/params.js";
import type { DropoutPlan } from "../ablation/dropoutPlan.js";

export type SpanExtractorParams = {
  bert?: BertParams;
  roberta?: BertParams;
  electra?: BertParams;
  qa_outputs: LinearParams;
};

export type SpanLogits = {
  /** `[V·B, T]` */
  start_logits: np.Array;
  /** `[V·B, T]` */
  end_logits: np.Array;
};

/** Random encoder (no pooler: QA models have none) and head. @param key consumed. */
export function initSpanExtractor(key: np.Array, cfg: BertConfig): SpanExtractorParams {
  const [encoderKey, headKey] = random.split(key, 2);
  return {
    [cfg.model_type]: initBert(encoderKey, cfg, { pooler: false }),
    qa_outputs: initLinear(headKey, cfg.hidden_size, 2, cfg.initializer_range),
  } as SpanExtractorParams;
}

/**
 * Start and end logits of every variant in `plan`.
 * @param batch int32 `[B, T]` (consumed). @param plan key consumed. Borrows `params`.
 */
export function applySpanExtractor(
  params: SpanExtractorParams,
  batch: EncoderBatch,
  cfg: BertConfig,
  plan: DropoutPlan,
): SpanLogits {
  const encoder = params[cfg.model_type];
  if (!encoder) throw new Error(`applySpanExtractor: expected an encoder under "${cfg.model_type}."`);
  const { last_hidden_state, pooler_output } = applyBert(encoder, batch, cfg, plan);
  pooler_output?.dispose();
  const [R, T] = last_hidden_state.shape;
  const logits = applyLinear(params.qa_outputs, last_hidden_state); // [R, T, 2]
  const start = logits.ref.slice([], [], 0).reshape([R, T]);
  const end = logits.slice([], [], 1).reshape([R, T]);
  return { start_logits: start, end_logits: end };
}
