import { describe, expect, it } from "vitest";
import { numpy as np } from "@jax-js/jax";
import { rdropLoss, symmetricKl } from "./rdrop.js";

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b);
  return e.map((v) => v / s);
}

describe("R-Drop", () => {
  const a = [
    [1, 2, 0.5],
    [0, -1, 3],
  ];
  const b = [
    [0.2, 2.5, 0],
    [0, -1, 3],
  ];
  // Hand formula: ½ Σ_c p log(p/q) + q log(q/p)
  const expected = a.map((row, i) => {
    const p = softmax(row);
    const q = softmax(b[i]);
    return 0.5 * p.reduce((s, pc, c) => s + pc * Math.log(pc / q[c]) + q[c] * Math.log(q[c] / pc), 0);
  });

  it("symmetric KL matches the hand formula and is zero for equal logits", async () => {
    const kl = await symmetricKl(np.array(a), np.array(b)).data();
    expect(Array.from(kl)).toBeAllclose(expected, { atol: 1e-6 });
    expect(kl[1]).toBeCloseTo(0, 7);
  });

  it("adds alpha times the consistency to the mean task loss", async () => {
    const out = await rdropLoss(np.array([1, 2]), np.array([3, 2]), np.array(a), np.array(b), {
      alpha: 4,
      regression: false,
    }).data();
    expect(Array.from(out)).toBeAllclose([2 + 4 * expected[0], 2 + 4 * expected[1]], { atol: 1e-5 });
    const reg = await rdropLoss(np.array([1]), np.array([1]), np.array([0.5]), np.array([1.5]), {
      alpha: 2,
      regression: true,
    }).data();
    expect(reg[0]).toBeCloseTo(1 + 2 * 1, 6);
  });

  it("rejects a negative alpha and mismatched shapes", () => {
    expect(() =>
      rdropLoss(np.array([1]), np.array([1]), np.array([[1, 2]]), np.array([[1, 2]]), {
        alpha: -1,
        regression: false,
      }),
    ).toThrow(/alpha ≥ 0/);
    expect(() => symmetricKl(np.array([[1, 2]]), np.array([[1, 2, 3]]))).toThrow(/one shape/);
  });
});
