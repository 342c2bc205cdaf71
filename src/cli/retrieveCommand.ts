/**
 * `cmploss retrieve`: first-stage retrieval on a ranking data folder (BM25 or a dense encoder), writing a TREC
 * run and printing trec_eval's measures; `cmploss trec-eval`: the measures of any run file against qrels.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { analyzerName } from "../tasks/ranking/analyzer.js";
import { Bm25Index } from "../tasks/ranking/bm25.js";
import { DEFAULT_HOLD_OUT, loadRankingData } from "../tasks/ranking/data.js";
import { formatTrecRun, readBeirQrels, readRun, readTrecQrels, type Run } from "../tasks/ranking/formats.js";
import { RANKING_MEASURES, trecEval } from "../tasks/ranking/trecEval.js";
import { formatHelp, parseFlags, UsageError, type FlagTable } from "./args.js";

const RETRIEVE_FLAGS: FlagTable = {
  task: { kind: "string", help: "the task family", values: ["prf"] },
  "data-dir": {
    kind: "string",
    help: "ranking data: BEIR (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) or MS MARCO (collection.tsv, queries.<split>.tsv, qrels.<split>.tsv) (required)",
  },
  split: { kind: "string", help: "the queries and qrels to retrieve for (dev: held out of train if absent)" },
  bm25: { kind: "boolean", help: "BM25 with our inverted index (Lucene's formula)" },
  model: {
    kind: "string",
    help: "dense retrieval with this encoder (a Hugging Face folder or Hub id): mean-pooled, L2-normalised",
  },
  output: { kind: "string", help: "the TREC run file to write (required)" },
  json: { kind: "boolean", help: "print the measures as one JSON object on stdout" },
  "top-k": { kind: "number", help: "documents per query in the run", integer: true, min: 1 },
  k1: { kind: "number", help: "BM25 k1", min: 0 },
  b: { kind: "number", help: "BM25 b", min: 0, max: 1 },
  stem: { kind: "boolean", help: "BM25: Porter-stem English words" },
  "stop-words": { kind: "boolean", help: "BM25: drop Lucene's 33 English stop words" },
  "max-length": {
    kind: "number",
    help: "dense: tokens per text, special tokens included",
    integer: true,
    min: 4,
    max: 512,
  },
  "batch-size": { kind: "number", help: "dense: texts per forward pass", integer: true, min: 1 },
  "cache-dir": {
    kind: "string",
    help: "dense: where the corpus vectors are cached (dense-<key>.safetensors)",
    defaultText: "the --output file's folder",
  },
  "dev-fraction": {
    kind: "number",
    help: "share of train queries held out as dev when the data has no dev qrels",
    min: 0.001,
    max: 0.999,
  },
  "dev-seed": { kind: "number", help: "seed of that hold-out", integer: true, min: 0 },
  device: {
    kind: "string",
    help: "dense: jax-js backend; auto: WebGPU on a hardware GPU, else wasm",
    values: ["auto", "wasm", "webgpu", "cpu"],
  },
  threads: { kind: "number", help: "wasm worker threads", integer: true, min: 1, defaultText: "all cores" },
};

const RETRIEVE_DEFAULTS = {
  task: "prf",
  split: "test",
  topK: 1000,
  k1: 0.9,
  b: 0.4,
  stem: true,
  stopWords: true,
  maxLength: 256,
  batchSize: 16,
  devFraction: DEFAULT_HOLD_OUT.fraction,
  devSeed: DEFAULT_HOLD_OUT.seed,
  device: "auto",
};

export type RetrieveFlags = typeof RETRIEVE_DEFAULTS & {
  dataDir?: string;
  bm25?: boolean;
  model?: string;
  output?: string;
  json?: boolean;
  cacheDir?: string;
  threads?: number;
};

export function retrieveHelp(): string {
  return formatHelp(
    "Usage: cmploss retrieve --task prf --data-dir <folder> --split test (--bm25 | --model <encoder>) --output <run.trec> [--json]\n\n" +
      "Ranks the whole corpus for every query of the split, writes the top --top-k as a TREC run\n" +
      "(qid Q0 docid rank score tag; it appears only when complete) and prints nDCG@10, MRR@10, Recall@100,\n" +
      "MAP@1000 and Recall@1000, computed as trec_eval -c does (every qrels query counts; one the run lacks\n" +
      "scores 0). Dense retrieval embeds the corpus once and caches the vectors (--cache-dir).",
    RETRIEVE_FLAGS,
    RETRIEVE_DEFAULTS,
  );
}

/** "3m05s", "42s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** A progress printer for stderr: rewrites one line on a terminal, else a line every 10 %. */
export function progress(label: string): (done: number, total: number) => void {
  const start = Date.now();
  let lastDecile = -1;
  return (done, total) => {
    const elapsed = (Date.now() - start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
    const line = `${label}: ${done}/${total} (${Math.floor((100 * done) / total)}%), ${duration(elapsed)} elapsed, ETA ${duration(eta)}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? "\n" : ""}`);
    else {
      const decile = Math.floor((10 * done) / total);
      if (decile !== lastDecile || done === total) process.stderr.write(`${line}\n`);
      lastDecile = decile;
    }
  };
}

