/** A QA run folder reopened for inference: its settings, its own tokenizer and its weights. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { initSpanExtractor, type SpanExtractorParams } from "../models/spanExtractor.js";
import type { BertConfig } from "../models/bert/config.js";
import type { HfConfigJson } from "../models/hf/config.js";
import { MODEL_FILE } from "../models/hf/files.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import type { QaSettings } from "../tasks/qa/data.js";
import type { TrainConfig } from "./config.js";
import { RUN_FILES, RUN_TOKENIZER_DIR } from "./runFiles.js";
import { loadRunParams, runWeightsFile, type RunCheckpoint } from "./runWeights.js";

/** The run.json of a QA run. */
export interface QaRunInfo {
  config: TrainConfig;
  settings: QaSettings;
  /** The encoder's architecture (run.json's `model` key); `config.model` is the `--model` string. */
  model: BertConfig;
  /** The --model folder the run started from (provenance; the run keeps its own copy of the tokenizer). */
  pretrained: string;
  /** "hf": the tokenizer is in the run's tokenizer/ folder; absent in runs from before QA runs kept it. */
  tokenizer?: "hf";
  /** The pretrained config.json (its extra fields go into the exported hf-model/config.json). */
  hfConfig?: HfConfigJson;
}

export interface OpenQaRun {
  run: QaRunInfo;
  tokenizer: HfTokenizer;
  params: SpanExtractorParams;
  /** The weights used (with `fallback`, "last" when the run has no best model yet), and why, if they changed. */
  checkpoint: RunCheckpoint;
  note: string | null;
}

/**
 * The tokenizer of QA run folder `dir`: its own copy in `tokenizer/`; a run from before QA runs kept one reads
 * its --model folder's.
 * @throws Error naming the folder when neither is there.
 */
export async function qaRunTokenizer(dir: string, run: QaRunInfo): Promise<HfTokenizer> {
  if (run.tokenizer === "hf") return HfTokenizer.fromFolder(join(dir, RUN_TOKENIZER_DIR));
  if (!existsSync(join(run.pretrained, MODEL_FILE.config))) {
    throw new Error(
      `${join(dir, RUN_FILES.run)}: expected the run's --model folder ${run.pretrained} (a QA run from before ` +
        `runs kept their tokenizer reads it there), it no longer exists; put the model back at that path`,
    );
  }
  return HfTokenizer.fromFolder(run.pretrained);
}

/**
 * Reopen QA run folder `dir` with the weights of `checkpoint` (with `fallback`, the last checkpoint when there
 * is no best model). Everything comes from the folder: the --model folder may be gone. The caller owns (and
 * disposes) `params`.
 */
export async function openQaRun(
  dir: string,
  checkpoint: RunCheckpoint,
  fallback = false,
): Promise<OpenQaRun> {
  const runPath = join(dir, RUN_FILES.run);
  if (!existsSync(runPath)) throw new Error(`${runPath}: expected a run folder written by cmploss train`);
  const run = JSON.parse(readFileSync(runPath, "utf8")) as QaRunInfo;
  const tokenizer = await qaRunTokenizer(dir, run);
  const weights = runWeightsFile(dir, checkpoint, fallback);
  const template = initSpanExtractor(random.key(0), run.model);
  const params = loadRunParams(weights.path, weights.checkpoint, template);
  tree.dispose(template);
  return { run, tokenizer, params, checkpoint: weights.checkpoint, note: weights.note };
}
