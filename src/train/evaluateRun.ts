/** Evaluate a finished (or interrupted) run folder: weights, vocabulary and settings come from the folder. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { nestedRate } from "../ablation/cmpDrop.js";
import { initSequenceClassifier } from "../models/classifier.js";
import { scoreAll } from "../tasks/metrics.js";
import { bundledGlueDir, loadGlueSplit } from "../tasks/glue/reader.js";
import { getGlueTask, type GlueSplit } from "../tasks/registry.js";
import { reopenTokenizer, type RunModelInfo } from "./modelSource.js";
import type { TrainConfig } from "./config.js";
import { encodeSplit } from "./data.js";
import { evaluateSplit } from "./evaluate.js";
import { RUN_FILES } from "./loop.js";
import { loadModel, loadTrainState } from "./state.js";
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

export async function evaluateRun(options: {
  outputDir: string;
  checkpoint: "best" | "last";
  dataDir: string | null;
  split: GlueSplit;
  forceDropout: number;
  seed: number;
  batchSize: number;
}): Promise<RunEvaluation> {
  const dir = options.outputDir;
  const runPath = join(dir, RUN_FILES.run);
  if (!existsSync(runPath)) throw new Error(`${runPath}: expected a run folder written by cmploss train`);
  const run = JSON.parse(readFileSync(runPath, "utf8")) as RunModelInfo & { config: TrainConfig };
  const tok = await reopenTokenizer(dir, run.tokenizer);
  const task = getGlueTask(run.config.task);
  const dataDir = options.dataDir ?? run.config.dataDir ?? bundledGlueDir(task);
  const { examples } = await loadGlueSplit(task, dataDir, options.split);
  const split = encodeSplit(examples, tok.tokenizer, {
    maxLength: run.config.maxSeqLength,
    lossKind: task.lossKind,
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