/** A measure's name as printed: nDCG@10, MRR@10, Recall@100, MAP@1000. */
function shownName(m: string): string {
  return m
    .replace(/^ndcg/, "nDCG")
    .replace(/^mrr/, "MRR")
    .replace(/^recall/, "Recall")
    .replace(/^map/, "MAP");
}

/** Print measures: one JSON object with --json, else one aligned line. */
function report(json: boolean, summary: Record<string, unknown>, mean: Record<string, number>): void {
  if (json) console.log(JSON.stringify({ ...summary, measures: mean }));
  else
    console.log(
      Object.entries(mean)
        .map(([m, v]) => `${shownName(m)} ${v.toFixed(4)}`)
        .join("  "),
    );
}

export async function runRetrieve(argv: string[]): Promise<number> {
  const flags = { ...RETRIEVE_DEFAULTS, ...parseFlags(argv, RETRIEVE_FLAGS) } as RetrieveFlags;
  if (!flags.dataDir) throw new UsageError("retrieve: expected --data-dir <ranking data folder>");
  if (!flags.output) throw new UsageError("retrieve: expected --output <run file to write>");
  if (Boolean(flags.bm25) === Boolean(flags.model))
    throw new UsageError("retrieve: expected exactly one of --bm25 or --model <encoder>");
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.split))
    throw new UsageError(`--split: expected a split name such as test, dev or train, got "${flags.split}"`);
  const outDir = dirname(flags.output);
  if (!(existsSync(outDir) && statSync(outDir).isDirectory()))
    throw new UsageError(
      `--output ${flags.output}: expected an existing folder to write in, ${outDir} is none`,
    );
  const cacheDir = flags.cacheDir ?? outDir;
  if (!(existsSync(cacheDir) && statSync(cacheDir).isDirectory()))
    throw new UsageError(`--cache-dir ${cacheDir}: expected an existing folder`);
  if (!existsSync(flags.dataDir)) throw new UsageError(`--data-dir ${flags.dataDir}: no such folder`);

  const t0 = performance.now();
  const data = await loadRankingData(flags.dataDir, flags.split, {
    fraction: flags.devFraction,
    seed: flags.devSeed,
  });
  let run: Run;
  let tag: string;
  let method: string;
  if (flags.bm25) {
    const index = Bm25Index.build(data.corpus, {
      k1: flags.k1,
      b: flags.b,
      analyzer: { stem: flags.stem, stopWords: flags.stopWords },
    });
    run = new Map([...data.queries].map(([q, text]) => [q, index.search(text, flags.topK)]));
    tag = "cmploss-bm25";
    method = index.describe();
    process.stderr.write(
      `bm25: ${index.numDocs} documents, ${index.numTerms} terms, ${analyzerName(index.analyzer)}\n`,
    );
  } else {
    // The engine and the model load only here: BM25 and trec-eval start without them.
    const { denseRun } = await import("./retrieveDense.js");
    const dense = await denseRun(flags, data, cacheDir);
    run = dense.run;
    tag = dense.tag;
    method = `dense ${flags.model} mean+l2 max-length ${flags.maxLength}`;
    process.stderr.write(`${dense.note}\n`);
  }
  const replacing = existsSync(flags.output);
  writeFileAtomic(flags.output, formatTrecRun(run, tag));
  const { mean, missing } = trecEval(data.qrels, run, RANKING_MEASURES);
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(
    `retrieve: ${data.queries.size} queries of ${data.qrelsSource}, ${data.corpus.length} documents; ` +
      `wrote ${flags.output}${replacing ? " (replacing the earlier file)" : ""} in ${seconds.toFixed(1)} s\n`,
  );
  report(
    Boolean(flags.json),
    {
      task: flags.task,
      split: flags.split,
      method,
      queries: data.queries.size,
      missing,
      output: flags.output,
      seconds: Number(seconds.toFixed(2)),
    },
    mean,
  );
  return 0;
}

