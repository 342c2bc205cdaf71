/**
 * The generic optimisation step: one AdamW update (global-norm clipping first) around any objective that
 * returns `[mean loss, per-variant mean losses]`, jitted as one program or differentiated in micro-batches.
 * Task families bring their objectives (classifierObjective.ts, qaObjective.ts); this file knows no task.
 */
import { blockUntilReady, jit, numpy as np, random, tree, valueAndGrad } from "@jax-js/jax";
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

/** The training state of any model tree P: parameters, AdamW moments, the dropout key and the step count. */
export interface TrainState<P> {
  params: P;
  opt: AdamWState<P>;
  /** PRNG key for the next step's dropout. */
  key: np.Array;
  /** Steps done so far. */
  step: number;
}

/** What one step returns: the next state and the step's numbers (host values). */
export interface StepResult<P> {
  state: TrainState<P>;
  /** Overall training loss (mean over the batch). */
  loss: number;
  /** Mean task loss of each variant: full model first, then the ablated ones. */
  variantLosses: number[];
  gradNorm: number;
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
async function finishStep<P>(out: Outputs<P>, done: number): Promise<StepResult<P>> {
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

/** A step function with the programs it compiled: `step` consumes the state and batch it is given. */
export type Stepper<P, Batch> = {
  step: (state: TrainState<P>, batch: Batch, lr: number) => Promise<StepResult<P>>;
  dispose: () => void;
};

/** The mean loss, per-variant mean losses and gradient of the mean loss for one (micro-)batch. */
export type Gradient<P> = { loss: np.Array; variantLosses: np.Array; grads: P };

/** Borrows `params`; consumes `batch` and `key`. May sync (memory is freed between its programs). */
export type GradientFn<P, Batch> = (params: P, batch: Batch, key: np.Array) => Promise<Gradient<P>>;

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
export function makeChunkedStepper<P extends ParamTree, Batch>(
  gradientOf: GradientFn<P, Batch>,
  cfg: { adamw: AdamWConfig; maxGradNorm: number; jit: boolean; microBatchSize: number | null },
  compile: <F>(f: F) => F,
): (state: TrainState<P>, batch: Batch, lr: number) => ReturnType<Stepper<P, Batch>["step"]> {
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
export function programCompiler(enabled: boolean) {
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

  async function step(state: TrainState<P>, batch: Batch, lr: number) {
    mask ??= decayMask(state.params);
    if (cfg.microBatchSize != null && batchSize(batch) > cfg.microBatchSize) {
      return chunked(state, batch, lr);
    }
    const out = fused(state.params, state.opt, batch, state.key, stepScalars(lr, state.step, cfg.adamw));
    return finishStep(out, state.step);
  }
  return { step, dispose: programs.dispose };
}
