/**
 * N-best span decoding of start/end logits back to context text, as HF `utils_qa.py`'s
 * `postprocess_qa_predictions` (SQuAD v1: no null answer).
 *
 * Shape legend: T tokens of one feature.
 */
import type { QaFeature } from "./features.js";

/** Decoding limits; SPEC §10: n-best 20, max answer 30 tokens (64 for HotpotQA). */
export interface DecodeOptions {
  nBestSize: number;
  /** Longest answer in tokens (`end - start + 1`). */
  maxAnswerLength: number;
}

/** One candidate answer span. */
export interface QaCandidate {
  text: string;
  /** `start_logit + end_logit`. */
  score: number;
  /** `[start, end)` in the example's context (UTF-16). */
  start: number;
  end: number;
  /** Index of the feature (window) it came from, in the features list. */
  feature: number;
}

/** The best answer of one example and its n-best list (best first). */
export interface QaPrediction {
  id: string;
  /** "" when no window has a valid span. */
  text: string;
  nBest: QaCandidate[];
}

/** Indices of the `k` largest values, largest first (ties: lower index first, as a stable argsort). */
function topK(values: ArrayLike<number>, length: number, k: number): number[] {
  const idx = Array.from({ length }, (_, i) => i);
  idx.sort((a, b) => values[b]! - values[a]! || a - b);
  return idx.slice(0, k);
}

/**
 * Best answer per example from per-feature logits. For each feature, the `nBestSize` highest start and end
 * logits are paired; pairs outside the context tokens, with end < start, or longer than `maxAnswerLength` are
 * skipped; the rest of all the example's features are ranked by `start + end` logit and mapped to context text
 * through the feature's offsets.
 * @param contexts example index → context text (`features[f].exampleIndex` indexes it).
 * @param startLogits `[T]` per feature, aligned with `features` (padding beyond T is ignored).
 * @param endLogits `[T]` per feature.
 * @returns predictions by example id, in order of first appearance in `features`.
 * @throws Error when the logit lists do not match the features.
 */
export function decodeQaPredictions(
  features: readonly QaFeature[],
  contexts: readonly string[],
  startLogits: readonly ArrayLike<number>[],
  endLogits: readonly ArrayLike<number>[],
  { nBestSize, maxAnswerLength }: DecodeOptions,
): Map<string, QaPrediction> {
  if (startLogits.length !== features.length || endLogits.length !== features.length) {
    throw new Error(
      `decodeQaPredictions: expected one start and one end logit row per feature (${features.length}), got ${startLogits.length} and ${endLogits.length}`,
    );
  }
  const candidates = new Map<string, QaCandidate[]>();
  features.forEach((f, fi) => {
    const T = f.input_ids.length;
    const starts = startLogits[fi]!;
    const ends = endLogits[fi]!;
    if (starts.length < T || ends.length < T) {
      throw new Error(
        `decodeQaPredictions: expected ${T} logits for feature ${fi}, got ${starts.length} and ${ends.length}`,
      );
    }
    const context = contexts[f.exampleIndex];
    if (context === undefined)
      throw new Error(`decodeQaPredictions: expected a context for example ${f.exampleIndex}, got none`);
    const list = candidates.get(f.exampleId) ?? [];
    candidates.set(f.exampleId, list);
    const C = f.offsets.length;
    for (const s of topK(starts, T, nBestSize)) {
      for (const e of topK(ends, T, nBestSize)) {
        const cs = s - f.contextStart;
        const ce = e - f.contextStart;
        if (cs < 0 || ce < 0 || cs >= C || ce >= C || e < s || e - s + 1 > maxAnswerLength) continue;
        const start = f.offsets[cs]![0];
        const end = f.offsets[ce]![1];
        list.push({ text: context.slice(start, end), score: starts[s]! + ends[e]!, start, end, feature: fi });
      }
    }
  });
  const out = new Map<string, QaPrediction>();
  for (const [id, list] of candidates) {
    // Stable sort: equal scores keep feature order, then start-major order (as HF's sorted()).
    const nBest = [...list].sort((a, b) => b.score - a.score).slice(0, nBestSize);
    out.set(id, { id, text: nBest[0]?.text ?? "", nBest });
  }
  return out;
}
