import { describe, expect, it } from "vitest";
import { numpy as np, random } from "@jax-js/jax";
import { cmpDropMasks, nestedDropout, nestedRate } from "./cmpDrop.js";

async function bools(x: np.Array): Promise<boolean[]> {
  return Array.from(await x.astype(np.int32).data()).map((v) => v === 1);
}

describe("cmpDropMasks", () => {
  const rate = 0.3;
  const levels = 4;
  const shape = [64, 256];
  const n = shape[0] * shape[1];

  it("has shape [levels + 1, ...shape] and level 0 keeps everything", async () => {
    const masks = cmpDropMasks(random.key(7), shape, { rate, levels });
    expect(masks.shape).toEqual([levels + 1, ...shape]);
    expect(String(masks.dtype)).toBe("bool");
    const level0 = await bools(masks.slice(0));
    expect(level0.every(Boolean)).toBe(true);
  });

  it("nests: units kept at level k+1 are a subset of those kept at level k", async () => {
    const flat = await bools(cmpDropMasks(random.key(3), shape, { rate, levels }));
    for (let k = 0; k < levels; k++) {
      for (let i = 0; i < n; i++) {
        if (flat[(k + 1) * n + i] && !flat[k * n + i])
          throw new Error(`level ${k + 1} keeps unit ${i} dropped at ${k}`);
      }
    }
  });

  it("keeps a fraction (1 − p)^k at level k", async () => {
    const flat = await bools(cmpDropMasks(random.key(11), shape, { rate, levels }));
    for (let k = 0; k <= levels; k++) {
      const kept = flat.slice(k * n, (k + 1) * n).filter(Boolean).length / n;
      const expected = Math.pow(1 - rate, k);
      // Binomial standard error at n = 16384 is < 0.004; 5 sigma.
      expect(Math.abs(kept - expected)).toBeLessThan(0.02);
    }
  });

  it("is a function of the key", async () => {
    const a = await bools(cmpDropMasks(random.key(5), [32, 8], { rate, levels: 2 }));
    const b = await bools(cmpDropMasks(random.key(5), [32, 8], { rate, levels: 2 }));
    const c = await bools(cmpDropMasks(random.key(6), [32, 8], { rate, levels: 2 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("validates its options", () => {
    expect(() => cmpDropMasks(random.key(0), [2], { rate: 1, levels: 1 })).toThrow(/rate in \[0, 1\)/);
    expect(() => cmpDropMasks(random.key(0), [2], { rate: 0.1, levels: -1 })).toThrow(/levels/);
  });
});

describe("nestedDropout", () => {
  it("matches the masks: each variant row is x · mask_k / (1 − p_k)", async () => {
    const rate = 0.25;
    const B = 3;
    const H = 40;
    const x = random.normal(random.key(1), [B, H]);
    const xs = Array.from(await x.ref.data()) as number[];
    const y = nestedDropout(x, random.key(9), rate, [0, 1, 2], { expand: true });
    expect(y.shape).toEqual([3 * B, H]);
    const ys = Array.from(await y.data());
    const masks = await bools(cmpDropMasks(random.key(9), [B, H], { rate, levels: 2 }));
    for (let k = 0; k < 3; k++) {
      const scale = 1 / (1 - nestedRate(rate, k));
      const expected = xs.map((v, i) => (masks[k * B * H + i] ? v * scale : 0));
      expect(ys.slice(k * B * H, (k + 1) * B * H)).toBeAllclose(expected, { atol: 1e-6 });
    }
  });

  it("gives a single variant the same draws as the batched pass", async () => {
    const rate = 0.1;
    const x = random.normal(random.key(2), [4, 6, 8]);
    const batched = Array.from(
      await nestedDropout(x.ref, random.key(4), rate, [0, 1, 2, 3], { expand: true }).data(),
    );
    const alone = Array.from(await nestedDropout(x, random.key(4), rate, [3], { expand: true }).data());
    expect(alone).toBeAllclose(batched.slice(3 * 4 * 6 * 8), { atol: 0 });
  });

  it("is the identity at power 0 without a key", async () => {
    const x = np.array([1, 2, 3]).reshape([1, 3]);
    expect(Array.from(await nestedDropout(x, null, 0.5, [0]).data())).toEqual([1, 2, 3]);
    expect(() => nestedDropout(np.ones([1, 3]), null, 0.5, [1])).toThrow(/key is required/);
  });
});
