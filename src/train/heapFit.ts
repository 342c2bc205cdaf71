/**
 * Batch sizes that fit jax-js's wasm heap: 4 GiB (32-bit), which only grows (docs/PERFORMANCE.md), so a run
 * that does not fit fails after minutes or hours, often in its first evaluation. Sized here from the model, the
 * longest padded sequence length and the rows per example instead. With engine patch 11 (a coalescing
 * allocator) the programs of shorter padded lengths run in the memory the longest one freed, so the longest
 * length sizes a run whose batches are padded to several (GLUE's `--pad-multiple`).
 *
 * With engine patch 10 (patches/jax-0.1.25-10-reuse-dead-buffers.patch) a jitted program's buffers are
 * planned from liveness, so its peak follows its live set: a training program keeps every layer's activations
 * for the backward pass, a forward-only pass about one layer's at a time. Calibrated on all-MiniLM-L6-v2's
 * shapes (BERT, intermediate = 4 × hidden), reading the wasm heap after one program in a fresh process
 * (`bench/heapRows.ts`, 2026-12-06, patched engine; bench/results/2026-12-06-cpu-memory.json): per row, a
 * training program holds about 17 [T, H] and 7 [heads, T, T] float32 arrays per layer (344 and 334 MB per
 * extra row at T 384 by batch and by variants, 50.5 MB at T 128; 136 MB at T 256, where this model says 164),
 * a forward-only pass 18 and 1.6 in all (21 and 4.6 MB per row at T 384 and T 128), one with dropout forced
 * on 18 and 2.6 (27.8 and 5.4 MB); weights, gradients and AdamW state about 10 copies of the parameters (the
 * heap less its rows: 828 MB for MiniLM's 22.7 M at T 128 and T 256, 660 MB at T 384), a forward pass's
 * weights about 5 (388–390 MB). The forward rows were measured when evaluation projected each attention head
 * separately, through a [heads, T, H] intermediate; since 2026-12-06 it merges the heads first
 * (models/bert/apply.ts) and needs less, so the forward sizes err on the safe side.
 */
import { tree, type numpy as np } from "@jax-js/jax";
import type { BertConfig } from "../models/bert/config.js";
import { runtimeInfo } from "../runtime/init.js";
import type { ParamTree } from "../util/treePaths.js";
import type { TrainConfig } from "./config.js";

/** Whether jax-js runs on its wasm backend (the 4 GiB heap sized here). */
export const onWasmHeap = () => runtimeInfo()?.device === "wasm";

/** Number of parameters in a tree of arrays. */
export const parameterCount = (params: ParamTree) =>
  (tree.leaves(params) as np.Array[]).reduce((n, a) => n + a.size, 0);

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

/** Arrays of [T, H] (`width`) and [heads, T, T] (`attention`) one row keeps live, per layer or in all. */
const ARRAYS_PER_ROW: Record<Pass, { width: number; attention: number; perLayer: boolean }> = {
  train: { width: 17, attention: 7, perLayer: true },
  forward: { width: 18, attention: 1.6, perLayer: false },
  dropout: { width: 18, attention: 2.6, perLayer: false },
};

/** Bytes one example row of `seqLen` tokens adds to a program of kind `pass`. */
export function rowBytes(model: Shape, seqLen: number, pass: Pass): number {
  const { width: perWidth, attention: perAttention, perLayer } = ARRAYS_PER_ROW[pass];
  // [T, H]-sized arrays, counted in units of H at intermediate = 4H (the FFN's [T, I] arrays scale with I).
  const width = (model.hidden_size + model.intermediate_size) / 5;
  const T = seqLen;
  const layers = perLayer ? model.num_hidden_layers : 1;
  return 4 * layers * (perWidth * T * width + perAttention * model.num_attention_heads * T * T);
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
 * fit together. Every row is counted at `seqLen`, the longest padded length; how a sized micro-batch treats
 * an epoch's last batch is `tail`.
 * @param o.rows model rows per training example (its variants: every crop level's dropout powers).
 * @param o.microBatchSize the user's `--micro-batch-size`, kept as given; null: sized here.
 * @throws Error naming the settings when even one example per program cannot fit.
 */
export function fitTrainingBatches(o: {
  modelConfig: Shape;
  paramCount: number;
  seqLen: number;
  rows: number;
  batchSize: number;
  /** Training examples per epoch (the last batch of an epoch holds the remainder). */
  examples: number;
  microBatchSize: number | null;
  evalBatchSize: number;
  /**
   * "equal" (QA, whose batches all have one shape): a sized micro-batch divides every batch, an epoch's last
   * one too, so every micro-batch has one shape; "any" (GLUE's padded lengths): the fewest micro-batches that
   * fit, as equal as possible, the last batch of an epoch split like any other.
   */
  tail?: "equal" | "any";
}): HeapFit {
  const fixed = 10 * 4 * o.paramCount;
  const example = o.rows * rowBytes(o.modelConfig, o.seqLen, "train");
  const evalRow = rowBytes(o.modelConfig, o.seqLen, "forward");
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
      // "equal": one micro-batch size for every batch, the epoch's last included, so one compiled shape;
      // "any": as few micro-batches as fit, their sizes as even as possible (a last, smaller one is another
      // shape, which with engine patch 11 runs in the memory the larger one freed).
      micro =
        o.tail === "any"
          ? Math.ceil(o.batchSize / Math.ceil(o.batchSize / fits))
          : commonDivisorAtMost(o.batchSize, o.examples % o.batchSize || o.batchSize, fits);
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
  modelConfig: Shape;
  paramCount: number;
  seqLen: number;
  batchSize: number;
  dropout: boolean;
}): number {
  const room = HEAP_BUDGET - 5 * 4 * o.paramCount;
  const row = rowBytes(o.modelConfig, o.seqLen, o.dropout ? "dropout" : "forward");
  return Math.max(1, Math.min(o.batchSize, Math.floor(room / row)));
}

/**
 * A training session's batches: on the wasm heap sized by `fitTrainingBatches` (the run's first line says what
 * was sized), elsewhere (WebGPU) the configured ones. Every task family's session calls this.
 */
export function sessionBatches(
  config: Pick<TrainConfig, "batchSize" | "microBatchSize" | "evalBatchSize">,
  o: {
    modelConfig: Shape;
    params: ParamTree;
    /** The longest padded length a batch can have. */
    seqLen: number;
    /** Model rows per training example (its variants). */
    rows: number;
    examples: number;
    tail: "equal" | "any";
  },
): HeapFit {
  if (!onWasmHeap())
    return { microBatchSize: config.microBatchSize, evalBatchSize: config.evalBatchSize, notes: [] };
  return fitTrainingBatches({
    modelConfig: o.modelConfig,
    paramCount: parameterCount(o.params),
    seqLen: o.seqLen,
    rows: o.rows,
    batchSize: config.batchSize,
    examples: o.examples,
    microBatchSize: config.microBatchSize,
    evalBatchSize: config.evalBatchSize,
    tail: o.tail,
  });
}
