import { describe, expect, it } from "vitest";
import { grad, numpy as np } from "@jax-js/jax";
import { crossEntropyPerExample, squaredErrorPerExample } from "./index.js";

const LOGITS = [
  [1, 2, 3],
  [0, 0, 0],
  [1000, 0, -1000],
  [0.5, -0.5, 2],
];
const LABELS = [2, 1, 1, -100];

describe("crossEntropyPerExample", () => {
  it("matches −log softmax by hand, stays finite for large logits and ignores label −100", async () => {
    // numpy float64: m = x.max(); m + log(sum(exp(x − m))) − x[y]
    const expected = [0.4076059644443806, 1.0986122886681098, 1000, 0];
    const out = crossEntropyPerExample(np.array(LOGITS), np.array(LABELS, { dtype: np.int32 }));
    expect(out.shape).toEqual([4]);
    expect(await out.data()).toBeAllclose(expected);
  });

  it("has gradient softmax − one-hot, and none for an ignored row", async () => {
    const labels = np.array(LABELS, { dtype: np.int32 });
    const g = grad((x: np.Array) => crossEntropyPerExample(x, labels.ref).sum())(np.array(LOGITS));
    labels.dispose();
    // row 0: softmax([1, 2, 3]) − e_2 (numpy float64); row 2: softmax ≈ e_0, minus e_1
    expect(await g.data()).toBeAllclose(
      [
        [0.09003057317038046, 0.24472847105479764, -0.3347590442251782],
        [1 / 3, -2 / 3, 1 / 3],
        [1, -1, 0],
        [0, 0, 0],
      ],
      { atol: 1e-6 },
    );
  });

  it("rejects bad kinds and shapes, disposing its inputs", () => {
    const labels = np.array([0, 1], { dtype: np.int32 });
    expect(() => crossEntropyPerExample(np.array([1, 2]), labels)).toThrow(
      /^crossEntropyPerExample: expected logits of shape \[R, C\] with C ≥ 1, got \[2\]$/,
    );
    expect(labels.refCount).toBe(0);
    expect(() => crossEntropyPerExample(np.zeros([2, 3]), np.array([0, 1]))).toThrow(
      new TypeError("crossEntropyPerExample: expected int32 labels, got float32"),
    );
    expect(() => crossEntropyPerExample(np.zeros([2, 3]), np.array([0, 1, 2], { dtype: np.int32 }))).toThrow(
      /expected labels of shape \[R\] = \[2\], got \[3\]/,
    );
    expect(() => crossEntropyPerExample([[1, 2]] as unknown as np.Array, np.array([0]))).toThrow(TypeError);
  });
});

describe("squaredErrorPerExample", () => {
  it("is (prediction − target)² per row for [R] and [R, 1] predictions", async () => {
    const targets = [1, 2, 0.5];
    const expected = [0.25, 0, 2.25];
    expect(await squaredErrorPerExample(np.array([[0.5], [2], [-1]]), np.array(targets)).data()).toBeAllclose(
      expected,
    );
    expect(await squaredErrorPerExample(np.array([0.5, 2, -1]), np.array(targets)).data()).toBeAllclose(
      expected,
    );
    const t = np.array(targets);
    const g = grad((p: np.Array) => squaredErrorPerExample(p, t.ref).sum())(np.array([0.5, 2, -1]));
    t.dispose();
    expect(await g.data()).toBeAllclose([-1, 0, -3]);
  });

  it("rejects bad kinds and shapes", () => {
    expect(() => squaredErrorPerExample(np.zeros([3, 2]), np.zeros([3]))).toThrow(
      /expected predictions of shape \[R\] or \[R, 1\], got \[3, 2\]/,
    );
    expect(() => squaredErrorPerExample(np.zeros([3]), np.zeros([4]))).toThrow(
      /expected targets of shape \[R\] = \[3\], got \[4\]/,
    );
    expect(() => squaredErrorPerExample(np.zeros([2]), np.array([1, 2], { dtype: np.int32 }))).toThrow(
      new TypeError("squaredErrorPerExample: expected targets of a float dtype, got int32"),
    );
  });
});
