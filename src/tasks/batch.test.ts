import { numpy as np } from "@jax-js/jax";
import { describe, expect, it } from "vitest";
import { collate, epochOrder, lengthGroupedOrder, hostLabels, toDeviceBatch } from "./batch.js";
import { WordVocab } from "./vocab.js";
import type { Encoding } from "./vocab.js";

const enc = (ids: number[], types?: number[]): Encoding => ({
  input_ids: Int32Array.from(ids),
  token_type_ids: Int32Array.from(types ?? ids.map(() => 0)),
});

describe("collate", () => {
  const batch = [enc([2, 7, 8, 3]), enc([2, 9, 3, 5, 3], [0, 0, 0, 1, 1]), enc([2, 3])];

  it("pads to the batch maximum with [PAD], mask 0 and segment 0", () => {
    const h = collate(batch, Int32Array.from([1, 0, 1]));
    expect(h.batchSize).toBe(3);
    expect(h.seqLen).toBe(5);
    expect(Array.from(h.input_ids)).toEqual([2, 7, 8, 3, 0, 2, 9, 3, 5, 3, 2, 3, 0, 0, 0]);
    expect(Array.from(h.attention_mask)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(h.token_type_ids)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(h.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(h.labels)).toEqual([1, 0, 1]);
  });

  it("pads to a fixed length with padTo", () => {
    const h = collate([enc([2, 3])], Float32Array.from([0.5]), { padTo: 4 });
    expect(h.seqLen).toBe(4);
    expect(Array.from(h.input_ids)).toEqual([2, 3, 0, 0]);
    expect(h.labels).toBeInstanceOf(Float32Array);
    expect(() => collate(batch, Int32Array.from([1, 0, 1]), { padTo: 4 })).toThrow(
      "collate: expected padTo >= the longest encoding 5, got 4",
    );
  });

  it("works on WordVocab encodings", () => {
    const v = WordVocab.build(["good film", "bad"]);
    const h = collate(
      [v.encode("good film", undefined, { maxLength: 8 }), v.encode("bad", "good", { maxLength: 8 })],
      hostLabels([1, 0], "ce"),
    );
    expect(h.seqLen).toBe(5);
    expect(Array.from(h.attention_mask)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
  });

  it("rejects empty batches and count mismatches", () => {
    expect(() => collate([], new Int32Array(0))).toThrow("collate: expected at least one example, got 0");
    expect(() => collate(batch, Int32Array.from([1]))).toThrow("got 1 labels for 3 examples");
    expect(() =>
      collate(
        [{ input_ids: Int32Array.from([2, 3]), token_type_ids: new Int32Array(1) }],
        Int32Array.from([0]),
      ),
    ).toThrow("expected input_ids and token_type_ids of equal length, got 2 and 1 at index 0");
  });
});

describe("hostLabels", () => {
  it("makes int32 class ids for ce and float32 scores for mse", () => {
    expect(hostLabels([0, 1], "ce")).toEqual(Int32Array.from([0, 1]));
    expect(hostLabels([0.25, 4.5], "mse")).toEqual(Float32Array.from([0.25, 4.5]));
    expect(() => hostLabels([0, 1.5], "ce")).toThrow(RangeError);
  });
});

describe("toDeviceBatch", () => {
  it("makes int32 [B, T] arrays and [B] labels", async () => {
    const h = collate([enc([2, 7, 3]), enc([2, 3], [0, 1])], Int32Array.from([1, 0]));
    const d = toDeviceBatch(h);
    for (const x of [d.input_ids, d.attention_mask, d.token_type_ids]) {
      expect(x.shape).toEqual([2, 3]);
      expect(x.dtype).toBe(np.int32);
    }
    expect(d.labels.shape).toEqual([2]);
    expect(d.labels.dtype).toBe(np.int32);
    expect(Array.from(await d.input_ids.data())).toEqual([2, 7, 3, 2, 3, 0]);
    expect(Array.from(await d.attention_mask.data())).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(await d.token_type_ids.data())).toEqual([0, 0, 0, 0, 1, 0]);
    expect(Array.from(await d.labels.data())).toEqual([1, 0]);
  });

  it("makes float32 labels for regression", async () => {
    const d = toDeviceBatch(collate([enc([2, 3])], Float32Array.from([3.8])));
    expect(d.labels.dtype).toBe(np.float32);
    expect(await d.labels.data()).toBeAllclose([3.8]);
    for (const x of [d.input_ids, d.attention_mask, d.token_type_ids]) x.dispose();
  });

  it("copies: later changes to the host batch do not reach the device", async () => {
    const h = collate([enc([2, 5, 3])], Int32Array.from([1]));
    const d = toDeviceBatch(h);
    h.input_ids[1] = 99;
    expect(Array.from(await d.input_ids.data())).toEqual([2, 5, 3]);
    for (const x of [d.attention_mask, d.token_type_ids, d.labels]) x.dispose();
  });
});

describe("epochOrder", () => {
  const isPermutation = (p: Int32Array) => [...p].sort((a, b) => a - b).every((v, i) => v === i);

  it("is a permutation of 0..n-1", () => {
    for (const n of [0, 1, 2, 7, 100, 1000]) {
      const p = epochOrder(n, 42, 3);
      expect(p.length).toBe(n);
      expect(isPermutation(p)).toBe(true);
    }
  });

  it("is a pure function of (n, seed, epoch)", () => {
    expect(epochOrder(500, 7, 2)).toEqual(epochOrder(500, 7, 2));
    expect(epochOrder(500, 7, 2)).not.toEqual(epochOrder(500, 7, 3));
    expect(epochOrder(500, 7, 2)).not.toEqual(epochOrder(500, 8, 2));
    // Swapping seed and epoch must give another order.
    expect(epochOrder(500, 2, 7)).not.toEqual(epochOrder(500, 7, 2));
  });

  it("keeps its exact sequence (resumed checkpoints depend on it)", () => {
    // From an independent Python port: python3 dev/python/epoch_order.py
    // A change here breaks bit-exact resume of old runs.
    expect(Array.from(epochOrder(10, 0, 0))).toEqual([2, 1, 7, 5, 9, 0, 4, 8, 3, 6]);
    expect(Array.from(epochOrder(10, 42, 3))).toEqual([4, 2, 6, 3, 1, 0, 9, 8, 7, 5]);
    // Pinned at dbe864f, before the shuffle moved to util/hostRng.ts: the largest seed and epoch too.
    expect(Array.from(epochOrder(12, 0xffffffff, 0xffffffff))).toEqual([
      5, 9, 3, 6, 10, 7, 2, 8, 11, 4, 1, 0,
    ]);
    expect(Array.from(epochOrder(12, 123456789, 1))).toEqual([10, 3, 5, 1, 4, 6, 8, 7, 2, 11, 9, 0]);
  });

  it("rejects bad arguments", () => {
    expect(() => epochOrder(-1, 0, 0)).toThrow(RangeError);
    expect(() => epochOrder(3, 2 ** 32, 0)).toThrow(
      "epochOrder: expected seed to be an integer in [0, 2^32)",
    );
    expect(() => epochOrder(3, 0, 0.5)).toThrow("expected epoch");
  });
});

describe("lengthGroupedOrder", () => {
  const lengths = Array.from({ length: 1003 }, (_, i) => 3 + ((i * 7919) % 61));

  it("is a deterministic permutation", () => {
    const a = lengthGroupedOrder(lengths, 42, 0, 32);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1003 }, (_, i) => i));
    expect(Array.from(lengthGroupedOrder(lengths, 42, 0, 32))).toEqual(Array.from(a));
    expect(Array.from(lengthGroupedOrder(lengths, 42, 1, 32))).not.toEqual(Array.from(a));
  });

  it("groups similar lengths so batches pad much less than random ones", () => {
    const padded = (order: Int32Array) => {
      let total = 0;
      for (let b = 0; b < order.length; b += 32) {
        const batch = Array.from(order.subarray(b, b + 32));
        total += Math.max(...batch.map((i) => lengths[i])) * batch.length;
      }
      return total;
    };
    const grouped = padded(lengthGroupedOrder(lengths, 1, 0, 32));
    const random = padded(epochOrder(lengths.length, 1, 0));
    expect(grouped).toBeLessThan(0.7 * random);
  });

  it("keeps the ragged batch last", () => {
    const order = lengthGroupedOrder(lengths, 3, 0, 32);
    expect(order.length % 32).toBe(1003 % 32);
  });
});
