/**
 * cmploss — the cross-model comparative loss (Zhu et al., TOIS 2024) for training NLU encoders on jax-js.
 *
 * The platform is prepared (Node polyfills, wasm worker threads from CMPLOSS_THREADS) before jax-js loads,
 * which is why the register module is imported first. Call `initRuntime()` before creating arrays.
 */
import "./runtime/register.js";

export {
  comparativeLoss,
  crossEntropyPerExample,
  squaredErrorPerExample,
  listMle,
  pairwiseHinge,
} from "./loss/index.js";
export type { ComparativeLossOptions, LossTarget, PrimaryLoss } from "./loss/index.js";
export {
  applyCrop,
  cmpDropMasks,
  cropLevels,
  nestedDropout,
  nestedRate,
  planCrops,
  variantPlan,
  type AblationVariant,
  type ContextUnit,
  type CropPlan,
} from "./ablation/index.js";
export {
  applyBert,
  applySequenceClassifier,
  BERT_PRESETS,
  initBert,
  initSequenceClassifier,
  NO_DROPOUT,
  presetConfig,
} from "./models/index.js";
export type {
  BertConfig,
  BertOutput,
  BertParams,
  DropoutPlan,
  EncoderBatch,
  SequenceClassifierParams,
} from "./models/index.js";
export {
  applySpanExtractor,
  initSpanExtractor,
  type SpanExtractorParams,
  type SpanLogits,
} from "./models/spanExtractor.js";
export {
  loadHfClassifier,
  loadHfSpanExtractor,
  readHfConfig,
  saveHfClassifier,
  type HfConfigJson,
} from "./models/hf/index.js";
export { initRuntime, runtimeInfo } from "./runtime/index.js";
export type { DeviceName, RuntimeInfo, RuntimeOptions } from "./runtime/index.js";
export {
  accuracy,
  collate,
  DataError,
  getGlueTask,
  loadGlueSplit,
  matthewsCorrcoef,
  pearson,
  spearman,
  toDeviceBatch,
  WordVocab,
} from "./tasks/index.js";
export { HfTokenizer } from "./tasks/hfTokenizer.js";
export { rdropLoss, symmetricKl } from "./loss/index.js";
export { qaObjective, qaLossTables, type QaLevelBatch, type QaVariant } from "./train/qaObjective.js";
export { makeOptimizerStep } from "./train/step.js";
export { runGrid, METHODS, type GridOptions } from "./experiment/grid.js";
export { TRAIN_DEFAULTS } from "./train/config.js";
export type { TrainConfig } from "./train/config.js";
export { train } from "./train/loop.js";
export type { TrainSummary } from "./train/loop.js";
export { makeTrainStep, variantLossTable } from "./train/step.js";
export type { StepConfig, TrainBatch, TrainState } from "./train/step.js";
export { adamwInit } from "./train/optimizer.js";
export { evaluateRun } from "./train/evaluateRun.js";
