/**
 * The cross-model comparative loss (SPEC §2–5): rank the task losses of the full model and its increasingly
 * ablated variants with a pairwise hinge or ListMLE, either alone (with a dummy baseline model) or as a
 * regulariser next to a primary task loss.
 */
import { nn, numpy as np } from "@jax-js/jax";
import { dummyEffectUnchecked, LOSS_TARGETS, type LossTarget } from "./baseline.js";
import { describe, expectBoolean, expectChoice, expectNumber, expectTable, reject } from "./check.js";

/** How regulariser mode reduces the n task losses to one (SPEC §5; the reference's `loss_primary`). */
export type PrimaryLoss = "max" | "avg" | "first" | "last";

/** Every `PrimaryLoss`, in SPEC order. */
export const PRIMARY_LOSSES: readonly PrimaryLoss[] = ["max", "avg", "first", "last"];

/** With `schedule`, the regulariser is left out while the batch-mean primary loss exceeds this (SPEC §5). */
export const SCHEDULE_THRESHOLD = 1.1;

/** How the n models' losses are ranked (SPEC §2, §4); used by both kinds of `ComparativeLossOptions`. */
export interface RankingOptions {
  /** Temperature of the effects s = −l / temperature (SPEC §2); > 0. Default 1. */
  temperature?: number;
  /** Rank with ListMLE (SPEC §4) instead of the pairwise hinge (SPEC §2). Default false. */
  listwise?: boolean;
}

/**
 * The comparative loss alone, with the dummy model appended and ranked (SPEC §2–3): the paper's main setting
 * and the reference's `just_cmp = true`.
 */
export interface CmpOptions extends RankingOptions {
  kind: "cmp";
  /** The dummy model's baseline (SPEC §3). Default `"ultra"`. */
  target?: LossTarget;
}

/**
 * A primary task loss plus a weighted ranking regulariser over the real models only, no dummy (SPEC §5): the
 * reference's `just_cmp = false`. With `weight` 0 it is the primary loss alone (the paper's weighting study).
 */
export interface RegulariserOptions extends RankingOptions {
  kind: "regulariser";
  /** How the n task losses become one (the reference's `loss_primary`). */
  primary: PrimaryLoss;
  /** Weight w ≥ 0 of the regulariser R (the reference's `cr_weight`). */
  weight: number;
  /** Leave R out while the batch-mean primary loss exceeds 1.1 (the reference's `cr_schedule`). Default false. */
  schedule?: boolean;
}

/**
 * Options of `comparativeLoss`, one member per mode, so that a setting of the other mode (a `target` for the
 * regulariser, a `weight` for the comparative loss alone) cannot be written.
 */
export type ComparativeLossOptions = CmpOptions | RegulariserOptions;

/** Every `ComparativeLossOptions` kind. */
export const LOSS_KINDS: readonly ComparativeLossOptions["kind"][] = ["cmp", "regulariser"];

const RANKING_KEYS = ["temperature", "listwise"] as const;
const OPTION_KEYS: Record<ComparativeLossOptions["kind"], readonly string[]> = {
  cmp: ["kind", "target", ...RANKING_KEYS],
  regulariser: ["kind", "primary", "weight", "schedule", ...RANKING_KEYS],
};

/** The options with every default filled in and every value checked. */
type ResolvedOptions = Required<CmpOptions> | Required<RegulariserOptions>;

/**
 * Mean over all pairs i < j of max(0, s⁽ʲ⁾ − s⁽ⁱ⁾): each pair in which the later (more ablated) model has the
 * higher effect, i.e. the lower loss, is penalised (SPEC §2, Eq. 5).
 *
 * A tied pair (s⁽ʲ⁾ = s⁽ⁱ⁾) adds 0 but passes the gradient (subgradient 1), as the reference's
 * `F.margin_ranking_loss` does (torch's `clamp_min` backward is `where(x >= 0, grad, 0)`). This matters for
 * target `"best"`, whose dummy always ties the best model.
 *
 * @param effects `[B, m]` effects, least ablated first; m = 1 gives 0 (there is no pair).
 * @returns `[B]` per-example loss.
 *
 * Consumes `effects`.
 */
export function pairwiseHinge(effects: np.Array): np.Array {
  expectTable("pairwiseHinge", "effects", effects, "[B, m]", [effects]);
  return hinge(effects);
}

