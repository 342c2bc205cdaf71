/**
 * Host-side batching: pad encodings into flat typed arrays, move them to the device once, and a seeded
 * epoch shuffler. Shape letters: B batch, T tokens.
 */
import { numpy as np } from "@jax-js/jax";
import { checkUint32, hostRng, mixSeedLegacy, shuffleInPlace } from "../util/hostRng.js";
import { PAD_ID } from "./specialIds.js";
import type { Encoding } from "./vocab.js";

/** A padded batch on the host, row-major `[B, T]` in flat arrays. */
export interface HostBatch {
  /** `[B, T]` token ids, `[PAD]` (0) after each example's end. */
  input_ids: Int32Array;
  /** `[B, T]` 1 for real tokens, 0 for padding. */
  attention_mask: Int32Array;
  /** `[B, T]` segment ids, 0 in padding. */
  token_type_ids: Int32Array;
  /** `[B]` class ids (Int32Array, lossKind "ce") or scores (Float32Array, lossKind "mse"). */
  labels: Int32Array | Float32Array;
  batchSize: number;
  seqLen: number;
}

/** A batch on the device; the encoder fields match `EncoderBatch` in models/. */
export interface DeviceBatch {
  /** `[B, T]` int32 */
  input_ids: np.Array;
  /** `[B, T]` int32 */
  attention_mask: np.Array;
  /** `[B, T]` int32 */
  token_type_ids: np.Array;
  /** `[B]` int32 class ids, or float32 scores for regression. */
  labels: np.Array;
}

export interface CollateOptions {
  /** Pad to this fixed T instead of the batch maximum, so every batch has one shape (one jit trace). */
  padTo?: number;
  /** Token id written into padded positions (RoBERTa pads with 1); default `[PAD]` = 0. */
  padId?: number;
}

/**
 * Host label array for a task's loss: Int32Array of class ids for "ce", Float32Array of scores for "mse".
 * @throws RangeError for a "ce" label that is not a non-negative integer.
 */
export function hostLabels(values: readonly number[], lossKind: "ce" | "mse"): Int32Array | Float32Array {
  if (lossKind === "mse") return Float32Array.from(values);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(
        `hostLabels: expected class ids (integers >= 0) for lossKind "ce", got ${v} at index ${i}`,
      );
    }
  });
  return Int32Array.from(values);
}

/**
 * Pad encodings to a common length T (the longest one, or `padTo`) and stack them row-major.
 * @param encoded B encodings from `WordVocab.encode` (or any tokenizer with that layout).
 * @param labels `[B]`, its type picks the label dtype (see `hostLabels`).
 * @throws Error for an empty batch or a labels/encodings count mismatch; RangeError if `padTo` is shorter
 *   than the longest encoding.
 */
export function collate(
  encoded: readonly Encoding[],
  labels: Int32Array | Float32Array,
  { padTo, padId = PAD_ID }: CollateOptions = {},
): HostBatch {
  const B = encoded.length;
  if (B === 0) throw new Error("collate: expected at least one example, got 0");
  if (labels.length !== B) {
    throw new Error(`collate: expected one label per example, got ${labels.length} labels for ${B} examples`);
  }
  let longest = 0;
  encoded.forEach((e, b) => {
    if (e.input_ids.length !== e.token_type_ids.length) {
      throw new Error(
        `collate: expected input_ids and token_type_ids of equal length, got ${e.input_ids.length} and ` +
          `${e.token_type_ids.length} at index ${b}`,
      );
    }
    longest = Math.max(longest, e.input_ids.length);
  });
  if (padTo !== undefined && (!Number.isInteger(padTo) || padTo < longest)) {
    throw new RangeError(`collate: expected padTo >= the longest encoding ${longest}, got ${padTo}`);
  }
  const T = padTo ?? longest;
  // Padding positions keep mask 0 and segment 0 from the zero-filled arrays.
  const input_ids = new Int32Array(B * T).fill(padId);
  const attention_mask = new Int32Array(B * T);
  const token_type_ids = new Int32Array(B * T);
  encoded.forEach((e, b) => {
    input_ids.set(e.input_ids, b * T);
    token_type_ids.set(e.token_type_ids, b * T);
    attention_mask.fill(1, b * T, b * T + e.input_ids.length);
  });
  const labelsCopy = labels instanceof Int32Array ? Int32Array.from(labels) : Float32Array.from(labels);
  return { input_ids, attention_mask, token_type_ids, labels: labelsCopy, batchSize: B, seqLen: T };
}

