/** Evaluate a finished (or interrupted) run folder: weights, vocabulary and settings come from the folder. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { nestedRate } from "../ablation/cmpDrop.js";
import { initSequenceClassifier } from "../models/classifier.js";
import { scoreAll } from "../tasks/metrics.js";
import { bundledGlueDir, loadGlueSplit } from "../tasks/glue/reader.js";
import { getGlueTask, type GlueSplit, type GlueTask } from "../tasks/registry.js";
import { reopenTokenizer, type RunModelInfo, type RunTokenizer } from "./modelSource.js";
import type { TrainConfig } from "./config.js";
import { encodeSplit } from "./data.js";
import { evaluateSplit } from "./evaluate.js";
import { RUN_FILES } from "./loop.js";
import { loadRunParams, runWeightsFile, type RunCheckpoint } from "./runWeights.js";
import type { Params } from "./classifierObjective.js";
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";

export interface RunEvaluation {
  task: string;
  split: GlueSplit;
  checkpoint: "best" | "last";
  count: number;
  forceDropout: number;
  /** Dropout rate at hidden sites: 1 − (1 − p)^k. */
  rate: number;
  metric: string;
  value: number;
  /** Every metric the task reports. */
  scores: Record<string, number>;
  loss: number;
}

/** A GLUE run folder reopened for inference: its settings, task, tokenizer and weights. */
export interface OpenGlueRun {
  run: RunModelInfo & { config: TrainConfig };
  task: GlueTask;
  tok: RunTokenizer;
  params: Params;
  /** The weights used (with `fallback`, "last" when the run has no best model yet), and why, if they changed. */
  checkpoint: RunCheckpoint;
  note: string | null;
}

/**
 * Reopen run folder `dir` with the weights of `checkpoint` (with `fallback`, the last checkpoint when there is
 * no best model). The caller owns (and disposes) `params`.
 */
export async function openGlueRun(
  dir: string,
  checkpoint: RunCheckpoint,
  fallback = false,
): Promise<OpenGlueRun> {
  const runPath = join(dir, RUN_FILES.run);
  if (!existsSync(runPath)) throw new Error(`${runPath}: expected a run folder written by cmploss train`);
  const run = JSON.parse(readFileSync(runPath, "utf8")) as RunModelInfo & { config: TrainConfig };
  const tok = await reopenTokenizer(dir, run.tokenizer);
  const task = getGlueTask(run.config.task);
  const weights = runWeightsFile(dir, checkpoint, fallback);
  const template = initSequenceClassifier(random.key(0), run.model, run.numLabels);
  const params = loadRunParams(weights.path, weights.checkpoint, template);
  tree.dispose(template);
  return { run, task, tok, params, checkpoint: weights.checkpoint, note: weights.note };
}

export async function evaluateRun(options: {
  outputDir: string;
  checkpoint: "best" | "last";
  dataDir: string | null;
  split: GlueSplit;
  forceDropout: number;
  seed: number;
  batchSize: number;
}): Promise<RunEvaluation> {
  const { run, task, tok, params } = await openGlueRun(options.outputDir, options.checkpoint);
  const dataDir = options.dataDir ?? run.config.dataDir ?? bundledGlueDir(task);
  let split;
  try {
    const { examples } = await loadGlueSplit(task, dataDir, options.split);
    split = encodeSplit(examples, tok.tokenizer, {
      maxLength: run.config.maxSeqLength,
      lossKind: task.lossKind,
      padMultiple: run.config.padMultiple,
      padId: tok.padId,
    });
  } catch (err) {
    tree.dispose(params);
    throw err;
  }
  const out = await evaluateSplit(params, run.model, task.lossKind, split, {
    batchSize: options.batchSize,
    forceDropout: options.forceDropout,
    seed: options.seed,
  });
  tree.dispose(params);
  assertDeviceHealthy("eval");
  const scores = scoreAll(task, out.predictions, split.labels);
  return {
    task: task.name,
    split: options.split,
    checkpoint: options.checkpoint,
    count: split.count,
    forceDropout: options.forceDropout,
    rate: nestedRate(run.model.hidden_dropout_prob, options.forceDropout),
    metric: task.metric,
    value: scores[task.metric],
    scores,
    loss: out.loss,
  };
}
