/**
 * The task-family adapter: what one kind of task (GLUE classification/regression, extractive QA, and later
 * ranking) brings to the one training loop in loop.ts. The loop owns the run folder, resume (with the
 * frozen-settings check), data order, the optimisation step, evaluation, best/last checkpoints, stop signals,
 * logs, the summary and the export call; a family owns its data, its tokenizer and model head, how a batch is
 * made, its objective (the `[B, 1 + c]` table of per-variant losses, inside its `Stepper`), its dev metric and
 * its Hugging Face export. docs/ARCHITECTURE.md shows where to add one.
 */
import type { numpy as np } from "@jax-js/jax";
import type { ParamTree } from "../util/treePaths.js";
import type { EvalProgress } from "./log.js";
import type { Stepper } from "./step.js";

export interface TrainSummary {
  task: string;
  metric: string;
  best: { step: number; value: number } | null;
  /** Every score of the best checkpoint's evaluation (PRF: its four trec_eval measures at K); null: none. */
  best_scores?: Record<string, number> | null;
  final: { step: number; value: number; loss: number; scores: Record<string, number> };
  steps: number;
  examples_per_s: number;
  wall_s: number;
  output_dir: string;
}

export interface TrainHooks {
  quiet?: boolean;
  /**
   * Stop (as if interrupted) after this many steps of this invocation, with a checkpoint there and no
   * metrics.json (the run is unfinished); for resume tests.
   */
  stopAfter?: number;
  /**
   * Stop early when this aborts: after the step in flight, with a checkpoint at that step, by throwing
   * `TrainingStopped` (no metrics.json: the run is unfinished and `--resume` goes on).
   */
  signal?: AbortSignal;
}

/** What run.json records beside `config`: at least the encoder's config (checkpoint metadata repeats it). */
export type RunRecord = { model: unknown } & Record<string, unknown>;

/** One dev evaluation: every score the family reports (headline metric included) and the dev loss, if any. */
export interface FamilyScores {
  scores: Record<string, number>;
  /** Mean dev task loss; null when the family has none (QA scores spans, not a loss). */
  loss: number | null;
}

/** The family's half of a run once its model and tokenizer are known (fresh or reopened). */
export interface FamilySession<P, Batch> {
  /** Training examples: what each epoch's order permutes. */
  trainCount: number;
  /** Tokens per training example, for `--group-by-length`; null when the family batches without it. */
  trainLengths: Int32Array | null;
  /** The run's first line after task and model: method, variants, split sizes. */
  describe: string;
  /** Notes for that first line (memory fitting, …). */
  notes: string[];
  /** Lines printed once after the first (what the data loader found worth saying). */
  warnings: string[];
  /** Names of the logged per-variant losses, full model first. */
  variantNames: string[];
  /** The device batch of training examples `indices` in epoch `epoch` (crops are drawn per epoch). */
  batch(indices: number[], epoch: number): Batch;
  /** The optimisation step around the family's objective. */
  stepper: Stepper<P, Batch>;
  /** Score borrowed `params` on dev, calling `onProgress` after each batch. */
  evaluate(params: P, onProgress?: EvalProgress): Promise<FamilyScores>;
  dispose(): void;
}

/** The model of a run, fresh or reopened, with the session that trains it. */
export interface RunModel<P, Batch> {
  /**
   * Fresh run: the initial weights (the loop owns them from here). Resumed run: a template of their structure
   * and shapes, which the loop disposes after reading the checkpoint.
   */
  params: P;
  /** run.json's fields beside `config` (written by the loop for a fresh run; read back on resume). */
  record: RunRecord;
  /** Notes for the first line (vocabulary size, pretrained source, …). */
  notes: string[];
  /** Write what reopening the run needs (its tokenizer) into the run folder; fresh runs only. */
  store(runDir: string): Promise<void>;
  session(): Promise<FamilySession<P, Batch>>;
}

/** A task family opened for one run: its data is read and checked, nothing is written yet. */
export interface OpenedTask<P extends ParamTree, Batch> {
  /** The task's name in summaries ("SST-2", "squad-distractor"). */
  name: string;
  /** The headline dev metric: best-checkpoint selection and the summary's value. */
  metric: string;
  /** The metric's label in curves.svg. */
  curveLabel: string;
  /** A fresh model. Reads, never writes. @param key initialisation key (consumed). */
  fresh(key: np.Array): Promise<RunModel<P, Batch>>;
  /** The model of the run in `runDir` from what it stored (run.json `record`, its tokenizer); never its --model. */
  reopen(runDir: string, record: RunRecord): Promise<RunModel<P, Batch>>;
  /** Write `<runDir>/hf-model/` from the run's best weights. */
  export(runDir: string): Promise<void>;
}
