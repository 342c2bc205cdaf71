/** Evaluation: predictions of the full model (SPEC §8), or with dropout forced on at power k. */
import { jit, nn, numpy as np, random, tree } from "@jax-js/jax";
import { consuming } from "../util/own.js";
import type { BertConfig } from "../models/bert/config.js";
import { applySequenceClassifier, type SequenceClassifierParams } from "../models/classifier.js";
import type { EncoderBatch } from "../models/bert/apply.js";
import { crossEntropyPerExample, squaredErrorPerExample } from "../loss/index.js";
import type { LossKind } from "./classifierObjective.js";
import type { EvalProgress } from "./log.js";

export interface EvalOutput {
  /** Predicted class per example (classification) or predicted score (regression), in input order. */
  predictions: number[];
  /** Mean task loss over the examples. */
  loss: number;
  /** With `probabilities` (classification): each example's class probabilities (softmax), in input order. */
  probabilities?: Float32Array[];
}

export interface EvalBatchSource {
  count: number;
  /** Device batch for examples `indices` (labels included). */
  batch(indices: number[]): EncoderBatch & { labels: np.Array };
  /** Token count of example i (to group similar lengths and pad less). */
  length(i: number): number;
}

export interface EvalOptions {
  batchSize: number;
  /** Dropout power k (0 = full model); with k > 0, `seed` fixes the dropout draws. */
  forceDropout?: number;
  seed?: number;
  /** Also return the class probabilities (classification only). */
  probabilities?: boolean;
}

/**
 * A reusable evaluator: the forward pass is compiled once per padded length and kept across calls, so
 * evaluating every N steps does not recompile. Call `dispose` when done.
 */
export function createEvaluator(
  cfg: BertConfig,
  lossKind: LossKind,
  options: EvalOptions,
): {
  evaluate: (
    params: SequenceClassifierParams,
    data: EvalBatchSource,
    onProgress?: EvalProgress,
  ) => Promise<EvalOutput>;
  dispose: () => void;
} {
  const power = options.forceDropout ?? 0;
  const withProbs = lossKind === "ce" && options.probabilities === true;
  const forward = jit(
    consuming((p: SequenceClassifierParams, batch: EncoderBatch & { labels: np.Array }, key: np.Array) => {
      const { labels, ...inputs } = batch;
      const dropKey = power > 0 ? key : (key.dispose(), null);
      const logits = applySequenceClassifier(p, inputs, cfg, {
        powers: [power],
        key: dropKey,
        forwardOnly: true,
      });
      const loss =
        lossKind === "ce"
          ? crossEntropyPerExample(logits.ref, labels)
          : squaredErrorPerExample(logits.ref.reshape([-1]), labels);
      const probs = withProbs ? nn.softmax(logits.ref, -1) : null;
      const pred = lossKind === "ce" ? np.argmax(logits, 1).astype(np.float32) : logits.reshape([-1]);
      return probs ? [pred, np.sum(loss), probs] : [pred, np.sum(loss)];
    }),
  );

  async function evaluate(
    params: SequenceClassifierParams,
    data: EvalBatchSource,
    onProgress?: EvalProgress,
  ): Promise<EvalOutput> {
    const order = Array.from({ length: data.count }, (_, i) => i).sort(
      (a, b) => data.length(a) - data.length(b),
    );
    const predictions = new Array<number>(data.count);
    const probabilities = withProbs ? new Array<Float32Array>(data.count) : undefined;
    let lossSum = 0;
    let key = random.key(options.seed ?? 0);
    onProgress?.(0, data.count);
    try {
      for (let start = 0; start < order.length; start += options.batchSize) {
        const idx = order.slice(start, start + options.batchSize);
        const [stepKey, nextKey] = random.split(key, 2);
        key = nextKey;
        const [pred, loss, probs] = forward(tree.ref(params), data.batch(idx), stepKey) as np.Array[];
        const [p, l, q] = await Promise.all([pred.data(), loss.data(), probs?.data()]);
        idx.forEach((example, j) => (predictions[example] = p[j]));
        if (probabilities && q) {
          const k = q.length / idx.length;
          idx.forEach(
            (example, j) => (probabilities[example] = Float32Array.from(q.subarray(j * k, (j + 1) * k))),
          );
        }
        lossSum += l[0];
        onProgress?.(start + idx.length, data.count);
      }
    } finally {
      key.dispose();
    }
    return { predictions, loss: lossSum / Math.max(1, data.count), ...(probabilities && { probabilities }) };
  }
  return { evaluate, dispose: () => forward.dispose() };
}

/**
 * Run the model over a split once (see `createEvaluator` to evaluate repeatedly).
 * Borrows `params`.
 */
export async function evaluateSplit(
  params: SequenceClassifierParams,
  cfg: BertConfig,
  lossKind: LossKind,
  data: EvalBatchSource,
  options: EvalOptions,
): Promise<EvalOutput> {
  const evaluator = createEvaluator(cfg, lossKind, options);
  try {
    return await evaluator.evaluate(params, data);
  } finally {
    evaluator.dispose();
  }
}
