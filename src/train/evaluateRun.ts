/** Evaluate a finished (or interrupted) run folder: weights, vocabulary and settings come from the folder. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { nestedRate } from "../ablation/cmpDrop.js";
import { initSequenceClassifier } from "../models/classifier.js";
import { METRICS } from "../tasks/metrics.js";
import { reopenTokenizer, type RunModelInfo } from "./modelSource.js";
import type { TrainConfig } from "./config.js";
import { encodeSplit } from "./data.js";
import { evaluateSplit } from "./evaluate.js";
import { RUN_FILES } from "./loop.js";
import { loadModel, loadTrainState } from "./state.js";
import { loadTaskData } from "./taskData.js";

export interface RunEvaluation {
  task: string;
  split: "dev" | "train";
  checkpoint: "best" | "last";
  count: number;
  forceDropout: number;
  /** Dropout rate at hidden sites: 1 − (1 − p)^k. */
  rate: number;
  metric: string;
  value: number;
  loss: number;
}

export async function evaluateRun(options: {
  outputDir: string;
  checkpoint: "best" | "last";
  dataDir: string | null;
  split: "dev" | "train";
  forceDropout: number;
  seed: number;
  batchSize: number;
}): Promise<RunEvaluation> {
  const dir = options.outputDir;
  const runPath = join(dir, RUN_FILES.run);
  if (!existsSync(runPath)) throw new Error(`${runPath}: expected a run folder written by cmploss train`);
  const run = JSON.parse(readFileSync(runPath, "utf8")) as RunModelInfo & { config: TrainConfig };
  const tok = await reopenTokenizer(dir, run.tokenizer);
  const data = await loadTaskData(run.config.task, options.dataDir ?? run.config.dataDir);
  const examples = options.split === "dev" ? data.dev : data.train;
  const split = encodeSplit(examples, tok.tokenizer, {
    maxLength: run.config.maxSeqLength,
    lossKind: data.task.lossKind,
    padMultiple: run.config.padMultiple,
    padId: tok.padId,
  });

  const template = initSequenceClassifier(random.key(0), run.model, run.numLabels);
  const weightsPath = join(dir, options.checkpoint === "best" ? RUN_FILES.best : RUN_FILES.last);
  let params;
  if (options.checkpoint === "best") {
    params = loadModel(weightsPath, template).params;
  } else {
    const { state } = loadTrainState(weightsPath, template);
    params = state.params;
    tree.dispose([state.opt, state.key] as never);
  }
  tree.dispose(template);
  const out = await evaluateSplit(params, run.model, data.task.lossKind, split, {
    batchSize: options.batchSize,
    forceDropout: options.forceDropout,
    seed: options.seed,
  });
  tree.dispose(params);
  return {
    task: data.task.name,
    split: options.split,
    checkpoint: options.checkpoint,
    count: split.count,
    forceDropout: options.forceDropout,
    rate: nestedRate(run.model.hidden_dropout_prob, options.forceDropout),
    metric: data.task.metric,
    value: METRICS[data.task.metric](out.predictions, split.labels),
    loss: out.loss,
  };
}
