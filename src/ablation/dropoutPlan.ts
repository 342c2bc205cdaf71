/** Which dropout variants a forward pass runs (CmpDrop's V = c + 1 variants, or one ordinary pass). */
import { numpy as np, random } from "@jax-js/jax";

/**
 * `powers[v]` is variant v's dropout power k (rate 1 − (1 − p)^k at every site; 0 = dropout off).
 * Rows of the outputs are variant-major: V·B rows for a batch of B examples.
 * `key` seeds every dropout site; it may be null when all powers are 0 (evaluation).
 */
export interface DropoutPlan {
  powers: readonly number[];
  key: np.Array | null;
  /** false: independent draws per variant (R-Drop); default true: shared draws, nested masks (CmpDrop). */
  shared?: boolean;
  /**
   * true: no gradient will be taken through this pass (evaluation). It picks the way of merging the attention
   * heads that jax-js runs fastest without a backward pass; the numbers are the same either way.
   */
  forwardOnly?: boolean;
}

/** Evaluation: the full model only (dropout off). */
export const NO_DROPOUT: DropoutPlan = { powers: [0], key: null, forwardOnly: true };

/** True when some variant drops units (so the plan needs a key). */
export function plansDropout(plan: DropoutPlan): boolean {
  return plan.powers.some((k) => k > 0);
}

/**
 * Split the plan's key into one key per dropout site. Sites are numbered by model structure (not call
 * order), so every variant — in one batched pass or in sequential passes — sees the same uniforms at the
 * same site. Consumes `plan.key`; returns null keys when no dropout is planned.
 */
export function siteKeys(plan: DropoutPlan, count: number): (site: number) => np.Array | null {
  if (!plansDropout(plan)) {
    plan.key?.dispose();
    return () => null;
  }
  if (!plan.key) throw new Error("siteKeys: a PRNG key is required when a dropout power is > 0");
  const keys = random.split(plan.key, count);
  let remaining = count;
  return (site: number) => {
    if (site < 0 || site >= count) throw new RangeError(`siteKeys: site ${site} outside [0, ${count})`);
    const k = keys.ref.slice(site);
    if (--remaining === 0) keys.dispose();
    return k;
  };
}

/** Repeat a `[B, ...]` array V times along axis 0 (variant-major), for inputs every variant shares. */
export function tileVariants(x: np.Array, variants: number): np.Array {
  if (variants === 1) return x;
  return np.tile(x, [variants, ...Array(x.ndim - 1).fill(1)]);
}
