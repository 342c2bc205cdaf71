/**
 * The browser-safe core of cmploss: the comparative loss, CmpDrop, the encoder and its heads, Hugging Face
 * checkpoints and tokenizers from their files' contents, the optimizer step, metrics and batching — nothing
 * that touches the file system. Use it from bundlers for the browser;
 * the package root adds Node-only pieces (files, CLI, training loop).
 */
import "./runtime/register.js";

export {
  comparativeLoss,
  crossEntropyPerExample,
  squaredErrorPerExample,
  listMle,
  pairwiseHinge,
  rdropLoss,
  symmetricKl,
} from "./loss/index.js";
export type {
  CmpOptions,
  ComparativeLossOptions,
  LossTarget,
  PrimaryLoss,
  RegulariserOptions,
} from "./loss/index.js";
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
  applySpanExtractor,
  BERT_PRESETS,
  checkConfig,
  initBert,
  initSequenceClassifier,
  initSpanExtractor,
  NO_DROPOUT,
  presetConfig,
} from "./models/index.js";
export type {
  BertConfig,
  BertParams,
  DropoutPlan,
  EncoderBatch,
  SequenceClassifierParams,
} from "./models/index.js";
export {
  decodeHfWeights,
  halfToFloat,
  hfClassifierFromFiles,
  hfConfigFromJson,
  paramsFromTensors,
} from "./models/hf/parse.js";
export type { HfConfigJson, LoadedClassifier, LoadedModel } from "./models/hf/parse.js";
export { decodeSafetensors, encodeSafetensors } from "./io/safetensors.js";
export type { HostTensor, SafetensorsDtype } from "./io/safetensors.js";
export { HfTokenizer } from "./tasks/hfTokenizer.js";
export type { TokenizerFiles } from "./tasks/hfTokenizer.js";
export { WordPieceTokenizer } from "./tasks/wordpiece.js";
export { namedLeaves } from "./util/treePaths.js";
export { backendLine, initRuntime, isSoftwareAdapter, runtimeInfo } from "./runtime/index.js";
export { collate, toDeviceBatch } from "./tasks/batch.js";
export { accuracy, f1Binary, matthewsCorrcoef, pearson, spearman } from "./tasks/metrics.js";
export { ADAMW_DEFAULTS, adamwInit, adamwUpdate, clipByGlobalNorm } from "./train/optimizer.js";
export type { AdamWConfig, AdamWState } from "./train/optimizer.js";
export { linearWarmupDecay } from "./train/schedule.js";
export { chartSvg, COLORS, smooth, type Series } from "./train/plot.js";
export { makeOptimizerStep } from "./train/step.js";
export type { Stepper, StepResult, TrainState } from "./train/step.js";
export { makeTrainStep, variantLossTable } from "./train/classifierObjective.js";
export type { StepConfig, TrainBatch } from "./train/classifierObjective.js";
