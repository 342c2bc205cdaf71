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
  /**
   * Differentiate batches larger than this in micro-batches of at most this many examples, one after another
   * (the same gradient in a fraction of the memory); null or absent: the whole batch at once.
   */
  microBatchSize?: number | null;
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

type Stepper<P, Batch> = {
  step: (
    state: ModelState<P>,
    batch: Batch,
    lr: number,
  ) => Promise<{ state: ModelState<P>; loss: number; variantLosses: number[]; gradNorm: number }>;
  dispose: () => void;
};

/** The mean loss, per-variant mean losses and gradient of the mean loss for one (micro-)batch. */
type Gradient<P> = { loss: np.Array; variantLosses: np.Array; grads: P };

/** Borrows `params`; consumes `batch` and `key`. May sync (memory is freed between its programs). */
type GradientFn<P, Batch> = (params: P, batch: Batch, key: np.Array) => Promise<Gradient<P>>;

/** Clip the gradient's global norm, then one AdamW update. Consumes all its arrays. */
function clipAndUpdate<P extends ParamTree>(
  grads: P,
  opt: AdamWState<P>,
  params: P,
  s: Scalars,
  mask: unknown,
  cfg: { adamw: AdamWConfig; maxGradNorm: number },
): { params: P; opt: AdamWState<P>; gradNorm: np.Array } {
  const [clipped, gradNorm] = clipByGlobalNorm(grads, cfg.maxGradNorm);
  const [newParams, newOpt] = adamwUpdate(clipped, opt, params, s, mask, cfg.adamw);
  return { params: newParams, opt: newOpt, gradNorm };
}

/** Examples in a batch: the leading size of its arrays (every leaf is `[B, …]`). */
function batchSize(batch: unknown): number {
  const leaves = tree.leaves(batch as never) as np.Array[];
  if (leaves.length === 0) throw new RangeError("batchSize: the batch has no arrays");
  return leaves[0].shape[0];
}

/**
 * Steps that compute the gradient in separate programs — one or more per micro-batch of at most
 * `microBatchSize` examples, then one update — with a sync after each, so that each program runs in the memory
 * the previous one freed (jax-js allocates all of a jitted program's buffers before its first kernel). The
 * objectives are means of per-example terms, so the size-weighted mean of the micro-batches' gradients is the
 * whole batch's gradient; micro-batch i draws its dropout from the i-th split of the step's key.
 */
function makeChunkedStepper<P extends ParamTree, Batch>(
  gradientOf: GradientFn<P, Batch>,
  cfg: { adamw: AdamWConfig; maxGradNorm: number; jit: boolean; microBatchSize: number | null },
  compile: <F>(f: F) => F,
): (state: ModelState<P>, batch: Batch, lr: number) => ReturnType<Stepper<P, Batch>["step"]> {
  let mask: unknown = null;
  const update = compile((params: P, opt: AdamWState<P>, grads: P, s: Scalars) =>
    clipAndUpdate(grads, opt, params, s, mask, cfg),
  );
  const accumulate = compile((sum: Gradient<P>, part: Gradient<P>, weight: np.Array): Gradient<P> => {
    const out = tree.map((a: np.Array, b: np.Array) => a.add(b.mul(weight.ref)), sum as never, part as never);
    weight.dispose();
    return out as never;
  });
  const scale = compile((part: Gradient<P>, weight: np.Array): Gradient<P> => {
    const out = tree.map((a: np.Array) => a.mul(weight.ref), part as never);
    weight.dispose();
    return out as never;
  });

  return async (state, batch, lr) => {
    mask ??= decayMask(state.params);
    const [key, nextKey] = random.split(state.key, 2);
    const B = batchSize(batch);
    const m = Math.min(cfg.microBatchSize ?? B, B);
    const chunks = Math.ceil(B / m);
    let total: Gradient<P>;
    if (chunks === 1) {
      total = await gradientOf(state.params, batch, key);
    } else {
      const keys = random.split(key, chunks);
      let sum: Gradient<P> | null = null;
      for (let i = 0; i < chunks; i++) {
        const [lo, hi] = [i * m, Math.min(B, (i + 1) * m)];
        const part = tree.map((a: np.Array) => a.ref.slice([lo, hi]), batch as never) as Batch;
        const g = await gradientOf(state.params, part, keys.ref.slice(i));
        const weight = np.array((hi - lo) / B);
        sum = await blockUntilReady(sum === null ? scale(g, weight) : accumulate(sum, g, weight));
      }
      keys.dispose();
      tree.dispose(batch as never);
      total = sum!;
    }
    const out = update(state.params, state.opt, total.grads, stepScalars(lr, state.step, cfg.adamw));
    return finishStep(
      { ...out, key: nextKey, loss: total.loss, variantLosses: total.variantLosses },
      state.step,
    );
  };
}

/** Compile with jax-js `jit` when `enabled`, keeping every compiled program for `dispose`. */
function programCompiler(enabled: boolean) {
  const programs: { dispose: () => void }[] = [];
  const compile = <F>(f: F): F => {
    if (!enabled) return f;
    const compiled = jit(f as never);
    programs.push(compiled);
    return compiled as unknown as F;
  };
  return { compile, dispose: () => programs.forEach((p) => p.dispose()) };
}

