/** Host-side training data: a task's splits tokenised once, batched by index into device arrays. */
import { collate, hostLabels, toDeviceBatch } from "../tasks/batch.js";
import type { GlueExample } from "../tasks/glue/reader.js";
import type { TokenEncoder } from "../tasks/hfTokenizer.js";
import type { Encoding } from "../tasks/vocab.js";
import type { EvalBatchSource } from "./evaluate.js";
import type { LossKind, TrainBatch } from "./classifierObjective.js";

/** Anything that turns a text (pair) into model ids: the word vocabulary or an HF tokenizer. */
export type { TokenEncoder } from "../tasks/hfTokenizer.js";

export interface EncodedSplit extends EvalBatchSource {
  labels: number[];
  /** The longest padded length a batch of this split can have (what the wasm heap is sized for). */
  longestPadded: number;
  batch(indices: number[]): TrainBatch;
}

/**
 * Tokenise every example of a split (host), keeping labels in order.
 * @param padMultiple pad each batch to its longest example rounded up to this multiple (1 = exactly the
 *   batch maximum). Rounding bounds the number of distinct shapes, and so of `jit` compilations; the padded
 *   positions are masked, so results do not depend on it.
 */
export function encodeSplit(
  examples: GlueExample[],
  tokenizer: TokenEncoder,
  options: { maxLength: number; lossKind: LossKind; padMultiple?: number; padId?: number },
): EncodedSplit {
  const { maxLength, lossKind, padMultiple = 1, padId = 0 } = options;
  const encoded: Encoding[] = examples.map((ex) => tokenizer.encode(ex.textA, ex.textB, { maxLength }));
  const labels = examples.map((ex) => ex.label);
  const padded = (longest: number) =>
    Math.min(Math.ceil(longest / padMultiple) * padMultiple, Math.max(longest, maxLength));
  return {
    count: examples.length,
    labels,
    longestPadded: padded(encoded.reduce((m, e) => Math.max(m, e.input_ids.length), 1)),
    length: (i: number) => encoded[i].input_ids.length,
    batch: (indices: number[]): TrainBatch => {
      const padTo = padded(Math.max(...indices.map((i) => encoded[i].input_ids.length)));
      const host = collate(
        indices.map((i) => encoded[i]),
        hostLabels(
          indices.map((i) => labels[i]),
          lossKind,
        ),
        { padTo, padId },
      );
      return toDeviceBatch(host);
    },
  };
}
