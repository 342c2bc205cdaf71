/**
 * Batch sizes that fit jax-js's wasm heap: 4 GiB (32-bit), allocated by exact size class and never returned
 * (docs/PERFORMANCE.md), so a run that does not fit fails after minutes or hours, often in its first
 * evaluation. Sized here from the model, the padded sequence length and the rows per example instead.
 *
 * A jitted program holds all its intermediates at once, so its peak grows linearly with its rows. Calibrated on
 * all-MiniLM-L6-v2's shapes (BERT, intermediate = 4 × hidden), reading the wasm heap after one program in a
 * fresh process (`bench/heapRows.ts`, 2026-12-06): per row and layer, a training program holds about 93 [T, H]
 * and 8 [heads, T, T] float32 arrays (640 MB per row at T 384, 141 MB at T 128), a forward-only pass 34 and 3
 * (237 and 52 MB), one with dropout forced on 36 and 4 (285 and 59 MB); weights, gradients and AdamW state about
 * 12 copies of the parameters (1.08 GB for MiniLM's 22.7 M), a forward pass's weights about 5 (389 MB).
 */
import type { BertConfig } from "../models/bert/config.js";

/** jax-js's wasm heap limit. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;
/** What the sizing plans to use of it: the rest absorbs small buffers and allocator size classes. */
const HEAP_BUDGET = 0.9 * WASM_HEAP_BYTES;

type Shape = Pick<
  BertConfig,
  "hidden_size" | "intermediate_size" | "num_hidden_layers" | "num_attention_heads"
>;

/** Which program a row runs in: a training step, a forward-only pass, or one with dropout forced on. */
export type Pass = "train" | "forward" | "dropout";

const ARRAYS_PER_ROW: Record<Pass, [width: number, attention: number]> = {
  train: [93, 8],
  forward: [34, 3],
  dropout: [36, 4],
};

/** Bytes one example row of `seqLen` tokens adds to a program of kind `pass`. */
export function rowBytes(model: Shape, seqLen: number, pass: Pass): number {
  const [perWidth, perAttention] = ARRAYS_PER_ROW[pass];
  // [T, H]-sized arrays, counted in units of H at intermediate = 4H (the FFN's [T, I] arrays scale with I).
  const width = (model.hidden_size + model.intermediate_size) / 5;
  const T = seqLen;
  return (
    4 * model.num_hidden_layers * (perWidth * T * width + perAttention * model.num_attention_heads * T * T)
  );
}

const GB = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** The largest divisor of both `a` and `b` that is at most `m`. */
function commonDivisorAtMost(a: number, b: number, m: number): number {
  for (let d = Math.min(a, b, m); d > 1; d--) if (a % d === 0 && b % d === 0) return d;
  return 1;
}

export interface HeapFit {
  /** Micro-batch size to train with (null: the whole batch at once). */
  microBatchSize: number | null;
  evalBatchSize: number;
  /** What was sized, for the run's first line ([] when the settings fit as given). */
  notes: string[];
}

/**
 * Training batches on the wasm heap: a micro-batch (when none was asked for) and an evaluation batch no larger
 * than asked, so that the training program, one evaluation program and the weights with their optimizer state
 * fit together. Every row is counted at `seqLen` (the caller pads to it: one shape, so freed buffers are reused),
 * and a sized micro-batch divides every batch, an epoch's last one too.
 * @param o.rows model rows per training example (its variants: every crop level's dropout powers).
 * @param o.microBatchSize the user's `--micro-batch-size`, kept as given; null: sized here.
 * @throws Error naming the settings when even one example per program cannot fit.
 */
export function fitTrainingBatches(o: {
  model: Shape;
  paramCount: number;
  seqLen: number;
  rows: number;
  batchSize: number;
  /** Training examples per epoch (the last batch of an epoch holds the remainder). */
  examples: number;
  microBatchSize: number | null;
  evalBatchSize: number;
}): HeapFit {
  const fixed = 12 * 4 * o.paramCount;
  const example = o.rows * rowBytes(o.model, o.seqLen, "train");
  const evalRow = rowBytes(o.model, o.seqLen, "forward");
  const room = HEAP_BUDGET - fixed;
  if (room < example + evalRow) {
    throw new Error(
      `out of memory ahead: one example's ${o.rows} model variant(s) at ${o.seqLen} tokens need about ` +
        `${GB(example + evalRow)} of jax-js's 4 GiB wasm heap beside ${GB(fixed)} of weights and optimizer ` +
        `state; use a shorter --max-seq-length, fewer variants (--n-drop, --n-crop) or a GPU (--device webgpu)`,
    );
  }
  const notes: string[] = [];
  let micro = o.microBatchSize;
  if (micro === null) {
    const fits = Math.floor((room - evalRow) / example);
    if (fits < o.batchSize) {
      // Equal micro-batches in every batch, the epoch's last included: one compiled shape, whose freed buffers
      // the next micro-batch reuses (a second shape would need memory of its own).
      micro = commonDivisorAtMost(o.batchSize, o.examples % o.batchSize || o.batchSize, fits);
      notes.push(`micro-batches of ${micro} (sized for the 4 GiB wasm heap)`);
    }
  }
  const trainRows = Math.min(micro ?? o.batchSize, o.batchSize);
  const evalFits = Math.max(1, Math.floor((room - trainRows * example) / evalRow));
  const evalBatchSize = Math.min(o.evalBatchSize, evalFits);
  if (evalBatchSize < o.evalBatchSize)
    notes.push(`evaluation batches of ${evalBatchSize} (sized for the 4 GiB wasm heap)`);
  return { microBatchSize: micro, evalBatchSize, notes };
}

/**
 * The evaluation batch for scoring a checkpoint alone on the wasm heap (weights only, no optimizer state);
 * `dropout`: some passes force dropout on (their masks make a row larger).
 */
export function fitEvalBatch(o: {
  model: Shape;
  paramCount: number;
  seqLen: number;
  batchSize: number;
  dropout: boolean;
}): number {
  const room = HEAP_BUDGET - 5 * 4 * o.paramCount;
  const row = rowBytes(o.model, o.seqLen, o.dropout ? "dropout" : "forward");
  return Math.max(1, Math.min(o.batchSize, Math.floor(room / row)));
}
