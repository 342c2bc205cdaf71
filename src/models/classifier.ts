/**
 * Sequence classification / regression heads, as HF's `*ForSequenceClassification` (num_labels = 1 is
 * regression):
 * - BERT: dropout → `classifier` Linear on the pooler output.
 * - RoBERTa / ELECTRA: on the first token, dropout → `classifier.dense` → tanh (RoBERTa) or GELU (ELECTRA)
 *   → dropout → `classifier.out_proj`.
 * The encoder sits under the family's name (`bert.`, `roberta.`, `electra.`) so flattened names are HF's.
 */
import { numpy as np, random } from "@jax-js/jax";
import { nestedDropout } from "../ablation/cmpDrop.js";
import { applyLinear, initLinear, type LinearParams } from "../nn/linear.js";
import { activation, applyBert, type EncoderBatch } from "./bert/apply.js";
import { classifierDropout, type BertConfig, type EncoderFamily } from "./bert/config.js";
import { initBert, type BertParams } from "./bert/params.js";
import { siteKeys, type DropoutPlan } from "../ablation/dropoutPlan.js";

/** RoBERTa / ELECTRA head. */
export type ProjectionHeadParams = { dense: LinearParams; out_proj: LinearParams };

export type SequenceClassifierParams = {
  bert?: BertParams;
  roberta?: BertParams;
  electra?: BertParams;
  classifier: LinearParams | ProjectionHeadParams;
};

/** The encoder subtree of a classifier. */
export function encoderOf(params: SequenceClassifierParams, family: EncoderFamily): BertParams {
  const encoder = params[family];
  if (!encoder) {
    throw new Error(
      `encoderOf: expected an encoder under "${family}.", found ${Object.keys(params).join(", ") || "nothing"}`,
    );
  }
  return encoder;
}

/** A randomly initialised head for `cfg.model_type` (HF `_init_weights`). @param key consumed. */
export function initClassifierHead(
  key: np.Array,
  cfg: BertConfig,
  numLabels: number,
): LinearParams | ProjectionHeadParams {
  const H = cfg.hidden_size;
  const std = cfg.initializer_range;
  if (cfg.model_type === "bert") return initLinear(key, H, numLabels, std);
  const [dense, out] = random.split(key, 2);
  return { dense: initLinear(dense, H, H, std), out_proj: initLinear(out, H, numLabels, std) };
}

/** Random encoder and head. @param key consumed. */
export function initSequenceClassifier(
  key: np.Array,
  cfg: BertConfig,
  numLabels: number,
): SequenceClassifierParams {
  if (!Number.isInteger(numLabels) || numLabels < 1) {
    throw new RangeError(`initSequenceClassifier: expected numLabels ≥ 1, got ${numLabels}`);
  }
  const [encoderKey, headKey] = random.split(key, 2);
  return {
    [cfg.model_type]: initBert(encoderKey, cfg),
    classifier: initClassifierHead(headKey, cfg, numLabels),
  } as SequenceClassifierParams;
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
  const key = siteKeys(plan, 3);
  const encoder = encoderOf(params, cfg.model_type);
  const shared = plan.shared ?? true;
  const { last_hidden_state, pooler_output } = applyBert(encoder, batch, cfg, {
    powers: plan.powers,
    key: key(0),
    shared,
    forwardOnly: plan.forwardOnly,
  });
  const rate = classifierDropout(cfg);
  const head = params.classifier;
  if ("weight" in head) {
    if (!pooler_output) throw new Error("applySequenceClassifier: a BERT head needs the encoder's pooler");
    last_hidden_state.dispose();
    key(2)?.dispose();
    return applyLinear(head, nestedDropout(pooler_output, key(1), rate, plan.powers, { shared }));
  }
  pooler_output?.dispose();
  let x = last_hidden_state.slice([], 0); // first token, [R, H]
  x = nestedDropout(x, key(1), rate, plan.powers, { shared });
  x = activation(cfg.model_type === "roberta" ? "tanh" : "gelu", applyLinear(head.dense, x));
  x = nestedDropout(x, key(2), rate, plan.powers, { shared });
  return applyLinear(head.out_proj, x);
}
