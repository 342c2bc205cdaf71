/**
 * One optimisation step of comparative-loss training: forward all variants, rank their task losses, AdamW.
 *
 * Shapes: V variants (c + 1), B examples, T tokens, C classes.
 */
import { blockUntilReady, grad, jit, numpy as np, random, tree, valueAndGrad } from "@jax-js/jax";
import { comparativeLoss, crossEntropyPerExample, rdropLoss, squaredErrorPerExample } from "../loss/index.js";
import type { ComparativeLossOptions } from "../loss/index.js";
import type { BertConfig } from "../models/bert/config.js";
import type { EncoderBatch } from "../models/bert/apply.js";
import { applySequenceClassifier, type SequenceClassifierParams } from "../models/classifier.js";
import { consuming } from "../util/own.js";
import type { ParamTree } from "../util/treePaths.js";
import {
  adamwScalars,
  adamwUpdate,
  clipByGlobalNorm,
  decayMask,
  type AdamWConfig,
  type AdamWState,
} from "./optimizer.js";

export type LossKind = "ce" | "mse";

/** A device batch: encoder inputs `[B, T]` plus labels `[B]` (int32 classes or float32 targets). */
export type TrainBatch = EncoderBatch & { labels: np.Array };

/**
 * What the step optimises: the comparative loss over CmpDrop variants (plain task loss when there is one
 * variant), or R-Drop over two independent dropout passes.
 */
export type TrainMethod = { kind: "cmp" } | { kind: "rdrop"; alpha: number };

export interface StepConfig {
  model: BertConfig;
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
}

export type Params = SequenceClassifierParams;

export interface TrainState {
  params: Params;
  opt: AdamWState<Params>;
  /** PRNG key for the next step's dropout. */
  key: np.Array;
  /** Steps done so far. */
  step: number;
}

