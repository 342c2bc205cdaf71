/**
 * Per-example task losses l = L(y, f(x)) (SPEC §2 step 5): one value per row, never averaged, so that the
 * comparative loss can rank the models example by example.
 */
import { nn, numpy as np } from "@jax-js/jax";
import { expectArray, expectFloat, reject } from "./check.js";

/**
 * Cross-entropy of each row: −log softmax(logits)[label], from a log-softmax (numerically stable for large
 * logits). Mirrors torch's `CrossEntropyLoss(reduction="none")` used by the reference for classification.
 *
 * A label outside [0, C) selects no class and gives loss 0, so HF's ignore index −100 behaves as torch's
 * `ignore_index` does with `reduction="none"`. Labels are not range-checked: that would need a device read.
 *
 * @param logits `[R, C]` float logits (R rows: examples, or variants × examples).
 * @param labels `[R]` int32 class indices.
 * @returns `[R]` per-row loss.
 * @throws TypeError for a non-array, non-float logits or non-int32 labels; Error for other shapes.
 *
 * Consumes `logits` and `labels` (also when it throws).
 */
export function crossEntropyPerExample(logits: np.Array, labels: np.Array): np.Array {
  const fn = "crossEntropyPerExample";
  const owned = [logits, labels];
  expectArray(fn, "logits", logits, "[R, C]", owned);
  expectArray(fn, "labels", labels, "[R]", owned);
  if (logits.ndim !== 2 || logits.shape[1] < 1) {
    reject(
      new Error(`${fn}: expected logits of shape [R, C] with C ≥ 1, got [${logits.shape.join(", ")}]`),
      owned,
    );
  }
  expectFloat(fn, "logits", logits, owned);
  if (labels.dtype !== np.int32) {
    reject(new TypeError(`${fn}: expected int32 labels, got ${labels.dtype}`), owned);
  }
  const [r, c] = logits.shape;
  if (labels.ndim !== 1 || labels.shape[0] !== r) {
    reject(
      new Error(`${fn}: expected labels of shape [R] = [${r}], got [${labels.shape.join(", ")}]`),
      owned,
    );
  }
  // A comparison mask, not nn.oneHot: jax-js 0.1.25's oneHot does not give an all-zero row for labels out of
  // range (−100 came back all ones).
  const hit = labels.slice([], null).equal(np.arange(0, c, 1, { dtype: np.int32 }).slice(null, []));
  return np.where(hit, nn.logSoftmax(logits, 1), 0).sum(1).neg();
}

/**
 * Squared error of each row, (prediction − target)², i.e. the per-example MSE of a single-output regression
 * head (the reference's `MSELoss(reduction="none")` for `num_labels == 1`, e.g. STS-B).
 *
 * @param predictions `[R]` or `[R, 1]` float predictions.
 * @param targets `[R]` float targets.
 * @returns `[R]` per-row loss.
 * @throws TypeError for a non-array or a non-float dtype; Error for other shapes.
 *
 * Consumes `predictions` and `targets` (also when it throws).
 */
export function squaredErrorPerExample(predictions: np.Array, targets: np.Array): np.Array {
  const fn = "squaredErrorPerExample";
  const owned = [predictions, targets];
  expectArray(fn, "predictions", predictions, "[R] or [R, 1]", owned);
  expectArray(fn, "targets", targets, "[R]", owned);
  const p = predictions.shape;
  if (!(p.length === 1 || (p.length === 2 && p[1] === 1))) {
    reject(new Error(`${fn}: expected predictions of shape [R] or [R, 1], got [${p.join(", ")}]`), owned);
  }
  if (targets.ndim !== 1 || targets.shape[0] !== p[0]) {
    reject(
      new Error(`${fn}: expected targets of shape [R] = [${p[0]}], got [${targets.shape.join(", ")}]`),
      owned,
    );
  }
  expectFloat(fn, "predictions", predictions, owned);
  expectFloat(fn, "targets", targets, owned);
  const flat = p.length === 2 ? predictions.slice([], 0) : predictions;
  return np.square(flat.sub(targets));
}