const TREC_EVAL_FLAGS: FlagTable = {
  qrels: {
    kind: "string",
    help: "qrels: TREC (qid 0 docid rel) or BEIR TSV with its header (required)",
  },
  run: { kind: "string", help: "run file: TREC (6 columns) or MS MARCO (qid docid rank) (required)" },
  measures: { kind: "string", help: "comma-separated: ndcg@k, mrr@k, recall@k, map@k, p@k" },
  "relevance-level": {
    kind: "number",
    help: "a grade ≥ this is relevant (trec_eval -l)",
    integer: true,
    min: 0,
  },
  json: { kind: "boolean", help: "print the measures as one JSON object on stdout" },
};

const TREC_EVAL_DEFAULTS = { measures: RANKING_MEASURES.join(","), relevanceLevel: 1 };

export function trecEvalHelp(): string {
  return formatHelp(
    "Usage: cmploss trec-eval --qrels <file> --run <file> [--measures ndcg@10,mrr@10] [--json]\n\n" +
      "The measures of a run as trec_eval -c computes them: documents re-sorted by score, ties by document id\n" +
      "descending; the mean over every qrels query (one the run lacks scores 0).",
    TREC_EVAL_FLAGS,
    TREC_EVAL_DEFAULTS,
  );
}

export async function runTrecEval(argv: string[]): Promise<number> {
  const flags = {
    ...TREC_EVAL_DEFAULTS,
    ...parseFlags(argv, TREC_EVAL_FLAGS),
  } as typeof TREC_EVAL_DEFAULTS & {
    qrels?: string;
    run?: string;
    json?: boolean;
  };
  if (!flags.qrels) throw new UsageError("trec-eval: expected --qrels <file>");
  if (!flags.run) throw new UsageError("trec-eval: expected --run <file>");
  const measures = flags.measures.split(",").filter((m) => m !== "");
  const bad = measures.find((m) => !/^(ndcg|mrr|recall|map|p)@[1-9]\d*$/.test(m));
  if (bad !== undefined || measures.length === 0)
    throw new UsageError(
      `--measures: expected a comma-separated list of ndcg@k, mrr@k, recall@k, map@k, p@k, got "${bad ?? flags.measures}"`,
    );
  const beir =
    existsSync(flags.qrels) &&
    readFileSync(flags.qrels, "utf8")
      .replace(/^\uFEFF/, "")
      .startsWith("query-id\t");
  const qrels = beir ? await readBeirQrels(flags.qrels) : await readTrecQrels(flags.qrels);
  const run = await readRun(flags.run);
  const { mean, missing } = trecEval(qrels, run, measures, flags.relevanceLevel);
  if (!flags.json)
    process.stderr.write(
      `trec-eval: ${qrels.size} qrels queries, ${missing} missing from the run (scored 0)\n`,
    );
  report(Boolean(flags.json), { queries: qrels.size, missing }, mean);
  return 0;
}