/**
 * ListMLE of the order 0..m−1 (least ablated first): Σ_{k=0}^{m−2} [log Σ_{q≥k} e^{s⁽q⁾} − s⁽ᵏ⁾]
 * (SPEC §4). The last position's term is identically 0 and left out.
 *
 * Each term is a separate log-sum-exp over its own suffix, so no suffix underflows however far its effects
 * lie below the row's maximum; the reference instead subtracts the row maximum once and adds eps = 1e-10
 * inside the log, which differs by at most ~1e-10 / Σ_{q≥k} e^{s⁽q⁾ − max}.
 *
 * @param effects `[B, m]` effects, least ablated first; m = 1 gives 0.
 * @returns `[B]` per-example loss.
 *
 * Consumes `effects`.
 */
export function listMle(effects: np.Array): np.Array {
  expectTable("listMle", "effects", effects, "[B, m]", [effects]);
  return listMleUnchecked(effects);
}

/**
 * The primary task loss of regulariser mode: one loss per example from the n models' losses (SPEC §5).
 *
 * `"max"` sends the gradient to the first maximal column only (the reference's `torch.max(dim)` picks the
 * first index; jax-js's `max` would split it among ties).
 *
 * @param losses `[B, n]` task losses, full model first.
 * @param primary `"max"` (default), `"avg"`, `"first"` (the full model) or `"last"` (the most ablated).
 * @returns `[B]`.
 *
 * Consumes `losses`.
 */
export function primaryLoss(losses: np.Array, primary: PrimaryLoss = "max"): np.Array {
  expectTable("primaryLoss", "losses", losses, "[B, n]", [losses]);
  expectChoice("primaryLoss", "primary", primary, PRIMARY_LOSSES, [losses]);
  return primaryUnchecked(losses, primary);
}

/**
 * The cross-model comparative loss of each example (SPEC §2–5).
 *
 * With s⁽ⁱ⁾ = −l⁽ⁱ⁾ / temperature:
 * - `kind: "cmp"` (default): the dummy model (`dummyEffect`, SPEC §3) is appended after column n−1 and the
 *   m = n + 1 effects are ranked with `pairwiseHinge` (mean over m(m−1)/2 pairs) or, with `listwise`,
 *   `listMle`. With target `"ultra"` the task losses themselves sit inside the ranking loss.
 * - `kind: "regulariser"`: `primaryLoss(l, primary) + weight · R`, where R ranks the n real models only (no
 *   dummy). With `schedule`, R is dropped for the whole batch while mean_B(primary) > 1.1 (a data-dependent
 *   0/1 gate computed on the device, so the function stays traceable under `jit`; no gradient flows through
 *   it).
 * - n = 1 (no ablation, c = 0): the plain task loss l⁽⁰⁾, whatever the options, as in the reference, which
 *   switches `just_cmp` off and `cr_weight` to 0 without ablations. So target `"first"`, which needs an
 *   ablated model, is well defined for n = 1 too, and temperature has no effect.
 *
 * A setting of the other kind (`target` with `"regulariser"`; `primary`, `weight` or `schedule` with `"cmp"`)
 * is a type error, and from untyped callers an `Error`, as is an unknown key.
 *
 * @param losses `[B, n]` per-example task losses (never batch-averaged): column 0 the full model, columns
 *   1..n−1 increasingly ablated variants (SPEC §2); float dtype.
 * @param options see `ComparativeLossOptions`; default `{ kind: "cmp" }` (target `"ultra"`, temperature 1,
 *   pairwise).
 * @returns `[B]` per-example loss; average it over the batch yourself.
 * @throws TypeError for a non-array, a non-float dtype or an option of the wrong kind; Error for a shape
 *   other than `[B, n]` with B, n ≥ 1, for an unknown option key and for a key of the other kind; RangeError
 *   for an unknown `kind`, target or primary, or an out-of-range temperature (≤ 0) or weight (< 0).
 *
 * Consumes `losses` (also when it throws).
 */
