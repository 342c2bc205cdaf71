/**
 * cmploss — the cross-model comparative loss (Zhu et al., TOIS 2024) for training NLU encoders on jax-js.
 *
 * Everything from the browser-safe core (loss, CmpDrop/CmpCrop, models, optimizer step, metrics), plus the
 * Node-only parts: Hugging Face folders, tokenizers, data readers, the training loop (every task family:
 * GLUE and extractive QA through `train`) and experiments.
 * The platform is prepared (Node polyfills, wasm worker threads from CMPLOSS_THREADS) before jax-js loads,
 * which is why the core (which imports the register module first) comes first. Call `initRuntime()` before
 * creating arrays.
 */
export * from "./core.js";
export type { BertOutput, SpanLogits } from "./models/index.js";
export {
  loadHfClassifier,
  loadHfSpanExtractor,
  readHfConfig,
  saveHfClassifier,
  saveHfSpanExtractor,
  type HfConfigJson,
} from "./models/hf/index.js";
export { DataError, getGlueTask, loadGlueSplit, WordVocab } from "./tasks/index.js";
export { TRAIN_DEFAULTS } from "./train/config.js";
export type { TrainConfig } from "./train/config.js";
export { train } from "./train/loop.js";
export type { TrainHooks, TrainSummary } from "./train/loop.js";
export { TrainingStopped } from "./train/stop.js";
export { TrainingDiverged } from "./train/guard.js";
export { evaluateRun } from "./train/evaluateRun.js";
export {
  predictGlue,
  predictQa,
  PredictionStopped,
  type GluePrediction,
  type PredictionSink,
  type PredictOptions,
  type PredictSummary,
} from "./train/predict.js";
export { qaLossTables, qaObjective, type QaLevelBatch, type QaVariant } from "./train/qaObjective.js";
export { evaluateQaRun } from "./train/qaEvaluate.js";
export { QA_DEFAULTS, type QaSettings } from "./tasks/qa/data.js";
export { isQaTask, isRankingTask, taskKind, TASK_NAMES, TASKS, type TaskKind } from "./tasks/registry.js";
export { PRF_DEFAULTS, type PrfSettings } from "./train/prfFamily.js";
export { evaluatePrfRun, type PrfCurveRow } from "./train/prfRun.js";
export { METHODS, runGrid, type GridOptions } from "./experiment/grid.js";
export {
  Bm25Index,
  analyze,
  formatTrecRun,
  holdOutQueries,
  loadRankingData,
  readRun,
  trecEval,
  trecOrder,
  type Qrels,
  type RankDoc,
  type RankingData,
  type Run,
  type RunEntry,
} from "./tasks/ranking/index.js";
export { embedTexts, readEmbeddingCache, searchDense, writeEmbeddingCache } from "./tasks/ranking/dense.js";
export { createSentenceEncoder, meanPoolNormalized, type SentenceEncoder } from "./models/sentenceEncoder.js";
