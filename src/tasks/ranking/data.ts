/**
 * A ranking data folder → corpus, queries and the qrels of one split.
 *
 * Two layouts, told apart by their files:
 * - BEIR: `corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv` (SciFact as BEIR ships it);
 * - MS MARCO / TREC: `collection.tsv`, `queries.<split>.tsv`, `qrels.<split>.tsv` (TREC qrels `qid 0 docid rel`).
 *
 * Dev split: where the folder has no dev qrels (SciFact has train and test only), `dev` is a seeded hold-out of
 * the train queries and `train` is the rest (see `holdOutQueries`); with dev qrels present, both are the files.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { epochOrder } from "../batch.js";
import { DataError } from "../errors.js";
import {
  readBeirCorpus,
  readBeirQrels,
  readBeirQueries,
  readTrecQrels,
  readTsvCollection,
  readTsvQueries,
  type Qrels,
  type RankDoc,
} from "./formats.js";

export type RankingLayout = "beir" | "msmarco";

export interface RankingData {
  layout: RankingLayout;
  corpus: RankDoc[];
  /** The split's queries (those in its qrels), in the qrels' order. */
  queries: Map<string, string>;
  qrels: Qrels;
  /** Where the qrels came from: a file, or `<file> (held-out dev: …)`. */
  qrelsSource: string;
}

export interface HoldOut {
  /** The share of train queries held out as dev (default 0.1). */
  fraction: number;
  /** Seed of the hold-out draw (default 42). */
  seed: number;
}

export const DEFAULT_HOLD_OUT: HoldOut = { fraction: 0.1, seed: 42 };

/** Which layout `dir` holds, or a DataError naming the files looked for. */
export function rankingLayout(dir: string): RankingLayout {
  if (existsSync(join(dir, "corpus.jsonl"))) return "beir";
  if (existsSync(join(dir, "collection.tsv"))) return "msmarco";
  throw new DataError(
    dir,
    undefined,
    "a ranking data folder: corpus.jsonl + queries.jsonl + qrels/<split>.tsv (BEIR), or collection.tsv + queries.<split>.tsv + qrels.<split>.tsv (MS MARCO)",
    "neither corpus.jsonl nor collection.tsv",
  );
}

function qrelsFile(dir: string, layout: RankingLayout, split: string): string {
  return layout === "beir" ? join(dir, "qrels", `${split}.tsv`) : join(dir, `qrels.${split}.tsv`);
}

/**
 * Split query ids into (kept, held out): the ids sorted by code unit, shuffled by `epochOrder(n, seed, 0)`
 * (mulberry32, the training order's generator), and the first round(fraction · n) of that order held out. The
 * result depends only on the set of ids, the fraction and the seed — not on file order or the platform.
 */
export function holdOutQueries(
  ids: Iterable<string>,
  { fraction, seed }: HoldOut,
): { kept: string[]; heldOut: string[] } {
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`holdOutQueries: expected a fraction in (0, 1), got ${fraction}`);
  const sorted = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const order = epochOrder(sorted.length, seed, 0);
  const nOut = Math.round(fraction * sorted.length);
  const out = new Set<number>(Array.from(order.subarray(0, nOut)));
  return {
    kept: sorted.filter((_, i) => !out.has(i)),
    heldOut: sorted.filter((_, i) => out.has(i)),
  };
}

/**
 * Load the corpus, and the queries and qrels of `split`.
 * @throws DataError for a missing file, a bad line, or a qrels query that the queries file lacks.
 */
export async function loadRankingData(
  dir: string,
  split: string,
  holdOut: HoldOut = DEFAULT_HOLD_OUT,
): Promise<RankingData> {
  const layout = rankingLayout(dir);
  let file = qrelsFile(dir, layout, split);
  let keep: Set<string> | null = null;
  let source = file;
  if ((split === "dev" || split === "train") && !existsSync(qrelsFile(dir, layout, "dev"))) {
    file = qrelsFile(dir, layout, "train");
    if (!existsSync(file))
      throw new DataError(
        file,
        undefined,
        `the qrels of split "train"${split === "dev" ? " (dev is held out of it)" : ""}`,
        "no such file",
      );
    const parts = holdOutQueries((await readQrels(layout, file)).keys(), holdOut);
    keep = new Set(split === "dev" ? parts.heldOut : parts.kept);
    source = `${file} (${split === "dev" ? "held-out dev" : "train less the held-out dev"}: ${keep.size} queries, fraction ${holdOut.fraction}, seed ${holdOut.seed})`;
  }
  if (!existsSync(file))
    throw new DataError(file, undefined, `the qrels of split "${split}"`, "no such file");
  let qrels = await readQrels(layout, file);
  if (keep) qrels = new Map([...qrels].filter(([q]) => keep.has(q)));
  const [corpus, allQueries] =
    layout === "beir"
      ? await Promise.all([
          readBeirCorpus(join(dir, "corpus.jsonl")),
          readBeirQueries(join(dir, "queries.jsonl")),
        ])
      : await Promise.all([
          readTsvCollection(join(dir, "collection.tsv")),
          readTsvQueries(join(dir, `queries.${split === "dev" && keep ? "train" : split}.tsv`)),
        ]);
  const queries = new Map<string, string>();
  for (const qid of qrels.keys()) {
    const text = allQueries.get(qid);
    if (text === undefined)
      throw new DataError(
        file,
        undefined,
        `every query id in the queries file`,
        `query ${JSON.stringify(qid)}, which it lacks`,
      );
    queries.set(qid, text);
  }
  return { layout, corpus, queries, qrels, qrelsSource: source };
}

function readQrels(layout: RankingLayout, file: string): Promise<Qrels> {
  return layout === "beir" ? readBeirQrels(file) : readTrecQrels(file);
}
