/**
 * CmpCrop — nested input ablation for extractive QA (SPEC §7), on the host.
 *
 * A context is a list of units (paragraphs or sentences). Crop level k keeps every relevant unit plus the first
 * n_k irrelevant units of ONE shuffled list of the irrelevant ones, in the original unit order. Because the counts
 * decrease with k and the list is shared, every crop is a subset of the one before, as CmpDrop's masks are.
 * Answers are remapped to the cropped text; a crop never removes gold evidence.
 *
 * Randomness is a uint32 seed per example (no global state, no jax keys: this runs before `toDeviceBatch`).
 */
import { hostRng, sampleDistinct, shuffled } from "../util/hostRng.js";

/** One piece of context: a paragraph or a sentence. */
export interface ContextUnit {
  /** The unit's text, joined to its neighbours with a separator by {@link applyCrop}. */
  text: string;
  /** True if the unit holds gold evidence (the answer or a supporting fact); relevant units are never cropped. */
  relevant: boolean;
}

/** A gold answer as a character span inside one unit. */
export interface UnitAnswer {
  /** Index of the unit that holds the answer. */
  unit: number;
  /** First character, relative to the unit's text. */
  start: number;
  /** One past the last character (exclusive, as `String.prototype.slice`), relative to the unit's text. */
  end: number;
}

/** The reference's evaluation crops: keep 6, 4, 2, then 0 distractors (SPEC §7). */
export const EVAL_KEEP: readonly number[] = [6, 4, 2, 0];

/**
 * How to choose the crop levels.
 * - `train`: per example, shuffle the irrelevant units once (seeded) and draw `levels` distinct counts
 *   n_1 > n_2 > … from {0 … #irrelevant − 1}.
 * - `eval`: fixed counts `keep` (default {@link EVAL_KEEP}) of the first irrelevant units in unit order,
 *   clamped to the number available; no randomness.
 */
export type CropPlanOptions =
  | { mode: "train"; levels: number; seed: number }
  | { mode: "eval"; levels: number; keep?: readonly number[] };

/** The crops of one example. */
export interface CropPlan {
  /** Irrelevant units kept at level k = 1..c (index k − 1); non-increasing. */
  counts: number[];
  /** Unit indices kept at level k = 1..c (index k − 1), ascending; `kept[k] ⊆ kept[k − 1]`. */
  kept: number[][];
}

/**
 * Plan the nested crops of one example (SPEC §7). Level 0, the full input, is implied and not listed.
 *
 * Training counts follow the reference: with more irrelevant units than levels, c distinct counts drawn from
 * {0 … #irrelevant − 1}, sorted descending (so level 1 already drops at least one unit); otherwise
 * #irrelevant − 1, …, 0 followed by zeros, so the trailing levels repeat the smallest crop.
 *
 * @param units the example's context units, in original order.
 * @param options see {@link CropPlanOptions}; `levels` is c ≥ 0.
 * @returns counts and kept unit indices for levels 1..c.
 * Randomness: `train` uses `hostRng(options.seed)` (one shuffle, then the count draw); `eval` uses none.
 * Source: SPEC §7; the reference's HotpotQA dataset `__getitem__`.
 */
export function planCrops(units: readonly ContextUnit[], options: CropPlanOptions): CropPlan {
  const { levels } = options;
  if (!Number.isInteger(levels) || levels < 0) {
    throw new RangeError(`planCrops: expected levels to be an integer ≥ 0, got ${levels}`);
  }
  const irrelevant: number[] = [];
  units.forEach((u, i) => {
    if (!u.relevant) irrelevant.push(i);
  });
  const m = irrelevant.length;
  let order: number[];
  let counts: number[];
  if (options.mode === "train") {
    const rng = hostRng(options.seed);
    order = shuffled(irrelevant, rng);
    if (m > levels) {
      counts = sampleDistinct(m, levels, rng).sort((a, b) => b - a);
    } else {
      counts = Array.from({ length: levels }, (_, k) => Math.max(0, m - 1 - k));
    }
  } else {
    const keep = options.keep ?? EVAL_KEEP;
    if (keep.length < levels) {
      throw new RangeError(
        `planCrops: expected at least levels = ${levels} eval counts, got ${keep.length} ([${keep.join(", ")}])`,
      );
    }
    const wanted = keep.slice(0, levels);
    if (wanted.some((n, k) => !Number.isInteger(n) || n < 0 || (k > 0 && n > wanted[k - 1]))) {
      throw new RangeError(
        `planCrops: expected non-increasing integer eval counts ≥ 0 (so crops nest), got [${wanted.join(", ")}]`,
      );
    }
    order = irrelevant;
    counts = wanted.map((n) => Math.min(n, m));
  }
  const kept = counts.map((n) => {
    const keepUnit = new Uint8Array(units.length);
    units.forEach((u, i) => {
      if (u.relevant) keepUnit[i] = 1;
    });
    for (let j = 0; j < n; j++) keepUnit[order[j]] = 1;
    const out: number[] = [];
    keepUnit.forEach((flag, i) => {
      if (flag) out.push(i);
    });
    return out;
  });
  return { counts, kept };
}