/**
 * Copy a host batch to the default device: the one host→device transfer per batch.
 * Returns new arrays owned by the caller (each with refCount 1).
 */
export function toDeviceBatch(host: HostBatch): DeviceBatch {
  const shape = [host.batchSize, host.seqLen];
  const labelDtype = host.labels instanceof Int32Array ? np.int32 : np.float32;
  return {
    input_ids: np.array(host.input_ids, { dtype: np.int32 }).reshape(shape),
    attention_mask: np.array(host.attention_mask, { dtype: np.int32 }).reshape(shape),
    token_type_ids: np.array(host.token_type_ids, { dtype: np.int32 }).reshape(shape),
    labels: np.array(host.labels, { dtype: labelDtype }),
  };
}

/**
 * The order in which epoch `epoch` visits examples 0..n-1: a Fisher–Yates shuffle driven by mulberry32
 * seeded from (seed, epoch).
 *
 * A pure function of its arguments, with no generator state to save: a run resumed at step s of an epoch
 * recomputes the same order and skips the first s batches. This is host-side data order, separate from the
 * jax `key` used for dropout. The sequence is part of the checkpoint format: changing it breaks bit-exact resume.
 * @param n number of examples.
 * @param seed run seed, integer in [0, 2^32).
 * @param epoch 0-based epoch, integer in [0, 2^32).
 * @returns `[n]` a permutation of 0..n-1.
 */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(`epochOrder: expected n to be an integer in [0, 2^31), got ${n}`);
  }
  checkUint32("epochOrder", "seed", seed);
  checkUint32("epochOrder", "epoch", epoch);
  // Hash epoch first, then combine: seeds (s, e) and (e, s) must not collide.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, hostRng(mixSeedLegacy(seed, epoch)));
}

/**
 * A seeded epoch order in which each batch holds examples of similar length (HF's `group_by_length`):
 * shuffle, cut into mega-batches of `batchSize × megaBatches`, sort each by length (longest first), cut into
 * batches, then shuffle the batch order. Padding to the batch maximum then wastes little compute, which for
 * short-text tasks such as SST-2 cuts the step time several-fold.
 * @param lengths token count of every example.
 * @returns a permutation of 0..n−1; consecutive `batchSize` slices are the batches.
 */
export function lengthGroupedOrder(
  lengths: ArrayLike<number>,
  seed: number,
  epoch: number,
  batchSize: number,
  megaBatches = 50,
): Int32Array {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`lengthGroupedOrder: expected batchSize ≥ 1, got ${batchSize}`);
  }
  const n = lengths.length;
  const shuffled = epochOrder(n, seed, epoch);
  const mega = batchSize * megaBatches;
  const batches: Int32Array[] = [];
  for (let start = 0; start < n; start += mega) {
    const group = Array.from(shuffled.subarray(start, Math.min(n, start + mega)));
    group.sort((a, b) => lengths[b] - lengths[a] || a - b);
    for (let b = 0; b < group.length; b += batchSize)
      batches.push(Int32Array.from(group.slice(b, b + batchSize)));
  }
  // A ragged last batch stays last, so every other batch keeps exactly batchSize examples.
  const full = batches.length - (n % batchSize === 0 ? 0 : 1);
  const batchOrder = epochOrder(full, (seed ^ 0x5bd1e995) >>> 0, epoch);
  const out = new Int32Array(n);
  let at = 0;
  for (let i = 0; i < batches.length; i++) {
    const batch = i < full ? batches[batchOrder[i]] : batches[i];
    out.set(batch, at);
    at += batch.length;
  }
  return out;
}
