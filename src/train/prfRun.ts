/**
 * A PRF run folder scored again (`cmploss eval --n-prf 0,1,…,K`): its weights, its tokenizer and its corpus
 * vectors all come from the folder; the queries of any split of the ranking data rank the whole corpus reading
 * k = 0…K feedback passages of a first-stage run — the ranking counterpart of the utility curve (SPEC §8–9).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tree } from "@jax-js/jax";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import { loadRankingData } from "../tasks/ranking/data.js";
import { readRun } from "../tasks/ranking/formats.js";
import { prfQueries } from "../tasks/ranking/prfData.js";
import { chartSvg } from "./plot.js";
import { createPrfRetriever, evaluatePrf, PRF_MEASURES, type PrfMeasure } from "./prfEvaluate.js";
import { prfInputOptions, prfTemplate, readRunCorpus, type PrfRunInfo } from "./prfFamily.js";
import { RUN_FILES, RUN_TOKENIZER_DIR } from "./runFiles.js";
import { loadRunParams, runWeightsFile, type RunCheckpoint } from "./runWeights.js";

export interface PrfCurveRow {
  /** Feedback passages read. */
  nPrf: number;
  split: string;
  queries: number;
  checkpoint: RunCheckpoint;
  scores: Record<PrfMeasure, number>;
}

export interface PrfRunEvalOptions {
  outputDir: string;
  checkpoint: RunCheckpoint;
  counts: number[];
  split: string;
  /** Default: the run's --data-dir. */
  dataDir: string | null;
  /** Default: the run's --first-stage (it must hold the split's queries). */
  firstStage: string | null;
  batchSize: number;
}

/** run.json of a PRF run folder. @throws Error when `dir` holds no PRF run. */
export function readPrfRun(dir: string): PrfRunInfo {
  const path = join(dir, RUN_FILES.run);
  if (!existsSync(path)) throw new Error(`${path}: expected a run folder written by cmploss train`);
  const run = JSON.parse(readFileSync(path, "utf8")) as PrfRunInfo;
  if (run.config?.task !== "prf" || !run.settings || !run.corpusKey)
    throw new Error(`${path}: expected the run.json of a --task prf run`);
  return run;
}

/** The run's measures at every feedback count in `o.counts`. */
export async function evaluatePrfRun(o: PrfRunEvalOptions): Promise<PrfCurveRow[]> {
  const run = readPrfRun(o.outputDir);
  const dataDir = o.dataDir ?? run.config.dataDir;
  if (!dataDir) throw new Error(`${join(o.outputDir, RUN_FILES.run)}: expected config.dataDir`);
  const firstStage = o.firstStage ?? run.settings.firstStage;
  const data = await loadRankingData(dataDir, o.split);
  const corpusVectors = readRunCorpus(o.outputDir, run, data.corpus);
  const maxK = Math.max(...o.counts);
  const queries = prfQueries(data, await readRun(firstStage), firstStage, maxK);
  const tokenizer = await HfTokenizer.fromFolder(join(o.outputDir, RUN_TOKENIZER_DIR));
  const weights = runWeightsFile(o.outputDir, o.checkpoint, true);
  const template = prfTemplate(run.model, run.settings.pooling);
  const params = loadRunParams(weights.path, weights.checkpoint, template);
  tree.dispose(template);
  const retriever = createPrfRetriever({
    modelConfig: run.model,
    pooling: run.settings.pooling,
    tokenizer,
    input: prfInputOptions(run.config, run.settings),
    batchSize: o.batchSize,
    padMultiple: run.config.padMultiple,
  });
  const ids = data.corpus.map((d) => d.id);
  try {
    const rows: PrfCurveRow[] = [];
    for (const k of o.counts) {
      const scores = await evaluatePrf(retriever, params, queries, data.qrels, corpusVectors, ids, k);
      rows.push({
        nPrf: k,
        split: o.split,
        queries: data.qrels.size,
        checkpoint: weights.checkpoint,
        scores,
      });
    }
    return rows;
  } finally {
    retriever.dispose();
    tree.dispose(params);
  }
}

/** The measures against the feedback count, one line each. */
export function prfCurveSvg(rows: readonly PrfCurveRow[], title: string): string {
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];
  return chartSvg(
    title,
    PRF_MEASURES.map((m, i) => ({
      name: m,
      color: colors[i],
      points: rows.map((r) => [r.nPrf, r.scores[m]] as [number, number]),
    })),
    "feedback passages k",
  );
}
