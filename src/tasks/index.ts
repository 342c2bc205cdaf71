/** Tasks: GLUE readers and registry, the word vocabulary, host batching and metrics. */
export { DataError } from "./errors.js";
export {
  GLUE_TASKS,
  QA_TASKS,
  TASKS,
  TASK_NAMES,
  checkGlueTask,
  columnIndex,
  getGlueTask,
  isQaTask,
  taskKind,
} from "./registry.js";
export type { ColumnRef, GlueSplit, GlueTask, QaTaskName, TaskKind } from "./registry.js";
export { bundledGlueDir, loadGlueSplit } from "./glue/reader.js";
export type { GlueExample, GlueSplitData } from "./glue/reader.js";
export { describeLayout, parseTsv, readTsv } from "./glue/tsv.js";
export type { TsvLayout, TsvRow, TsvTable } from "./glue/tsv.js";
export {
  CLS_ID,
  MASK_ID,
  PAD_ID,
  SEP_ID,
  SPECIAL_TOKENS,
  UNK_ID,
  WordVocab,
  basicTokenize,
} from "./vocab.js";
export type { BuildOptions, EncodeOptions, Encoding } from "./vocab.js";
export { collate, epochOrder, hostLabels, lengthGroupedOrder, toDeviceBatch } from "./batch.js";
export type { CollateOptions, DeviceBatch, HostBatch } from "./batch.js";
export {
  METRICS,
  accuracy,
  averageRanks,
  f1Binary,
  majorityClass,
  matthewsCorrcoef,
  pearson,
  spearman,
} from "./metrics.js";
export type { MetricName, Numbers } from "./metrics.js";
export { HfTokenizer, bertTemplate, robertaTemplate, truncateLongestFirst } from "./hfTokenizer.js";
export type { SpecialTemplate, TemplatePiece, TokenEncoder } from "./hfTokenizer.js";
export {
  BERT_UNCASED_NORMALIZER,
  WordPieceTokenizer,
  bertNormalize,
  bertNormalizerFromConfig,
  bertPreTokenize,
  isBertTokenizerClass,
  parseVocabTxt,
} from "./wordpiece.js";
export type { BertNormalizerOptions, WordPieceOptions } from "./wordpiece.js";
export { glueSplits, splitLayout } from "./registry.js";
export type { GlueFiles } from "./registry.js";
export { BUNDLED_GLUE_TASKS } from "./glue/reader.js";
export { scoreAll } from "./metrics.js";
