/**
 * BM25 over an inverted index built here, scored as Lucene's BM25Similarity (Lucene ≥ 8, what Anserini uses):
 *
 *   score(q, d) = Σ_{t ∈ q} qtf(t) · idf(t) · tf(t, d) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl)),
 *   idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5)),
 *
 * with k1 = 0.9, b = 0.4 (Anserini's defaults), one field: title + " " + text (Anserini's "flat" BEIR index), and
 * the terms of `analyze`. A query term that occurs twice counts twice (Lucene's bag-of-words query holds one
 * clause per occurrence). Unlike Lucene, document lengths are exact (Lucene stores them in one lossy byte).
 *
 * Ranking: only documents sharing a term with the query score; they are sorted by score descending, ties by
 * document id descending (byte-wise), which is trec_eval's own order — so the written ranks are the ones it
 * evaluates. Scores are summed in a fixed term order, so a search gives the same doubles on every platform.
 */
import { analyze, analyzerName, type AnalyzerOptions } from "./analyzer.js";
import type { RankDoc, RunEntry } from "./formats.js";
import { compareIds } from "./trecEval.js";

export interface Bm25Options {
  k1?: number;
  b?: number;
  analyzer?: AnalyzerOptions;
}

interface Postings {
  docs: Int32Array;
  tfs: Int32Array;
}

export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  readonly analyzer: AnalyzerOptions;
  readonly ids: readonly string[];
  readonly lengths: Int32Array;
  readonly avgLength: number;
  readonly #postings: Map<string, Postings>;
  /** Each document's position in descending id order (0 = largest id): the tie-break key. */
  readonly #tieRank: Int32Array;

  private constructor(
    ids: string[],
    lengths: Int32Array,
    postings: Map<string, Postings>,
    options: Required<Bm25Options>,
  ) {
    this.ids = ids;
    this.lengths = lengths;
    this.#postings = postings;
    this.k1 = options.k1;
    this.b = options.b;
    this.analyzer = options.analyzer;
    let total = 0;
    for (const l of lengths) total += l;
    this.avgLength = ids.length ? total / ids.length : 0;
    const byIdDesc = ids.map((_, i) => i).sort((x, y) => compareIds(ids[y], ids[x]));
    this.#tieRank = new Int32Array(ids.length);
    byIdDesc.forEach((doc, r) => (this.#tieRank[doc] = r));
  }

  /** Index `docs` (title + " " + text). */
  static build(docs: readonly RankDoc[], options: Bm25Options = {}): Bm25Index {
    const opts = { k1: options.k1 ?? 0.9, b: options.b ?? 0.4, analyzer: options.analyzer ?? {} };
    const lengths = new Int32Array(docs.length);
    const lists = new Map<string, { docs: number[]; tfs: number[] }>();
    docs.forEach((d, i) => {
      const terms = analyze(d.title ? `${d.title} ${d.text}` : d.text, opts.analyzer);
      lengths[i] = terms.length;
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let list = lists.get(t);
        if (!list) lists.set(t, (list = { docs: [], tfs: [] }));
        list.docs.push(i);
        list.tfs.push(n);
      }
    });
    const postings = new Map<string, Postings>();
    for (const [t, l] of lists)
      postings.set(t, { docs: Int32Array.from(l.docs), tfs: Int32Array.from(l.tfs) });
    return new Bm25Index(
      docs.map((d) => d.id),
      lengths,
      postings,
      opts,
    );
  }

  get numDocs(): number {
    return this.ids.length;
  }

  get numTerms(): number {
    return this.#postings.size;
  }

  /** The settings in one line, e.g. for a run's tag or a log. */
  describe(): string {
    return `bm25 k1=${this.k1} b=${this.b} ${analyzerName(this.analyzer)}`;
  }

  /** Lucene's idf of a term in `df` of the index's documents. */
  idf(df: number): number {
    return Math.log(1 + (this.numDocs - df + 0.5) / (df + 0.5));
  }

  /** The top `k` documents for `query` (fewer when fewer share a term with it). */
  search(query: string, k: number): RunEntry[] {
    const qtf = new Map<string, number>();
    for (const t of analyze(query, this.analyzer)) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const scores = new Float64Array(this.numDocs);
    const touched: number[] = [];
    const terms = [...qtf.keys()].sort();
    for (const t of terms) {
      const p = this.#postings.get(t);
      if (!p) continue;
      const weight = qtf.get(t)! * this.idf(p.docs.length);
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i];
        const tf = p.tfs[i];
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[d]) / this.avgLength);
        if (scores[d] === 0) touched.push(d);
        scores[d] += (weight * tf) / (tf + norm);
      }
    }
    const tie = this.#tieRank;
    touched.sort((x, y) => scores[y] - scores[x] || tie[x] - tie[y]);
    return touched.slice(0, k).map((d) => ({ docId: this.ids[d], score: scores[d] }));
  }
}
