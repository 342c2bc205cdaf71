/** A QA run folder reopened for inference: its settings, the tokenizer of its --model folder, and its weights. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { initSpanExtractor, type SpanExtractorParams } from "../models/spanExtractor.js";
import type { BertConfig } from "../models/bert/config.js";
import { MODEL_FILE } from "../models/hf/files.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import type { TrainConfig } from "./config.js";
import { RUN_FILES } from "./runFiles.js";
import type { QaSettings } from "./qaLoop.js";
import { loadRunParams, runWeightsFile, type RunCheckpoint } from "./runWeights.js";

/** The run.json of a QA run. */
export interface QaRunInfo {
  config: TrainConfig;
  settings: QaSettings;
  model: BertConfig;
  /** The --model folder the run started from; its tokenizer is the run's. */
  pretrained: string;
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
 * Reopen QA run folder `dir` with the weights of `checkpoint` (with `fallback`, the last checkpoint when there
 * is no best model). The tokenizer is read from the run's --model folder (QA runs do not copy it). The caller
 * owns (and disposes) `params`.
 * @throws Error naming the folder when the run's --model folder is gone.
 */
export async function openQaRun(
  dir: string,
  checkpoint: RunCheckpoint,
  fallback = false,
): Promise<OpenQaRun> {
  const runPath = join(dir, RUN_FILES.run);
  if (!existsSync(runPath)) throw new Error(`${runPath}: expected a run folder written by cmploss train`);
  const run = JSON.parse(readFileSync(runPath, "utf8")) as QaRunInfo;
  if (!existsSync(join(run.pretrained, MODEL_FILE.config))) {
    throw new Error(
      `${runPath}: expected the run's --model folder ${run.pretrained} (a QA run reads its tokenizer there), ` +
        `it no longer exists; put the model back at that path`,
    );
  }
  const tokenizer = await HfTokenizer.fromFolder(run.pretrained);
  const weights = runWeightsFile(dir, checkpoint, fallback);
  const template = initSpanExtractor(random.key(0), run.model);
  const params = loadRunParams(weights.path, weights.checkpoint, template);
  tree.dispose(template);
  return { run, tokenizer, params, checkpoint: weights.checkpoint, note: weights.note };
}
