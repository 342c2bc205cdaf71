/** The names of what a training run keeps in its output folder, in one place (`test/oneSource.test.ts`). */
import { TOKENIZER_FILE } from "../models/hf/files.js";

/** Files and folders every training run writes in its output folder. */
export const RUN_FILES = {
  run: "run.json",
  /** The word vocabulary of a from-scratch (preset) model, in BERT's `vocab.txt` format. */
  vocab: TOKENIZER_FILE.vocabTxt,
  /** Folder: the Hugging Face export of the best weights. */
  hfModel: "hf-model",
  last: "checkpoint-last.safetensors",
  best: "model-best.safetensors",
  steps: "train_log.jsonl",
  evals: "eval_log.jsonl",
  metrics: "metrics.json",
  curves: "curves.svg",
} as const;

/**
 * What `cmploss experiment` keeps in a run's folder besides the run's own files: its console output (progress,
 * notes, GPU errors, the error line), appended to by every sitting. `--overwrite` does not delete it, so the
 * output of an attempt that failed before its first checkpoint stays beside the one that started again.
 */
export const GRID_RUN_FILES = { console: "train.log" } as const;

/** Folder of a run from a pretrained `--model`: the tokenizer files copied from it. */
export const RUN_TOKENIZER_DIR = "tokenizer";

/** Files only a PRF run (`--task prf`) writes: the frozen base encoder's corpus vectors (with their cache key). */
export const PRF_RUN_FILES = { corpus: "corpus-embeddings.safetensors" } as const;

/** Files scored from a run's weights afterwards (`cmploss eval` / `experiment`): stale once it trains again. */
export const DERIVED_FILES = {
  utility: "utility.json",
  context: "context.json",
  utilityCurve: "utility-curve.svg",
  /** PRF runs: the measures per feedback count (`cmploss eval --n-prf`), as JSON rows and a plot. */
  prfCurve: "prf-curve.json",
  prfCurvePlot: "prf-curve.svg",
} as const;
