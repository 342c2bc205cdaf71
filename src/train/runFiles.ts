/** The names of what a training run keeps in its output folder, in one place (`test/oneSource.test.ts`). */
import { TOKENIZER_FILE } from "../models/hf/files.js";

/** Files and folders a training run writes in its output folder. */
export const RUN_FILES = {
  run: "run.json",
  /** The word vocabulary of a from-scratch (preset) model, in BERT's `vocab.txt` format. */
  vocab: TOKENIZER_FILE.vocabTxt,
  /** Folder: the tokenizer files copied from a pretrained `--model`. */
  tokenizer: "tokenizer",
  /** Folder: the Hugging Face export of the best weights. */
  hfModel: "hf-model",
  last: "checkpoint-last.safetensors",
  best: "model-best.safetensors",
  steps: "train_log.jsonl",
  evals: "eval_log.jsonl",
  metrics: "metrics.json",
  curves: "curves.svg",
} as const;

/** Files scored from a run's weights afterwards (`cmploss eval` / `experiment`): stale once it trains again. */
export const DERIVED_FILES = {
  utility: "utility.json",
  context: "context.json",
  utilityCurve: "utility-curve.svg",
} as const;
