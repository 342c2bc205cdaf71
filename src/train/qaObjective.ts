/**
 * The extractive-QA objective with CmpDrop and CmpCrop variants (SPEC §7): each crop level is its own input
 * (different length), so variants are grouped by crop level and each group runs as one batched CmpDrop pass.
 * Start and end losses are ranked separately, then averaged.
 *
 * Shapes: V variants, B examples, T_ℓ tokens at crop level ℓ.
 */
import { numpy as np, random } from "@jax-js/jax";
import { comparativeLoss, crossEntropyPerExample, type ComparativeLossOptions } from "../loss/index.js";
import type { EncoderBatch } from "../models/bert/apply.js";
import type { BertConfig } from "../models/bert/config.js";
import { applySpanExtractor, type SpanExtractorParams } from "../models/spanExtractor.js";

/** One crop level's device batch: encoder inputs `[B, T_ℓ]` and gold token positions `[B]` (int32). */
export type QaLevelBatch = EncoderBatch & { start_positions: np.Array; end_positions: np.Array };

/** Variant v: which crop level's input it reads and its dropout power. Variant 0 must be {0, 0}. */
export interface QaVariant {
  cropLevel: number;
  dropPower: number;
}

export interface QaObjectiveConfig {
  modelConfig: BertConfig;
  variants: readonly QaVariant[];
  loss: ComparativeLossOptions;
}

/**
 * Per-example start and end task losses of every variant, `[B, V]` each.
 * Borrows `params`; consumes `levels` and `key`.
 */
export function qaLossTables(
  params: SpanExtractorParams,
  levels: QaLevelBatch[],
  key: np.Array,
  cfg: QaObjectiveConfig,
): { start: np.Array; end: np.Array } {
  const V = cfg.variants.length;
  const starts = new Array<np.Array>(V);
  const ends = new Array<np.Array>(V);
  const keys = random.split(key, levels.length);
  levels.forEach((level, l) => {
    const members = cfg.variants.flatMap((v, i) => (v.cropLevel === l ? [i] : []));
    const { start_positions, end_positions, ...inputs } = level;
    if (members.length === 0) {
      for (const a of [
        start_positions,
        end_positions,
        inputs.input_ids,
        inputs.attention_mask,
        inputs.token_type_ids,
      ]) {
        a.dispose();
      }
      return;
    }
    const powers = members.map((i) => cfg.variants[i].dropPower);
    const Vl = members.length;
    const B = start_positions.shape[0];
    const out = applySpanExtractor(params, inputs, cfg.modelConfig, { powers, key: keys.ref.slice(l) });
    const startLoss = crossEntropyPerExample(out.start_logits, np.tile(start_positions, [Vl])).reshape([
      Vl,
      B,
    ]);
    const endLoss = crossEntropyPerExample(out.end_logits, np.tile(end_positions, [Vl])).reshape([Vl, B]);
    members.forEach((v, j) => {
      starts[v] = startLoss.ref.slice(j);
      ends[v] = endLoss.ref.slice(j);
    });
    startLoss.dispose();
    endLoss.dispose();
  });
  keys.dispose();
  const missing = starts.findIndex((s) => s === undefined);
  if (missing >= 0)
    throw new RangeError(
      `qaLossTables: variant ${missing} reads crop level ${cfg.variants[missing].cropLevel}, but only ${levels.length} levels were given`,
    );
  return { start: np.stack(starts, 1), end: np.stack(ends, 1) };
}

/** Batch objective and per-variant mean task losses. Borrows `params`; consumes `levels` and `key`. */
export function qaObjective(
  params: SpanExtractorParams,
  levels: QaLevelBatch[],
  key: np.Array,
  cfg: QaObjectiveConfig,
): [np.Array, np.Array] {
  const { start, end } = qaLossTables(params, levels, key, cfg);
  const variantMeans = np.mean(start.ref.add(end.ref).mul(0.5), 0);
  const perExample =
    cfg.variants.length === 1
      ? start.add(end).mul(0.5).reshape([-1])
      : comparativeLoss(start, cfg.loss).add(comparativeLoss(end, cfg.loss)).mul(0.5);
  return [np.mean(perExample), variantMeans];
}
