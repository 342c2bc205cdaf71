/**
 * CmpDrop — nested dropout (SPEC §6).
 *
 * Variant k runs with rate p_k = 1 − (1 − p)^k and keeps a unit iff its uniform draw u ≥ p_k, with the same u
 * for every variant. So the units kept at level k+1 are a subset of those kept at level k: each variant is a
 * sub-network of the one before. The reference restores the RNG state before each of c+1 sequential passes;
 * sharing u gives the same nesting and lets the c+1 variants run as one batched pass over (c+1)·B rows.
 */
import { numpy as np, random } from "@jax-js/jax";

/** Dropout rate of power k: 1 − (1 − p)^k (k = 0 → 0). */
export function nestedRate(rate: number, power: number): number {
  return 1 - Math.pow(1 - rate, power);
}

function checkRate(fn: string, rate: number): void {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`${fn}: expected rate in [0, 1), got ${rate}`);
}

function checkPowers(fn: string, powers: readonly number[]): void {
  if (powers.length === 0 || powers.some((k) => !Number.isInteger(k) || k < 0)) {
    throw new RangeError(`${fn}: expected non-empty integer dropout powers ≥ 0, got [${powers.join(", ")}]`);
  }
}

/** Keep-thresholds p_k shaped `[V, 1, …, 1]` for broadcasting against `[V, ...shape]`. */
function thresholds(rate: number, powers: readonly number[], rank: number): np.Array {
  const values = new Float32Array(powers.map((k) => nestedRate(rate, k)));
  return np.array(values).reshape([powers.length, ...Array(rank).fill(1)]);
}

/**
 * Nested CmpDrop keep-masks for one dropout site.
 *
 * @param key PRNG key of the site (consumed). The same key gives the same masks.
 * @param shape Unit shape S of the site (e.g. `[B, T, H]`).
 * @param options.rate Base dropout rate p ∈ [0, 1).
 * @param options.levels Number of ablated levels c ≥ 0.
 * @returns bool `[c + 1, ...S]`: level 0 all true; level k keeps u ≥ 1 − (1 − p)^k.
 */
export function cmpDropMasks(
  key: np.Array,
  shape: number[],
  options: { rate: number; levels: number },
): np.Array {
  const { rate, levels } = options;
  checkRate("cmpDropMasks", rate);
  if (!Number.isInteger(levels) || levels < 0) {
    throw new RangeError(`cmpDropMasks: expected levels to be an integer ≥ 0, got ${levels}`);
  }
  const powers = Array.from({ length: levels + 1 }, (_, k) => k);
  const u = random.uniform(key, shape);
  return np.greaterEqual(u.reshape([1, ...shape]), thresholds(rate, powers, shape.length));
}

/**
 * Apply one dropout site to all variants at once, with shared uniforms.
 *
 * Rows are variant-major: row v·B + b is example b under dropout power `powers[v]`. Passing `expand` lets a
 * site receive the B rows that every variant shares (e.g. the embeddings) and return V·B rows, so work before
 * the first dropout site is done once.
 *
 * @param x `[V·B, ...S]`, or `[B, ...S]` with `expand`.
 * @param key PRNG key of this site (consumed); may be null only when every power is 0 or `rate` is 0.
 * @param rate Base rate p of this site.
 * @param powers Dropout power per variant, length V.
 * @param options.expand `x` holds the B shared rows (see above); default false.
 * @param options.shared true (default, CmpDrop): one uniform draw for all variants, so their masks nest;
 *   false: independent draws per variant (R-Drop's two dropout passes).
 * @returns `[V·B, ...S]`, kept units scaled by 1 / (1 − p_k).
 * Consumes `x` and `key`.
 */
export function nestedDropout(
  x: np.Array,
  key: np.Array | null,
  rate: number,
  powers: readonly number[],
  options: { expand?: boolean; shared?: boolean } = {},
): np.Array {
  const { expand = false, shared = true } = options;
  checkRate("nestedDropout", rate);
  checkPowers("nestedDropout", powers);
  const V = powers.length;
  const rows = expand ? x.shape[0] : x.shape[0] / V;
  if (!Number.isInteger(rows)) {
    throw new RangeError(`nestedDropout: expected ${V} variants × B rows, got ${x.shape[0]} rows`);
  }
  const unit = x.shape.slice(1);
  const grouped = expand ? x.reshape([1, rows, ...unit]) : x.reshape([V, rows, ...unit]);
  if (rate === 0 || powers.every((k) => k === 0)) {
    key?.dispose();
    const same = expand ? np.broadcastTo(grouped, [V, rows, ...unit]) : grouped;
    return same.reshape([V * rows, ...unit]);
  }
  if (!key) throw new Error("nestedDropout: a PRNG key is required when any dropout power is > 0");
  const shape = [rows, ...unit];
  const u = shared ? random.uniform(key, shape).reshape([1, ...shape]) : random.uniform(key, [V, ...shape]);
  const p = thresholds(rate, powers, shape.length);
  const scale = thresholds(rate, powers, shape.length).mul(-1).add(1);
  // where(u ≥ p_k, 1 / (1 − p_k), 0): the keep mask and the inverted-dropout scale in one multiplier.
  const multiplier = np.where(np.greaterEqual(u, p), np.reciprocal(scale), 0);
  return grouped.mul(multiplier).reshape([V * rows, ...unit]);
}
