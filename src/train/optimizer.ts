/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter; the update of `torch.optim.AdamW`), as pure
 * functions over parameter trees: state in, state out, nothing hidden.
 */
import { numpy as np, tree } from "@jax-js/jax";
import { mapWithPath, type ParamTree } from "../util/treePaths.js";

export interface AdamWConfig {
  b1: number;
  b2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = { b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** First and second moments, same structure as the params. */
export type AdamWState<P> = { mu: P; nu: P };

/** Zero moments. Borrows `params`. */
export function adamwInit<P extends ParamTree>(params: P): AdamWState<P> {
  return {
    mu: tree.map((p: np.Array) => np.zerosLike(p.ref), params) as P,
    nu: tree.map((p: np.Array) => np.zerosLike(p.ref), params) as P,
  };
}

/**
 * HF's grouping rule: no decay on biases and LayerNorm weights (path contains "bias" or "LayerNorm"),
 * decay on everything else (including embeddings). Returns a tree of 0/1 numbers.
 */
export function decayMask(params: ParamTree): unknown {
  return mapWithPath(params, (path) => (/(^|\.)bias$|LayerNorm/.test(path) ? 0 : 1));
}

/** Per-step scalars, passed as arrays so a jitted step never recompiles when they change. */
export interface AdamWStepScalars {
  /** learning rate */
  lr: np.Array;
  /** 1 − b1^t */
  bc1: np.Array;
  /** 1 − b2^t */
  bc2: np.Array;
}

/** Host numbers for step t (1-based). */
export function adamwScalars(
  lr: number,
  t: number,
  cfg: AdamWConfig,
): { lr: number; bc1: number; bc2: number } {
  return { lr, bc1: 1 - Math.pow(cfg.b1, t), bc2: 1 - Math.pow(cfg.b2, t) };
}

/**
 * One AdamW step: p ← p − lr·(m̂ / (√v̂ + eps) + wd·p) with wd only where `mask` is 1.
 * Consumes `grads`, `state`, `params` and the scalars; returns the new params and state.
 */
export function adamwUpdate<P extends ParamTree>(
  grads: P,
  state: AdamWState<P>,
  params: P,
  scalars: AdamWStepScalars,
  mask: unknown,
  cfg: AdamWConfig,
): [P, AdamWState<P>] {
  const { lr, bc1, bc2 } = scalars;
  const mu = tree.map(
    (m: np.Array, g: np.Array) => m.mul(cfg.b1).add(g.ref.mul(1 - cfg.b1)),
    state.mu,
    grads,
  ) as P;
  const nu = tree.map(
    (v: np.Array, g: np.Array) => v.mul(cfg.b2).add(np.square(g).mul(1 - cfg.b2)),
    state.nu,
    grads,
  ) as P;
  const stepSize = lr.ref.div(bc1); // lr / (1 − b1^t)
  const sqrtBc2 = np.sqrt(bc2);
  const newParams = tree.map(
    ((p: np.Array, m: np.Array, v: np.Array, decay: number) => {
      const denom = np.sqrt(v.ref).div(sqrtBc2.ref).add(cfg.eps);
      let next = p.ref.sub(m.ref.div(denom).mul(stepSize.ref));
      if (decay && cfg.weightDecay > 0) next = next.sub(p.mul(lr.ref.mul(cfg.weightDecay)));
      else p.dispose();
      return next;
    }) as (...args: (np.Array | number)[]) => np.Array,
    params,
    mu,
    nu,
    mask as P,
  ) as P;
  stepSize.dispose();
  sqrtBc2.dispose();
  lr.dispose();
  return [newParams, { mu, nu }];
}

/**
 * Scale the gradients so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_).
 * Consumes `grads`; returns the clipped grads and the pre-clip norm.
 */
export function clipByGlobalNorm<P extends ParamTree>(grads: P, maxNorm: number): [P, np.Array] {
  const leaves = tree.leaves(grads) as np.Array[];
  const sq = leaves.map((g) => np.sum(np.square(g.ref)));
  const norm = np.sqrt(sq.reduce((a, b) => a.add(b)));
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) return [grads, norm];
  const factor = np.minimum(np.reciprocal(norm.ref.add(1e-6)).mul(maxNorm), 1);
  const clipped = tree.map((g: np.Array) => g.mul(factor.ref), grads) as P;
  factor.dispose();
  return [clipped, norm];
}