/** A cropped context: the joined text, where each kept unit lies in it, and the remapped answers. */
export interface CroppedContext {
  /** Kept units' texts joined by the separator. */
  text: string;
  /** Original index of each kept unit, ascending. */
  units: number[];
  /** `[start, end)` of each kept unit (parallel to `units`) in `text`. */
  unitSpans: { start: number; end: number }[];
  /** The answers in input order, as `[start, end)` in `text`; `unit` stays the original unit index. */
  answers: UnitAnswer[];
}

/**
 * Cut a context down to the kept units and remap the answers into the new text.
 *
 * @param units all context units, in original order.
 * @param kept ascending, distinct indices of the units to keep (one level of {@link planCrops}, or all units).
 * @param answers gold answers relative to their unit; every answer's unit must be kept.
 * @param separator joins adjacent kept units; default `"\n\n"` (whitespace to a BERT tokenizer, so it adds no
 *   tokens, yet keeps paragraph breaks readable).
 * @returns the cropped text, unit spans and answers whose `text.slice(start, end)` equals the original answer.
 * Throws if `kept` is not ascending and in range, an answer's span lies outside its unit, or its unit is dropped
 * (a crop never removes gold evidence, SPEC §7).
 */
export function applyCrop(
  units: readonly ContextUnit[],
  kept: readonly number[],
  answers: readonly UnitAnswer[],
  separator = "\n\n",
): CroppedContext {
  kept.forEach((i, j) => {
    if (!Number.isInteger(i) || i < 0 || i >= units.length || (j > 0 && i <= kept[j - 1])) {
      throw new RangeError(
        `applyCrop: expected ascending distinct unit indices in [0, ${units.length}), got [${kept.slice(0, 10).join(", ")}${kept.length > 10 ? ", …" : ""}]`,
      );
    }
  });
  const position = new Map<number, number>();
  const unitSpans: { start: number; end: number }[] = [];
  const parts: string[] = [];
  let at = 0;
  kept.forEach((i, j) => {
    if (j > 0) at += separator.length;
    position.set(i, j);
    parts.push(units[i].text);
    unitSpans.push({ start: at, end: at + units[i].text.length });
    at += units[i].text.length;
  });
  const remapped = answers.map((a, n) => {
    const j = position.get(a.unit);
    if (j === undefined) {
      throw new Error(
        `applyCrop: expected answer ${n}'s unit ${a.unit} to be kept (gold is never cropped), got it dropped`,
      );
    }
    const len = units[a.unit].text.length;
    if (!(
      Number.isInteger(a.start) &&
      Number.isInteger(a.end) &&
      0 <= a.start &&
      a.start <= a.end &&
      a.end <= len
    )) {
      throw new RangeError(
        `applyCrop: expected answer ${n} span within unit ${a.unit} (0 ≤ start ≤ end ≤ ${len}), got [${a.start}, ${a.end})`,
      );
    }
    const offset = unitSpans[j].start;
    return { unit: a.unit, start: offset + a.start, end: offset + a.end };
  });
  return { text: parts.join(separator), units: kept.slice(), unitSpans, answers: remapped };
}

/**
 * All c + 1 inputs of one example: level 0 (every unit) then the crops of {@link planCrops}.
 * @returns `[c + 1]` cropped contexts; element k is crop level k.
 * Randomness and errors as {@link planCrops} and {@link applyCrop}.
 */
export function cropLevels(
  units: readonly ContextUnit[],
  answers: readonly UnitAnswer[],
  options: CropPlanOptions,
  separator = "\n\n",
): CroppedContext[] {
  const all = units.map((_, i) => i);
  const { kept } = planCrops(units, options);
  return [all, ...kept].map((k) => applyCrop(units, k, answers, separator));
}
