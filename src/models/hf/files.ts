/**
 * The file names of a Hugging Face model folder, in one place: what `save.ts` writes, `load.ts`/`config.ts`
 * read, `hub.ts` downloads and a run folder copies. No Node imports (the browser tokenizer reads these names).
 */

/** The model's own files (transformers' `CONFIG_NAME`, `SAFE_WEIGHTS_NAME`, `SAFE_WEIGHTS_INDEX_NAME`). */
export const MODEL_FILE = {
  config: "config.json",
  weights: "model.safetensors",
  weightsIndex: "model.safetensors.index.json",
} as const;

/** A tokenizer's files, by role. `vocabTxt` is also the format of a from-scratch run's word vocabulary. */
export const TOKENIZER_FILE = {
  tokenizerJson: "tokenizer.json",
  tokenizerConfig: "tokenizer_config.json",
  specialTokensMap: "special_tokens_map.json",
  vocabTxt: "vocab.txt",
  vocabJson: "vocab.json",
  merges: "merges.txt",
} as const;

/** Every tokenizer file worth carrying over from a model folder (those it lacks are skipped). */
export const TOKENIZER_FILES: readonly string[] = Object.values(TOKENIZER_FILE);
