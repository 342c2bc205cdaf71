/**
 * The classification / regression objective of comparative-loss training (SPEC §2, §6): forward all CmpDrop
 * variants (batched over V·B rows, sequentially with the same draws, or accumulated one variant at a time),
 * rank their per-example task losses; or R-Drop over two passes. The optimisation around it is step.ts's.
 *
 * Shapes: V variants (c + 1), B examples, T tokens, C classes.
 */
import { blockUntilReady, grad, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
import { comparativeLoss, crossEntropyPerExample, rdropLoss, squaredErrorPerExample } from "../loss/index.js";
import type { ComparativeLossOptions } from "../loss/index.js";
import type { BertConfig } from "../models/bert/config.js";
import type { EncoderBatch } from "../models/bert/apply.js";
import { applySequenceClassifier, type SequenceClassifierParams } from "../models/classifier.js";
import { consuming } from "../util/own.js";
import type { AdamWConfig } from "./optimizer.js";
import {
  makeChunkedStepper,
  makeOptimizerStep,
  programCompiler,
  type GradientFn,
  type Stepper,
} from "./step.js";

export type LossKind = "ce" | "mse";

/** A device batch: encoder inputs `[B, T]` plus labels `[B]` (int32 classes or float32 targets). */
export type TrainBatch = EncoderBatch & { labels: np.Array };

/**
 * What the step optimises: the comparative loss over CmpDrop variants (plain task loss when there is one
 * variant), or R-Drop over two independent dropout passes.
 */
export type TrainMethod = { kind: "cmp" } | { kind: "rdrop"; alpha: number };

export interface StepConfig {
  modelConfig: BertConfig;
  lossKind: LossKind;
  /** Default { kind: "cmp" }. With "rdrop", `powers` must be [1, 1]. */
  method?: TrainMethod;
  /** Dropout power of each variant: [0, 1, …, c] for CmpDrop; [1] for plain fine-tuning. */
  powers: number[];
  /**
   * "batched": one pass over V·B rows; "sequential": V passes with the same dropout draws; "accumulate": the
   * sequential passes without gradients first, then one forward + backward per variant, weighted by the
   * comparative loss's derivative and accumulated — the same gradient with one variant's activations in
   * memory at a time instead of all V (about twice the batched time). R-Drop and plain runs treat it as
   * sequential.
   */
  mode: "batched" | "sequential" | "accumulate";
  /** Comparative loss options (ignored when V = 1: plain task loss). */
  loss: ComparativeLossOptions;
  adamw: AdamWConfig;
  /** Clip the global gradient norm to this (Infinity: off). */
  maxGradNorm: number;
  /** Compile the step with jax-js `jit` (kernel fusion; one compilation per sequence length). */
  jit: boolean;
  /**
   * Differentiate batches larger than this in micro-batches of at most this many examples, one after another
   * (the same gradient in a fraction of the memory); null or absent: the whole batch at once.
   */
  microBatchSize?: number | null;
}

function taskLoss(kind: LossKind, logits: np.Array, labels: np.Array): np.Array {
  if (kind === "ce") return crossEntropyPerExample(logits, labels);
  return squaredErrorPerExample(logits.reshape([-1]), labels);
}

/**
 * Per-example task loss of every variant, `[B, V]` (column 0 the full model).
 * Borrows `params`; consumes `batch` and `key`.
 */
export function variantLossTable(
  params: SequenceClassifierParams,
  batch: TrainBatch,
  key: np.Array,
  cfg: StepConfig,
): np.Array {
  const V = cfg.powers.length;
  if (cfg.mode === "accumulate")
    throw new Error("variantLossTable: mode accumulate has no single table pass");
  const { labels, ...inputs } = batch;
  if (cfg.mode === "batched") {
    const logits = applySequenceClassifier(params, inputs, cfg.modelConfig, { powers: cfg.powers, key });
    const tiled = np.tile(labels, [V]);
    const B = tiled.shape[0] / V;
    return taskLoss(cfg.lossKind, logits, tiled).reshape([V, B]).transpose([1, 0]);
  }
  // Sequential baseline: the same site keys, hence the same uniforms, for every pass.
  const columns = cfg.powers.map((k) => {
    const logits = applySequenceClassifier(params, tree.ref(inputs), cfg.modelConfig, {
      powers: [k],
      key: key.ref,
    });
    return taskLoss(cfg.lossKind, logits, labels.ref);
  });
  tree.dispose(inputs);
  labels.dispose();
  key.dispose();
  return np.stack(columns, 1);
}

/** R-Drop: two passes with independent dropout draws in one batched forward. */
function rdropObjective(
  params: SequenceClassifierParams,
  batch: TrainBatch,
  key: np.Array,
  cfg: StepConfig,
  alpha: number,
): [np.Array, np.Array] {
  const { labels, ...inputs } = batch;
  const B = labels.shape[0];
  const out = applySequenceClassifier(params, inputs, cfg.modelConfig, {
    powers: [1, 1],
    key,
    shared: false,
  });
  const first = out.ref.slice([0, B]);
  const second = out.slice([B, 2 * B]);
  const task1 = taskLoss(cfg.lossKind, first.ref, labels.ref);
  const task2 = taskLoss(cfg.lossKind, second.ref, labels);
  const means = np.stack([np.mean(task1.ref), np.mean(task2.ref)]);
  const perExample = rdropLoss(task1, task2, first, second, { alpha, regression: cfg.lossKind === "mse" });
  return [np.mean(perExample), means];
}

/** Batch objective and per-variant mean losses. Borrows `params`; consumes `batch`, `key`. */
function objective(
  params: SequenceClassifierParams,
  batch: TrainBatch,
  key: np.Array,
  cfg: StepConfig,
): [np.Array, np.Array] {
  if (cfg.method?.kind === "rdrop") return rdropObjective(params, batch, key, cfg, cfg.method.alpha);
  const table = variantLossTable(params, batch, key, cfg);
  const variantMeans = np.mean(table.ref, 0);
  const perExample = cfg.powers.length === 1 ? table.reshape([-1]) : comparativeLoss(table, cfg.loss);
  return [np.mean(perExample), variantMeans];
}

/**
 * Mode "accumulate": the comparative loss's exact gradient with one variant's activations in memory at a time.
 * With ℓ the `[B, V]` per-example task losses and L = mean(comparativeLoss(ℓ)), ∂L/∂θ = Σ_k Σ_b (∂L/∂ℓ_bk) ·
 * ∂ℓ_bk/∂θ: forward passes give ℓ and the weights ∂L/∂ℓ, then each variant's weighted loss is differentiated
 * alone with the same dropout key (hence the same masks). Each forward and each variant's gradient is its own
 * program with a sync after it (see makeChunkedStepper). ≈ 4/3 of the sequential mode's arithmetic; measured
 * about twice the batched step's time (PERFORMANCE.md).
 */
function makeAccumulatingStep(cfg: StepConfig): Stepper<SequenceClassifierParams, TrainBatch> {
  const programs = programCompiler(cfg.jit);
  const variantLoss = (k: number, forwardOnly: boolean) =>
    consuming((p: SequenceClassifierParams, inputs: EncoderBatch, labels: np.Array, key: np.Array) =>
      taskLoss(
        cfg.lossKind,
        applySequenceClassifier(p, inputs, cfg.modelConfig, { powers: [k], key, forwardOnly }),
        labels,
      ),
    );
  const forward = cfg.powers.map((k) => programs.compile(variantLoss(k, true)));
  const gradient = cfg.powers.map((k) => {
    const loss = variantLoss(k, false);
    const weighted = (
      p: SequenceClassifierParams,
      inputs: EncoderBatch,
      labels: np.Array,
      key: np.Array,
      w: np.Array,
    ) => np.sum(loss(p, inputs, labels, key).mul(w));
    return programs.compile(
      grad(weighted) as (...args: Parameters<typeof weighted>) => SequenceClassifierParams,
    );
  });
  const rankWeights = valueAndGrad((table: np.Array) => np.mean(comparativeLoss(table, cfg.loss)));

  const gradientOf: GradientFn<SequenceClassifierParams, TrainBatch> = async (params, batch, key) => {
    const { labels, ...inputs } = batch;
    const columns: np.Array[] = [];
    for (const f of forward) {
      columns.push(await blockUntilReady(f(tree.ref(params), tree.ref(inputs), labels.ref, key.ref)));
    }
    const table = np.stack(columns, 1);
    const [loss, weights] = rankWeights(table.ref);
    const variantLosses = np.mean(table, 0);
    let grads: SequenceClassifierParams | null = null;
    for (const [i, f] of gradient.entries()) {
      const g = f(tree.ref(params), tree.ref(inputs), labels.ref, key.ref, weights.ref.slice([], i));
      grads =
        grads === null
          ? g
          : (tree.map((a: np.Array, b: np.Array) => a.add(b), grads, g) as SequenceClassifierParams);
      grads = await blockUntilReady(grads);
    }
    weights.dispose();
    tree.dispose(inputs);
    labels.dispose();
    key.dispose();
    return { loss, variantLosses, grads: grads! };
  };
  const step = makeChunkedStepper(
    gradientOf,
    { ...cfg, microBatchSize: cfg.microBatchSize ?? null },
    programs.compile,
  );
  return { step: step as Stepper<SequenceClassifierParams, TrainBatch>["step"], dispose: programs.dispose };
}

/** The classification / regression step for `cfg` (see `makeOptimizerStep`). */
export function makeTrainStep(cfg: StepConfig): Stepper<SequenceClassifierParams, TrainBatch> {
  const single = cfg.method?.kind === "rdrop" || cfg.powers.length === 1;
  if (cfg.mode === "accumulate" && !single) return makeAccumulatingStep(cfg);
  // R-Drop and plain runs have nothing to accumulate over: run them as "sequential".
  const mode = cfg.mode === "accumulate" ? "sequential" : cfg.mode;
  return makeOptimizerStep<SequenceClassifierParams, TrainBatch>(
    (params, batch, key) => objective(params, batch, key, { ...cfg, mode }),
    cfg,
  );
}
