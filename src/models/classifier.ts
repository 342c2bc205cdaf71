/**
 * Sequence classification / regression head over the BERT pooler (mirrors HF `BertForSequenceClassification`:
 * dropout on the pooled output, then a Linear to `num_labels`; num_labels = 1 is regression).
 */
import { numpy as np, random } from "@jax-js/jax";
import { nestedDropout } from "../ablation/cmpDrop.js";
import { applyLinear, initLinear, type LinearParams } from "../nn/linear.js";
import { applyBert, type EncoderBatch } from "./bert/apply.js";
import type { BertConfig } from "./bert/config.js";
import { initBert, type BertParams } from "./bert/params.js";
import { siteKeys, type DropoutPlan } from "./dropoutPlan.js";

export type SequenceClassifierParams = { bert: BertParams; classifier: LinearParams };

/** Random encoder and head. @param key consumed. */
export function initSequenceClassifier(
  key: np.Array,
  cfg: BertConfig,
  numLabels: number,
): SequenceClassifierParams {
  if (!Number.isInteger(numLabels) || numLabels < 1) {
    throw new RangeError(`initSequenceClassifier: expected numLabels ≥ 1, got ${numLabels}`);
  }
  const [bertKey, headKey] = random.split(key, 2);
  return {
    bert: initBert(bertKey, cfg),
    classifier: initLinear(headKey, cfg.hidden_size, numLabels, cfg.initializer_range),
  };
}

/**
 * Logits of every variant in `plan`.
 * @param batch int32 `[B, T]` (consumed). @param plan key consumed.
 * @returns `[V·B, C]`, variant-major. Borrows `params`.
 */
export function applySequenceClassifier(
  params: SequenceClassifierParams,
  batch: EncoderBatch,
  cfg: BertConfig,
  plan: DropoutPlan,
): np.Array {
  const key = siteKeys(plan, 2);
  const { last_hidden_state, pooler_output } = applyBert(params.bert, batch, cfg, {
    powers: plan.powers,
    key: key(0),
  });
  last_hidden_state.dispose();
  const dropped = nestedDropout(pooler_output, key(1), cfg.hidden_dropout_prob, plan.powers);
  return applyLinear(params.classifier, dropped);
}