/**
 * One AdamW step around any objective `(params, batch, key) → [loss, per-variant mean losses]`, which borrows
 * `params` and consumes `batch` and `key`; the loss must be a mean of per-example terms. The returned `step`
 * consumes the state and batch it is given and returns the next state; call `dispose` when done to free
 * compiled programs. A batch larger than `microBatchSize` is differentiated in micro-batches (the same
 * gradient in the memory of one micro-batch); otherwise the whole step is one program.
 */
export function makeOptimizerStep<P extends ParamTree, Batch>(
  objectiveFn: (params: P, batch: Batch, key: np.Array) => [np.Array, np.Array],
  cfg: { adamw: AdamWConfig; maxGradNorm: number; jit: boolean; microBatchSize?: number | null },
): Stepper<P, Batch> {
  const lossAndGrad = valueAndGrad(consuming(objectiveFn), { hasAux: true });
  const programs = programCompiler(cfg.jit);
  let mask: unknown = null;

  const gradient = (params: P, batch: Batch, key: np.Array): Gradient<P> => {
    const [[loss, variantLosses], grads] = lossAndGrad(params as never, batch as never, key) as unknown as [
      [np.Array, np.Array],
      P,
    ];
    return { loss, variantLosses, grads };
  };
  const fused = programs.compile(
    (params: P, opt: AdamWState<P>, batch: Batch, key: np.Array, s: Scalars): Outputs<P> => {
      const [dropKey, nextKey] = random.split(key, 2);
      const { loss, variantLosses, grads } = gradient(tree.ref(params), batch, dropKey);
      return { ...clipAndUpdate(grads, opt, params, s, mask, cfg), key: nextKey, loss, variantLosses };
    },
  );
  const compiledGradient = programs.compile(gradient);
  const chunked = makeChunkedStepper<P, Batch>(
    async (params, batch, key) => compiledGradient(tree.ref(params), batch, key),
    { ...cfg, microBatchSize: cfg.microBatchSize ?? null },
    programs.compile,
  );

  async function step(state: ModelState<P>, batch: Batch, lr: number) {
    mask ??= decayMask(state.params);
    if (cfg.microBatchSize != null && batchSize(batch) > cfg.microBatchSize) {
      return chunked(state, batch, lr);
    }
    const out = fused(state.params, state.opt, batch, state.key, stepScalars(lr, state.step, cfg.adamw));
    return finishStep(out, state.step);
  }
  return { step, dispose: programs.dispose };
}

/**
 * Mode "accumulate": the comparative loss's exact gradient with one variant's activations in memory at a time.
 * With ℓ the `[B, V]` per-example task losses and L = mean(comparativeLoss(ℓ)), ∂L/∂θ = Σ_k Σ_b (∂L/∂ℓ_bk) ·
 * ∂ℓ_bk/∂θ: forward passes give ℓ and the weights ∂L/∂ℓ, then each variant's weighted loss is differentiated
 * alone with the same dropout key (hence the same masks). Each forward and each variant's gradient is its own
 * program with a sync after it (see makeChunkedStepper). ≈ 4/3 of the sequential mode's arithmetic; measured
 * about twice the batched step's time (PERFORMANCE.md).
 */
function makeAccumulatingStep(cfg: StepConfig): Stepper<Params, TrainBatch> {
  const programs = programCompiler(cfg.jit);
  const variantLoss = (k: number, forwardOnly: boolean) =>
    consuming((p: Params, inputs: EncoderBatch, labels: np.Array, key: np.Array) =>
      taskLoss(
        cfg.lossKind,
        applySequenceClassifier(p, inputs, cfg.model, { powers: [k], key, forwardOnly }),
        labels,
      ),
    );
  const forward = cfg.powers.map((k) => programs.compile(variantLoss(k, true)));
  const gradient = cfg.powers.map((k) => {
    const loss = variantLoss(k, false);
    const weighted = (p: Params, inputs: EncoderBatch, labels: np.Array, key: np.Array, w: np.Array) =>
      np.sum(loss(p, inputs, labels, key).mul(w));
    return programs.compile(grad(weighted) as (...args: Parameters<typeof weighted>) => Params);
  });
  const rankWeights = valueAndGrad((table: np.Array) => np.mean(comparativeLoss(table, cfg.loss)));

  const gradientOf: GradientFn<Params, TrainBatch> = async (params, batch, key) => {
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
    return { loss, variantLosses, grads: grads! };
  };
  const step = makeChunkedStepper(
    gradientOf,
    { ...cfg, microBatchSize: cfg.microBatchSize ?? null },
    programs.compile,
  );
  return { step: step as Stepper<Params, TrainBatch>["step"], dispose: programs.dispose };
}

/** The classification / regression step for `cfg` (see `makeOptimizerStep`). */
export function makeTrainStep(cfg: StepConfig): Stepper<Params, TrainBatch> {
  const single = cfg.method?.kind === "rdrop" || cfg.powers.length === 1;
  if (cfg.mode === "accumulate" && !single) return makeAccumulatingStep(cfg);
  // R-Drop and plain runs have nothing to accumulate over: run them as "sequential".
  const mode = cfg.mode === "accumulate" ? "sequential" : cfg.mode;
  return makeOptimizerStep<Params, TrainBatch>(
    (params, batch, key) => objective(params, batch, key, { ...cfg, mode }),
    cfg,
  );
}
