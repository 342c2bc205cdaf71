/**
 * Feedback ablation for pseudo-relevance feedback (SPEC §9, LoL): the variants of one query read fewer feedback
 * passages, as nested prefixes of one list.
 *
 * Training: from the `available` top passages of the first stage (K, or fewer where the run is short), draw
 * 1 + c distinct counts from {0 … available}, sorted descending (0 = the query alone); the feedback list is the
 * top `counts[0]` passages in rank order, or — with `shuffle` — `counts[0]` of the top `available` drawn at
 * random, in draw order. Variant i reads the first `counts[i]` passages of that list, so every variant's input
 * is a prefix of the one before, as CmpDrop's masks and CmpCrop's crops are nested.
 * Evaluation: one variant reading the top `available` passages in rank order.
 *
 * Randomness is a uint32 seed per query and epoch (`mixSeed(seed, epoch, hashString(qid))`), as CmpCrop's.
 */
import { hostRng, sampleDistinct, shuffled } from "../util/hostRng.js";

export interface FeedbackPlan {
  /** Feedback passages per variant, descending; `counts[0]` is the full model's. */
  counts: number[];
  /** Indices into the first stage's top list (0 = its top passage), `counts[0]` of them, in reading order. */
  order: number[];
}

export interface FeedbackPlanOptions {
  /** Ablated variants c (≥ 0); 1 + c counts are drawn. */
  nCompare: number;
  /** uint32 seed of this query and epoch. */
  seed: number;
  /** Draw the feedback list at random from the top `available` (LoL's `shuffle_psgs`), else the top prefix. */
  shuffle?: boolean;
}

/**
 * The training plan of one query with `available` feedback passages.
 * @throws RangeError when 1 + c counts cannot be distinct (1 + c > available + 1).
 */
export function planFeedback(
  available: number,
  { nCompare, seed, shuffle = false }: FeedbackPlanOptions,
): FeedbackPlan {
  if (!Number.isInteger(available) || available < 0)
    throw new RangeError(`planFeedback: expected available to be an integer ≥ 0, got ${available}`);
  if (!Number.isInteger(nCompare) || nCompare < 0)
    throw new RangeError(`planFeedback: expected nCompare to be an integer ≥ 0, got ${nCompare}`);
  if (nCompare + 1 > available + 1)
    throw new RangeError(
      `planFeedback: expected at most ${available + 1} distinct feedback counts from {0…${available}}, asked for ${nCompare + 1} (--n-compare ${nCompare})`,
    );
  const rng = hostRng(seed);
  const counts = sampleDistinct(available + 1, nCompare + 1, rng).sort((a, b) => b - a);
  const top = Array.from({ length: available }, (_, i) => i);
  const order = shuffle ? shuffled(top, rng).slice(0, counts[0]) : top.slice(0, counts[0]);
  return { counts, order };
}

/** The evaluation plan: the top `available` passages, one variant. */
export function evalFeedback(available: number): FeedbackPlan {
  return { counts: [available], order: Array.from({ length: available }, (_, i) => i) };
}
