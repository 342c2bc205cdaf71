/**
 * The official SQuAD v1.1 EM/F1 (`evaluate-v1.1.py`): normalise (lower-case, drop ASCII punctuation, drop the
 * words a/an/the, collapse whitespace), exact match, bag-of-tokens F1, max over gold answers, mean — as a fraction in [0, 1], the scale of every cmploss
 * metric (the official script prints the mean × 100).
 *
 * Python's regex `\b` and `str.split()` are Unicode-aware and JavaScript's are not, so both are spelled out
 * here; `test/fixtures/qa/squad_metric.json` (from `dev/python/qa/squad_eval_fixture.py`) checks parity.
 */

/** Python's `string.punctuation`. */
const PUNCTUATION = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
/** Python's `\b(a|an|the)\b` on str: a word character is `_` or one for which `str.isalnum()` holds. */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
/** Python's `str.split()` separators (`str.isspace()`), which include U+001C–U+001F and U+0085. */
const WHITESPACE = new Set(
  "\t\n\v\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
);

/** SQuAD's `normalize_answer`: lower-case, remove punctuation, remove articles, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  let out = "";
  for (const ch of s.toLowerCase()) if (!PUNCTUATION.has(ch)) out += ch;
  return normalizedTokens(out.replace(ARTICLES, " ")).join(" ");
}

function normalizedTokens(s: string): string[] {
  const tokens: string[] = [];
  let current = "";
  for (const ch of s) {
    if (!WHITESPACE.has(ch)) current += ch;
    else if (current !== "") {
      tokens.push(current);
      current = "";
    }
  }
  if (current !== "") tokens.push(current);
  return tokens;
}

/** 1 if the normalised strings are equal, else 0. */
export function exactMatchScore(prediction: string, groundTruth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth) ? 1 : 0;
}

/** Token-level F1 of the normalised strings (0 when they share no token, even if both are empty). */
export function f1Score(prediction: string, groundTruth: string): number {
  const pred = normalizedTokens(normalizeAnswer(prediction));
  const gold = normalizedTokens(normalizeAnswer(groundTruth));
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let numSame = 0;
  for (const t of pred) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      numSame++;
      counts.set(t, left - 1);
    }
  }
  if (numSame === 0) return 0;
  const precision = numSame / pred.length;
  const recall = numSame / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

/** The best score of `prediction` against any of `groundTruths` (0 for none). */
export function maxOverGroundTruths(
  score: (prediction: string, groundTruth: string) => number,
  prediction: string,
  groundTruths: readonly string[],
): number {
  let best = 0;
  for (const g of groundTruths) best = Math.max(best, score(prediction, g));
  return best;
}

/** SQuAD EM and F1 as fractions in [0, 1] (the official script's numbers / 100). */
export interface SquadScores {
  exact_match: number;
  f1: number;
}

/**
 * `evaluate(dataset, predictions)` of evaluate-v1.1: every gold question counts; one without a prediction
 * scores 0 (the official script prints a message; `missing` lists them instead).
 * @param golds question id → gold answer texts, in dataset order (the order of the float sums).
 * @param predictions question id → predicted text.
 */
export function squadEvaluate(
  golds: ReadonlyMap<string, readonly string[]>,
  predictions: ReadonlyMap<string, string>,
): SquadScores & { total: number; missing: string[] } {
  let em = 0;
  let f1 = 0;
  const missing: string[] = [];
  for (const [id, answers] of golds) {
    const prediction = predictions.get(id);
    if (prediction === undefined) {
      missing.push(id);
      continue;
    }
    em += maxOverGroundTruths(exactMatchScore, prediction, answers);
    f1 += maxOverGroundTruths(f1Score, prediction, answers);
  }
  const total = golds.size;
  return { exact_match: em / total, f1: f1 / total, total, missing };
}