export interface StepResult {
  state: TrainState;
  /** Overall training loss (mean over the batch). */
  loss: number;
  /** Mean task loss of each variant: full model first, then ablated 1..c. */
  variantLosses: number[];
  gradNorm: number;
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
  params: Params,
  batch: TrainBatch,
  key: np.Array,
  cfg: StepConfig,
): np.Array {
  const V = cfg.powers.length;
  if (cfg.mode === "accumulate")
    throw new Error("variantLossTable: mode accumulate has no single table pass");
  const { labels, ...inputs } = batch;
  if (cfg.mode === "batched") {
    const logits = applySequenceClassifier(params, inputs, cfg.model, { powers: cfg.powers, key });
    const tiled = np.tile(labels, [V]);
    const B = tiled.shape[0] / V;
    return taskLoss(cfg.lossKind, logits, tiled).reshape([V, B]).transpose([1, 0]);
  }
  // Sequential baseline: the same site keys, hence the same uniforms, for every pass.
  const columns = cfg.powers.map((k) => {
    const logits = applySequenceClassifier(params, tree.ref(inputs), cfg.model, {
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
  params: Params,
  batch: TrainBatch,
  key: np.Array,
  cfg: StepConfig,
  alpha: number,
): [np.Array, np.Array] {
  const { labels, ...inputs } = batch;
  const B = labels.shape[0];
  const out = applySequenceClassifier(params, inputs, cfg.model, { powers: [1, 1], key, shared: false });
  const first = out.ref.slice([0, B]);
  const second = out.slice([B, 2 * B]);
  const task1 = taskLoss(cfg.lossKind, first.ref, labels.ref);
  const task2 = taskLoss(cfg.lossKind, second.ref, labels);
  const means = np.stack([np.mean(task1.ref), np.mean(task2.ref)]);
  const perExample = rdropLoss(task1, task2, first, second, { alpha, regression: cfg.lossKind === "mse" });
  return [np.mean(perExample), means];
}

/** Batch objective and per-variant mean losses. Borrows `params`; consumes `batch`, `key`. */
function objective(params: Params, batch: TrainBatch, key: np.Array, cfg: StepConfig): [np.Array, np.Array] {
  if (cfg.method?.kind === "rdrop") return rdropObjective(params, batch, key, cfg, cfg.method.alpha);
  const table = variantLossTable(params, batch, key, cfg);
  const variantMeans = np.mean(table.ref, 0);
  const perExample = cfg.powers.length === 1 ? table.reshape([-1]) : comparativeLoss(table, cfg.loss);
  return [np.mean(perExample), variantMeans];
}

type Scalars = { lr: np.Array; bc1: np.Array; bc2: np.Array };
type Outputs<P> = {
  params: P;
  opt: AdamWState<P>;
  key: np.Array;
  loss: np.Array;
  variantLosses: np.Array;
  gradNorm: np.Array;
};

/** AdamW's per-step scalars for step `done + 1`, as arrays (a jitted step never recompiles for them). */
function stepScalars(lr: number, done: number, adamw: AdamWConfig): Scalars {
  const host = adamwScalars(lr, done + 1, adamw);
  return { lr: np.array(host.lr), bc1: np.array(host.bc1), bc2: np.array(host.bc2) };
}

/** The next state and the step's numbers; reading them is the step's device sync point. */
async function finishStep<P>(out: Outputs<P>, done: number) {
  const [loss, variantLosses, gradNorm] = await Promise.all([
    out.loss.data(),
    out.variantLosses.data(),
    out.gradNorm.data(),
  ]);
  return {
    state: { params: out.params, opt: out.opt, key: out.key, step: done + 1 },
    loss: Number(loss[0]),
    variantLosses: Array.from(variantLosses as Float32Array),
    gradNorm: Number(gradNorm[0]),
  };
}

/** Generic state of the loop for any model tree P. */
export interface ModelState<P> {
  params: P;
  opt: AdamWState<P>;
  key: np.Array;
  step: number;
}

/**
 * One AdamW step around any objective `(params, batch, key) → [loss, per-variant mean losses]`, which borrows
 * `params` and consumes `batch` and `key`. The returned `step` consumes the state and batch it is given and
 * returns the next state; call `dispose` when done to free compiled programs.
 */
export function makeOptimizerStep<P extends ParamTree, Batch>(
  objectiveFn: (params: P, batch: Batch, key: np.Array) => [np.Array, np.Array],
  cfg: { adamw: AdamWConfig; maxGradNorm: number; jit: boolean },
): {
  step: (
    state: ModelState<P>,
    batch: Batch,
    lr: number,
  ) => Promise<{ state: ModelState<P>; loss: number; variantLosses: number[]; gradNorm: number }>;
  dispose: () => void;
} {
  const lossAndGrad = valueAndGrad(consuming(objectiveFn), { hasAux: true });
  let mask: unknown = null;

  const pure = (params: P, opt: AdamWState<P>, batch: Batch, key: np.Array, s: Scalars): Outputs<P> => {
    const [dropKey, nextKey] = random.split(key, 2);
    const [[loss, variantLosses], grads] = lossAndGrad(
      tree.ref(params) as never,
      batch as never,
      dropKey,
    ) as unknown as [[np.Array, np.Array], P];
    const [clipped, gradNorm] = clipByGlobalNorm(grads, cfg.maxGradNorm);
    const [newParams, newOpt] = adamwUpdate(clipped, opt, params, s, mask, cfg.adamw);
    return { params: newParams, opt: newOpt, key: nextKey, loss, variantLosses, gradNorm };
  };
  const compiled = cfg.jit ? jit(pure as never) : null;

  async function step(state: ModelState<P>, batch: Batch, lr: number) {
    mask ??= decayMask(state.params);
    const run = (compiled ?? pure) as typeof pure;
    const out = run(state.params, state.opt, batch, state.key, stepScalars(lr, state.step, cfg.adamw));
    return finishStep(out, state.step);
  }
  return { step, dispose: () => compiled?.dispose() };
}

/**
 * Mode "accumulate": the comparative loss's exact gradient with one variant's activations in memory at a time.
 * With ℓ the `[B, V]` per-example task losses and L = mean(comparativeLoss(ℓ)), ∂L/∂θ = Σ_k Σ_b (∂L/∂ℓ_bk) ·
 * ∂ℓ_bk/∂θ: forward passes give ℓ and the weights ∂L/∂ℓ, then each variant's weighted loss is differentiated
 * alone with the same dropout key (hence the same masks). jax-js allocates every buffer of a jitted program
 * before it runs a kernel, so a program's peak memory is the sum of all its intermediates: hence separate
 * programs (one forward and one gradient per variant, one update) with a sync point after each, so that each
 * runs in the memory the previous one freed. ≈ 4/3 of the sequential mode's arithmetic; measured about twice the
 * batched step's time (PERFORMANCE.md).
 */
function makeAccumulatingStep(cfg: StepConfig): {
  step: (state: TrainState, batch: TrainBatch, lr: number) => Promise<StepResult>;
  dispose: () => void;
} {
  const programs: { dispose: () => void }[] = [];
  const compile = <F>(f: F): F => {
    if (!cfg.jit) return f;
    const compiled = jit(f as never);
    programs.push(compiled);
    return compiled as unknown as F;
  };
  const variantLoss = (k: number) =>
    consuming((p: Params, inputs: EncoderBatch, labels: np.Array, key: np.Array) =>
      taskLoss(cfg.lossKind, applySequenceClassifier(p, inputs, cfg.model, { powers: [k], key }), labels),
    );
  const forward = cfg.powers.map((k) => compile(variantLoss(k)));
  const gradient = cfg.powers.map((k) => {
    const loss = variantLoss(k);
    const weighted = (p: Params, inputs: EncoderBatch, labels: np.Array, key: np.Array, w: np.Array) =>
      np.sum(loss(p, inputs, labels, key).mul(w));
    return compile(grad(weighted) as (...args: Parameters<typeof weighted>) => Params);
  });
  const rankWeights = valueAndGrad((table: np.Array) => np.mean(comparativeLoss(table, cfg.loss)));
  let mask: unknown = null;
  const update = compile((params: Params, opt: AdamWState<Params>, grads: Params, s: Scalars) => {
    const [clipped, gradNorm] = clipByGlobalNorm(grads, cfg.maxGradNorm);
    const [newParams, newOpt] = adamwUpdate(clipped, opt, params, s, mask, cfg.adamw);
    return { params: newParams, opt: newOpt, gradNorm };
  });

  async function step(state: TrainState, batch: TrainBatch, lr: number): Promise<StepResult> {
    mask ??= decayMask(state.params);
    const { params } = state;
    const [key, nextKey] = random.split(state.key, 2);
    const { labels, ...inputs } = batch;
    const columns: np.Array[] = [];
    for (const f of forward) {
      columns.push(await blockUntilReady(f(tree.ref(params), tree.ref(inputs), labels.ref, key.ref)));
    }
    const table = np.stack(columns, 1);
    const [loss, weights] = rankWeights(table.ref);
    const variantLosses = np.mean(table, 0);
    let grads: Params | null = null;
    for (const [i, f] of gradient.entries()) {
      const g = f(tree.ref(params), tree.ref(inputs), labels.ref, key.ref, weights.ref.slice([], i));
      grads = grads === null ? g : (tree.map((a: np.Array, b: np.Array) => a.add(b), grads, g) as Params);
      grads = await blockUntilReady(grads);
    }
    weights.dispose();
    tree.dispose(inputs);
    labels.dispose();
    key.dispose();
    const out = update(params, state.opt, grads!, stepScalars(lr, state.step, cfg.adamw));
    return finishStep({ ...out, key: nextKey, loss, variantLosses }, state.step);
  }
  return { step, dispose: () => programs.forEach((p) => p.dispose()) };
}

/** The classification / regression step for `cfg` (see `makeOptimizerStep`). */
export function makeTrainStep(cfg: StepConfig): {
  step: (state: TrainState, batch: TrainBatch, lr: number) => Promise<StepResult>;
  dispose: () => void;
} {
  const single = cfg.method?.kind === "rdrop" || cfg.powers.length === 1;
  if (cfg.mode === "accumulate" && !single) return makeAccumulatingStep(cfg);
  // R-Drop and plain runs have nothing to accumulate over: run them as "sequential".
  const mode = cfg.mode === "accumulate" ? "sequential" : cfg.mode;
  return makeOptimizerStep<Params, TrainBatch>(
    (params, batch, key) => objective(params, batch, key, { ...cfg, mode }),
    cfg,
  );
}
