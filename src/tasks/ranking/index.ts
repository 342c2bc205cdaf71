/** Ranking: BEIR / MS MARCO / TREC data files, a seeded dev hold-out, and trec_eval's metrics. */
export {
  formatTrecRun,
  readBeirCorpus,
  readBeirQrels,
  readBeirQueries,
  readRun,
  readTrecQrels,
  readTsvCollection,
  readTsvQueries,
} from "./formats.js";
export type { Qrels, RankDoc, Run, RunEntry } from "./formats.js";
export { DEFAULT_HOLD_OUT, holdOutQueries, loadRankingData, rankingLayout } from "./data.js";
export type { HoldOut, RankingData, RankingLayout } from "./data.js";
export { RANKING_MEASURES, compareIds, trecEval, trecOrder } from "./trecEval.js";
export type { TrecEvalResult } from "./trecEval.js";
export { ENGLISH_STOP_WORDS, analyze, analyzerName } from "./analyzer.js";
export type { AnalyzerOptions } from "./analyzer.js";
export { porterStem } from "./porter.js";
export { Bm25Index } from "./bm25.js";
export type { Bm25Options } from "./bm25.js";
export { encodePrfInput, prefixLength } from "./prfInput.js";
export type { PrfEncoding, PrfInputOptions, PrfTokenizer } from "./prfInput.js";