export function comparativeLoss(
  losses: np.Array,
  options: ComparativeLossOptions = { kind: "cmp" },
): np.Array {
  expectTable("comparativeLoss", "losses", losses, "[B, n]", [losses]);
  const o = resolveOptions(options, losses);
  if (losses.shape[1] === 1) return losses.slice([], 0);
  const rank = o.listwise ? listMleUnchecked : hinge;
  if (o.kind === "cmp") {
    const effects = losses.div(-o.temperature);
    const dummy = dummyEffectUnchecked(effects.ref, o.target);
    return rank(np.concatenate([effects, dummy], 1));
  }
  const primary = primaryUnchecked(losses.ref, o.primary);
  if (o.weight === 0) {
    losses.dispose();
    return primary;
  }
  const regulariser = rank(losses.div(-o.temperature));
  const weight = o.schedule
    ? np.where(primary.ref.mean().greater(SCHEDULE_THRESHOLD), 0, o.weight)
    : np.array(o.weight, { dtype: primary.dtype });
  return primary.add(regulariser.mul(weight));
}

function resolveOptions(options: ComparativeLossOptions, losses: np.Array): ResolvedOptions {
  const fn = "comparativeLoss";
  const owned = [losses];
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    reject(new TypeError(`${fn}: expected options to be an object, got ${describe(options)}`), owned);
  }
  const kind = expectChoice(fn, "kind", options.kind, LOSS_KINDS, owned);
  const stray = Object.keys(options).filter((k) => !OPTION_KEYS[kind].includes(k));
  if (stray.length > 0) {
    const shown = stray.slice(0, 10).map((k) => `"${k}"`);
    const other = kind === "cmp" ? "regulariser" : "cmp";
    const why = stray.some((k) => OPTION_KEYS[other].includes(k))
      ? ` (${stray.filter((k) => OPTION_KEYS[other].includes(k)).join(", ")} only with kind "${other}")`
      : "";
    reject(
      new Error(
        `${fn}: expected options of kind "${kind}" among ${OPTION_KEYS[kind].join(", ")}, got ${shown.join(", ")}${why}`,
      ),
      owned,
    );
  }
  const ranking = {
    temperature: expectNumber(fn, "temperature", options.temperature ?? 1, 0, false, owned),
    listwise: expectBoolean(fn, "listwise", options.listwise ?? false, owned),
  };
  if (options.kind === "cmp") {
    return {
      kind: "cmp",
      ...ranking,
      target: expectChoice(fn, "target", options.target ?? "ultra", LOSS_TARGETS, owned),
    };
  }
  return {
    kind: "regulariser",
    ...ranking,
    primary: expectChoice(fn, "primary", options.primary, PRIMARY_LOSSES, owned),
    weight: expectNumber(fn, "weight", options.weight, 0, true, owned),
    schedule: expectBoolean(fn, "schedule", options.schedule ?? false, owned),
  };
}

function hinge(effects: np.Array): np.Array {
  const [, m] = effects.shape;
  if (m < 2) return np.zerosLike(effects.slice([], 0));
  const dtype = effects.dtype;
  // diff[b, i, j] = s⁽ⁱ⁾ − s⁽ʲ⁾; the strictly lower triangle (i > j) holds the pairs with i the more ablated.
  const diff = np.subtract(effects.ref.slice([], [], null), effects.slice([], null, []));
  const lower = np.tri(m, m, -1, { dtype });
  // `where(d >= 0, d, 0)` rather than `maximum(d, 0)`: it fixes the tie rule to the reference's (see above)
  // instead of leaving it to how jax-js differentiates `maximum`.
  const pairs = np.where(diff.ref.greaterEqual(0), diff, 0).mul(lower);
  return pairs.sum([1, 2]).div((m * (m - 1)) / 2);
}

function listMleUnchecked(effects: np.Array): np.Array {
  const [, m] = effects.shape;
  if (m < 2) return np.zerosLike(effects.slice([], 0));
  let total: np.Array | null = null;
  for (let k = 0; k < m - 1; k++) {
    const term = nn.logsumexp(effects.ref.slice([], [k]), 1).sub(effects.ref.slice([], k));
    total = total === null ? term : total.add(term);
  }
  effects.dispose();
  return total as np.Array;
}

function primaryUnchecked(losses: np.Array, primary: PrimaryLoss): np.Array {
  switch (primary) {
    case "avg":
      return losses.mean(1);
    case "first":
      return losses.slice([], 0);
    case "last":
      return losses.slice([], -1);
    case "max": {
      const [, n] = losses.shape;
      const argmax = np.argmax(losses.ref, 1).slice([], null);
      const isFirstMax = argmax.equal(np.arange(0, n, 1, { dtype: np.int32 }).slice(null, []));
      return np.where(isFirstMax, losses, 0).sum(1);
    }
  }
}
