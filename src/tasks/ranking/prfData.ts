/**
 * The PRF reformulator's queries (SPEC §9): each query of a split with its feedback passages — the top K
 * documents of the first-stage run, in the run's order (trec_eval's: score descending, ties by document id
 * descending) — and the corpus indices of its relevant documents (grade ≥ 1).
 */
import { DataError } from "../errors.js";
import type { RankingData } from "./data.js";
import { docText } from "./dense.js";
import type { Run } from "./formats.js";
import { trecOrder } from "./trecEval.js";

export interface PrfQuery {
  qid: string;
  text: string;
  /** Texts of the top K first-stage documents (fewer where the run is shorter), best first. */
  feedback: string[];
  /** Corpus indices of the relevant documents (grade ≥ 1); empty for a query with none. */
  relevant: number[];
}

/**
 * The split's queries with their feedback. Queries without a relevant document are kept (they score 0 in
 * trec_eval's mean) but cannot be trained on: `trainable` drops them.
 * @throws DataError naming `runFile` when a query of the split is missing from the run, or the run names a
 *   document that the corpus lacks.
 */
export function prfQueries(data: RankingData, run: Run, runFile: string, k: number): PrfQuery[] {
  const index = new Map(data.corpus.map((d, i) => [d.id, i]));
  const out: PrfQuery[] = [];
  for (const [qid, text] of data.queries) {
    const entries = run.get(qid);
    if (!entries)
      throw new DataError(
        runFile,
        undefined,
        `a first-stage ranking for every query of ${data.qrelsSource}`,
        `none for query ${JSON.stringify(qid)} (run cmploss retrieve for that split too and join the run files)`,
      );
    const feedback = trecOrder(entries)
      .slice(0, k)
      .map((e) => {
        const i = index.get(e.docId);
        if (i === undefined)
          throw new DataError(
            runFile,
            undefined,
            "document ids of the corpus",
            `${JSON.stringify(e.docId)} for query ${JSON.stringify(qid)}`,
          );
        return docText(data.corpus[i]);
      });
    const relevant = [...(data.qrels.get(qid) ?? new Map<string, number>())]
      .filter(([d, g]) => g >= 1 && index.has(d))
      .map(([d]) => index.get(d)!);
    out.push({ qid, text, feedback, relevant });
  }
  return out;
}

/** The queries that can be trained on: those with a relevant document in the corpus. */
export function trainable(queries: readonly PrfQuery[]): PrfQuery[] {
  return queries.filter((q) => q.relevant.length > 0);
}
