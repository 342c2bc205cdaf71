/**
 * Ranking metrics computed exactly as trec_eval 9 computes them (usnistgov/trec_eval; the same C code runs inside
 * pytrec_eval), checked against pytrec-eval-terrier by the parity fixtures (dev/python/ranking/).
 *
 * - Order: trec_eval ignores the run's rank column and re-sorts each query's documents by score descending, ties
 *   by document id descending (`strcmp(p2->docno, p1->docno)` in form_res_rels.c), byte-wise: `trecOrder`.
 * - Relevant: grade ≥ `relevanceLevel` (default 1). The relevant count R is taken from the qrels, not the run.
 * - nDCG@k (`ndcg_cut_k`): gain = the raw grade (grades ≤ 0 give nothing), discount log2(rank + 1); the ideal
 *   ranking is every judged document of grade > 0, sorted by grade. It ignores `relevanceLevel`, as trec_eval does.
 * - MRR@k: `recip_rank` on the top k: 1 / rank of the first relevant document there, else 0.
 * - Recall@k (`recall_k`): relevant in the top k / R; MAP@k (`map_cut_k`): Σ precision at each relevant rank ≤ k
 *   / R. Both are 0 for a query with R = 0.
 * - The mean is over every query in the qrels (trec_eval -c): a query missing from the run scores 0 on all
 *   measures; run queries absent from the qrels are ignored.
 */
import type { Qrels, Run, RunEntry } from "./formats.js";

/** Byte-wise (UTF-8, = code point) comparison, as C's strcmp on UTF-8 ids. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** trec_eval's order of one query's documents: score descending, then document id descending. */
export function trecOrder(entries: readonly RunEntry[]): RunEntry[] {
  return [...entries].sort((p, q) =>
    p.score > q.score ? -1 : p.score < q.score ? 1 : compareIds(q.docId, p.docId),
  );
}

/** The measures reported by `cmploss retrieve`, in order. */
export const RANKING_MEASURES = ["ndcg@10", "mrr@10", "recall@100", "map@1000", "recall@1000"] as const;

/** Parse a measure name: `ndcg@k`, `mrr@k`, `recall@k`, `map@k`, `p@k`. */
function parseMeasure(name: string): { kind: "ndcg" | "mrr" | "recall" | "map" | "p"; k: number } {
  const m = /^(ndcg|mrr|recall|map|p)@([1-9]\d*)$/.exec(name);
  if (!m)
    throw new RangeError(`unknown ranking measure "${name}"; expected ndcg@k, mrr@k, recall@k, map@k or p@k`);
  return { kind: m[1] as "ndcg", k: Number(m[2]) };
}

/** One query's value of each measure, given its documents in trec_eval order. */
function queryMeasures(
  ranked: readonly RunEntry[],
  judged: ReadonlyMap<string, number>,
  measures: readonly string[],
  relevanceLevel: number,
): number[] {
  let numRel = 0;
  const positiveGrades: number[] = [];
  for (const g of judged.values()) {
    if (g >= relevanceLevel) numRel++;
    if (g > 0) positiveGrades.push(g);
  }
  positiveGrades.sort((a, b) => b - a);
  const grades = ranked.map((e) => judged.get(e.docId));
  return measures.map((name) => {
    const { kind, k } = parseMeasure(name);
    const n = Math.min(k, grades.length);
    const rel = (g: number | undefined) => g !== undefined && g >= 0 && g >= relevanceLevel;
    if (kind === "ndcg") {
      let dcg = 0;
      for (let i = 0; i < n; i++) {
        const g = grades[i];
        if (g !== undefined && g > 0) dcg += g / Math.log2(i + 2);
      }
      let ideal = 0;
      for (let i = 0; i < Math.min(k, positiveGrades.length); i++)
        ideal += positiveGrades[i] / Math.log2(i + 2);
      return ideal > 0 ? dcg / ideal : dcg;
    }
    if (kind === "mrr") {
      for (let i = 0; i < n; i++) if (rel(grades[i])) return 1 / (i + 1);
      return 0;
    }
    if (kind === "p") {
      let hits = 0;
      for (let i = 0; i < n; i++) if (rel(grades[i])) hits++;
      return hits / k;
    }
    if (numRel === 0) return 0;
    let hits = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (rel(grades[i])) {
        hits++;
        sum += hits / (i + 1);
      }
    }
    return kind === "recall" ? hits / numRel : sum / numRel;
  });
}

export interface TrecEvalResult {
  /** Mean of each measure over every qrels query. */
  mean: Record<string, number>;
  /** Each qrels query's values (0 for a query the run lacks). */
  perQuery: Map<string, Record<string, number>>;
  /** Qrels queries the run has no line for. */
  missing: number;
}

/**
 * Evaluate `run` against `qrels` with trec_eval's conventions (see the module comment).
 * @param measures names such as `ndcg@10`, `mrr@10`, `recall@100`, `map@1000`, `p@10`.
 */
export function trecEval(
  qrels: Qrels,
  run: Run,
  measures: readonly string[] = RANKING_MEASURES,
  relevanceLevel = 1,
): TrecEvalResult {
  for (const m of measures) parseMeasure(m);
  const perQuery = new Map<string, Record<string, number>>();
  const sums = measures.map(() => 0);
  let missing = 0;
  for (const [qid, judged] of qrels) {
    const entries = run.get(qid);
    if (!entries) missing++;
    const values = queryMeasures(trecOrder(entries ?? []), judged, measures, relevanceLevel);
    values.forEach((v, i) => (sums[i] += v));
    perQuery.set(qid, Object.fromEntries(measures.map((m, i) => [m, values[i]])));
  }
  const mean = Object.fromEntries(measures.map((m, i) => [m, qrels.size ? sums[i] / qrels.size : 0]));
  return { mean, perQuery, missing };
}
