/**
 * GLUE metrics as pure host functions on number arrays (predictions and gold labels, same length).
 * Each mirrors the scikit-learn / SciPy function named in its docstring, including the degenerate cases.
 */

/** Numbers on the host: a plain array or a typed array read back with `await x.data()`. */
export type Numbers = ArrayLike<number>;

function checkPair(fn: string, pred: Numbers, gold: Numbers): number {
  if (pred.length !== gold.length) {
    throw new Error(
      `${fn}: expected pred and gold of the same length, got ${pred.length} and ${gold.length}`,
    );
  }
  if (pred.length === 0) throw new RangeError(`${fn}: expected at least one example, got 0`);
  return pred.length;
}

/** Fraction of positions where `pred[i] === gold[i]` (sklearn `accuracy_score`). */
export function accuracy(pred: Numbers, gold: Numbers): number {
  const n = checkPair("accuracy", pred, gold);
  let correct = 0;
  for (let i = 0; i < n; i++) if (pred[i] === gold[i]) correct++;
  return correct / n;
}

/**
 * Matthews correlation coefficient (sklearn `matthews_corrcoef`, the CoLA metric), for any number of classes.
 *
 * Uses the multiclass form (Gorodkin 2004), which equals (TP·TN − FP·FN)/√(…) for two classes. Returns 0 when
 * the denominator is 0 (all predictions or all gold labels in one class), as sklearn does.
 */
export function matthewsCorrcoef(pred: Numbers, gold: Numbers): number {
  const n = checkPair("matthewsCorrcoef", pred, gold);
  const predCount = new Map<number, number>();
  const goldCount = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    predCount.set(pred[i], (predCount.get(pred[i]) ?? 0) + 1);
    goldCount.set(gold[i], (goldCount.get(gold[i]) ?? 0) + 1);
    if (pred[i] === gold[i]) correct++;
  }
  let predGold = 0;
  let predSq = 0;
  let goldSq = 0;
  for (const [label, p] of predCount) predGold += p * (goldCount.get(label) ?? 0);
  for (const p of predCount.values()) predSq += p * p;
  for (const g of goldCount.values()) goldSq += g * g;
  const cov = correct * n - predGold;
  const denom = Math.sqrt((n * n - predSq) * (n * n - goldSq));
  return denom === 0 ? 0 : cov / denom;
}

/**
 * F1 of the positive class (sklearn `f1_score(average="binary")`, the MRPC/QQP metric): 2TP / (2TP + FP + FN).
 * Returns 0 when there are no positive predictions and no positive gold labels (sklearn's zero_division=0).
 * @param posLabel the positive class; default 1.
 */
export function f1Binary(pred: Numbers, gold: Numbers, { posLabel = 1 }: { posLabel?: number } = {}): number {
  const n = checkPair("f1Binary", pred, gold);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const p = pred[i] === posLabel;
    const g = gold[i] === posLabel;
    if (p && g) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/**
 * Pearson correlation (SciPy `pearsonr(...).statistic`, the STS-B metric).
 * Centred two-pass sums, so large offsets do not cancel. Returns NaN when either input is constant (SciPy
 * warns and returns nan), so a collapsed regressor cannot look like a perfect one.
 */
export function pearson(pred: Numbers, gold: Numbers): number {
  const n = checkPair("pearson", pred, gold);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += pred[i];
    my += gold[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = pred[i] - mx;
    const dy = gold[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  // Rounding can push |r| a hair above 1; SciPy clips too.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Spearman rank correlation (SciPy `spearmanr(...).statistic`): Pearson on ranks, tied values sharing their
 * average rank (SciPy `rankdata(method="average")`). NaN when either input is constant.
 */
export function spearman(pred: Numbers, gold: Numbers): number {
  checkPair("spearman", pred, gold);
  return pearson(averageRanks(pred), averageRanks(gold));
}

/** 1-based ranks; a run of equal values gets the mean of the ranks it spans. */
export function averageRanks(x: Numbers): Float64Array {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) throw new RangeError(`averageRanks: expected numbers, got NaN at index ${i}`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && x[order[end]] === x[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Metric names as used in task rows and logs, HF `evaluate` spelling. */
export type MetricName = "accuracy" | "matthews_corrcoef" | "f1" | "pearson" | "spearman";

/** Metric functions by name, so a task row's `metric` is looked up, not switched on. */
export const METRICS: Readonly<Record<MetricName, (pred: Numbers, gold: Numbers) => number>> = {
  accuracy,
  matthews_corrcoef: matthewsCorrcoef,
  f1: (pred, gold) => f1Binary(pred, gold),
  pearson,
  spearman,
};

/**
 * Every metric a task reports, e.g. `{ f1, accuracy }` for MRPC (HF `glue_compute_metrics`' `acc_and_f1`,
 * without its averaged `combined_score`), keyed by metric name in the task's order, headline first.
 * @param task anything with a `metrics` list, such as a registry row.
 * @param pred class ids (argmax) for classification tasks, scores for regression; `[N]`.
 * @param gold the examples' labels, `[N]`.
 * @throws Error for mismatched lengths, RangeError for no examples (from the metric functions).
 */
export function scoreAll(
  task: { readonly metrics: readonly MetricName[] },
  pred: Numbers,
  gold: Numbers,
): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const name of task.metrics) scores[name] = METRICS[name](pred, gold);
  return scores;
}

/**
 * What a classifier that ignores its input scores: every example predicted as the most frequent gold class (the
 * lowest class id on a tie), scored with the task's own metrics. Accuracy is that class's share; binary F1 is
 * 2p / (1 + p) when the majority is the positive class (MRPC's "always paraphrase") and 0 when it is not; MCC is
 * 0. `entropy` is the class prior's entropy in nats: the mean cross-entropy of predicting the gold class
 * frequencies for every example, the dev loss a collapsed classifier tends to.
 * @param task anything with a `metrics` list, such as a registry row.
 * @param gold class ids, `[N]`.
 * @throws RangeError for no examples, or for ids that are not class ids (non-negative integers).
 */
export function majorityClass(
  task: { readonly metrics: readonly MetricName[] },
  gold: Numbers,
): { label: number; share: number; scores: Record<string, number>; entropy: number } {
  if (gold.length === 0) throw new RangeError("majorityClass: expected at least one example, got 0");
  const counts = new Map<number, number>();
  for (let i = 0; i < gold.length; i++) {
    const y = gold[i];
    if (!Number.isInteger(y) || y < 0)
      throw new RangeError(`majorityClass: expected class ids (integers ≥ 0), got ${y} at ${i}`);
    counts.set(y, (counts.get(y) ?? 0) + 1);
  }
  const [label, top] = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  let entropy = 0;
  for (const c of counts.values()) entropy -= (c / gold.length) * Math.log(c / gold.length);
  const pred = new Array<number>(gold.length).fill(label);
  return { label, share: top / gold.length, scores: scoreAll(task, pred, gold), entropy };
}
