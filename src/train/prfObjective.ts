/**
 * The PRF reformulator's objective (SPEC §9): each query is read with 1 + c nested prefixes of its feedback
 * list (variant 0 the most feedback); every variant's query vector is scored against the whole corpus with a
 * scaled cosine, its task loss is the full-softmax cross-entropy with the lowest-scored relevant document as
 * target (`lowestRelevantCrossEntropy`), and the `[B, 1 + c]` table goes to `comparativeLoss` in regulariser
 * mode (primary avg, weight λ_cr, no dummy): mean task loss over all variants + λ_cr · pairwise hinge.
 *
 * Score scale: cosines lie in [−1, 1], so a softmax over thousands of documents on raw cosines is almost flat
 * and its gradient tiny; the scores are multiplied by `scale` (default 20, i.e. temperature 0.05, the scale of
 * sentence-transformers' MultipleNegativesRankingLoss that all-MiniLM-L6-v2 was trained with). The ranking,
 * and so every trec_eval measure, does not depend on it.
 *
 * Shapes: B queries, V = 1 + c variants, T tokens (every variant padded to the batch's longest), N documents,
 * H hidden size.
 */
import { numpy as np } from "@jax-js/jax";
import { comparativeLoss, lowestRelevantCrossEntropy, type ComparativeLossOptions } from "../loss/index.js";
import type { BertConfig } from "../models/bert/config.js";
import {
  applyPrfReformulator,
  type PrfPooling,
  type PrfReformulatorParams,
} from "../models/prfReformulator.js";

/**
 * One device batch: token inputs `[B, V, T]` int32 (variant v of query b: its first `counts[v]` feedback
 * passages, padding masked) and the relevance mask `[B, N]` float32 (1 = a relevant document of query b).
 */
export interface PrfBatch {
  input_ids: np.Array;
  attention_mask: np.Array;
  token_type_ids: np.Array;
  relevant: np.Array;
}

export interface PrfObjectiveConfig {
  modelConfig: BertConfig;
  pooling: PrfPooling;
  /** Multiplies the cosines before the softmax (see above). */
  scale: number;
  /** `{ kind: "regulariser", primary: "avg", weight: λ_cr }` (SPEC §9). */
  loss: ComparativeLossOptions;
  /** The frozen corpus vectors `[N, H]`, L2-normalised (borrowed; never differentiated). */
  docs: np.Array;
}

/**
 * The per-query, per-variant task losses `[B, V]` (column 0: the most feedback).
 * Borrows `params` and `cfg.docs`; consumes `batch`.
 */
export function prfLossTable(
  params: PrfReformulatorParams,
  batch: PrfBatch,
  cfg: PrfObjectiveConfig,
): np.Array {
  const [B, V, T] = batch.input_ids.shape;
  const flat = (a: np.Array) => a.reshape([B * V, T]);
  const queries = applyPrfReformulator(
    params,
    {
      input_ids: flat(batch.input_ids),
      attention_mask: flat(batch.attention_mask),
      token_type_ids: flat(batch.token_type_ids),
    },
    cfg.modelConfig,
    cfg.pooling,
  ); // [B·V, H], row b·V + v
  const N = cfg.docs.shape[0];
  const scores = np.matmul(queries, cfg.docs.ref.transpose()).mul(cfg.scale).reshape([B, V, N]);
  const columns: np.Array[] = [];
  for (let v = 0; v < V; v++) {
    columns.push(lowestRelevantCrossEntropy(scores.ref.slice([], v), batch.relevant.ref));
  }
  scores.dispose();
  batch.relevant.dispose();
  return np.stack(columns, 1);
}

/**
 * `[mean loss, per-variant mean task losses]` for makeOptimizerStep. Borrows `params`; consumes `batch` and
 * `key` (the variants differ by their input only, so no dropout key is used).
 */
export function prfObjective(
  params: PrfReformulatorParams,
  batch: PrfBatch,
  key: np.Array,
  cfg: PrfObjectiveConfig,
): [np.Array, np.Array] {
  key.dispose();
  const table = prfLossTable(params, batch, cfg);
  const variantMeans = np.mean(table.ref, 0);
  return [np.mean(comparativeLoss(table, cfg.loss)), variantMeans];
}
