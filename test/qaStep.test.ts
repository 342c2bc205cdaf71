import { describe, expect, it } from "vitest";
import { numpy as np, random, tree } from "@jax-js/jax";
import { crossEntropyPerExample } from "../src/loss/index.js";
import { presetConfig } from "../src/models/bert/config.js";
import { applySpanExtractor, initSpanExtractor } from "../src/models/spanExtractor.js";
import { adamwInit, ADAMW_DEFAULTS } from "../src/train/optimizer.js";
import { qaLossTables, qaObjective, type QaLevelBatch, type QaVariant } from "../src/train/qaObjective.js";
import { makeOptimizerStep } from "../src/train/step.js";

const cfg = presetConfig("bert-L2-H128-A2", 60, { max_position_embeddings: 32 });

function level(T: number, seed: number): QaLevelBatch {
  const B = 3;
  const ids = Array.from({ length: B * T }, (_, i) => 5 + ((i * 13 + seed) % 50));
  return {
    input_ids: np.array(Int32Array.from(ids), { dtype: np.int32 }).reshape([B, T]),
    attention_mask: np.ones([B, T], { dtype: np.int32 }),
    token_type_ids: np.zeros([B, T], { dtype: np.int32 }),
    start_positions: np.array(new Int32Array([1, 2, 0]), { dtype: np.int32 }),
    end_positions: np.array(new Int32Array([2, 4, 0]), { dtype: np.int32 }),
  };
}

// crop levels 0 (T=12), 1 (T=9), 2 (T=6); drops interleaved as SPEC §7 for c_crop = 2, c_drop = 2
const variants: QaVariant[] = [
  { cropLevel: 0, dropPower: 0 },
  { cropLevel: 1, dropPower: 0 },
  { cropLevel: 1, dropPower: 1 },
  { cropLevel: 2, dropPower: 1 },
  { cropLevel: 2, dropPower: 2 },
];
const levels = () => [level(12, 0), level(9, 1), level(6, 2)];

describe("QA objective with CmpCrop and CmpDrop variants", () => {
  it("gives each variant the losses of its own crop level and dropout power", async () => {
    const params = initSpanExtractor(random.key(0), cfg);
    const { start, end } = qaLossTables(params, levels(), random.key(5), {
      modelConfig: cfg,
      variants,
      loss: { kind: "cmp" },
    });
    expect(start.shape).toEqual([3, 5]);
    const s = await start.data();
    const e = await end.data();
    // variant 0 (full context, no dropout) equals a plain pass over level 0
    const l0 = level(12, 0);
    const { start_positions, end_positions, ...inputs } = l0;
    const out = applySpanExtractor(params, inputs, cfg, { powers: [0], key: null });
    const s0 = await crossEntropyPerExample(out.start_logits, start_positions).data();
    const e0 = await crossEntropyPerExample(out.end_logits, end_positions).data();
    for (let b = 0; b < 3; b++) {
      expect(s[b * 5]).toBeCloseTo(s0[b], 5);
      expect(e[b * 5]).toBeCloseTo(e0[b], 5);
    }
    // crop changes the loss even without dropout
    expect(Math.abs(s[1] - s[0])).toBeGreaterThan(1e-5);
    tree.dispose(params);
  });

  it("trains: a jitted step lowers the objective and keeps params owned once", async () => {
    const params = initSpanExtractor(random.key(0), cfg);
    const stepper = makeOptimizerStep(
      (p: typeof params, batch: QaLevelBatch[], key: np.Array) =>
        qaObjective(p, batch, key, { modelConfig: cfg, variants, loss: { kind: "cmp" } }),
      { adamw: ADAMW_DEFAULTS, maxGradNorm: 1, jit: true },
    );
    let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await stepper.step(state, levels(), 3e-3);
      state = r.state;
      losses.push(r.loss);
      expect(r.variantLosses).toHaveLength(5);
    }
    expect(losses[5]).toBeLessThan(losses[0]);
    for (const leaf of tree.leaves(state.params) as np.Array[]) expect(leaf.refCount).toBe(1);
    stepper.dispose();
    tree.dispose(state as never);
  });

  it("micro-batches split every crop level's batch by example and give the whole batch's step", async () => {
    // Without dropout the keys do not matter, so micro-batched and whole steps must agree. Crop levels only:
    // dropout variants would tie exactly with their level's full pass, and a tie's hinge subgradient flips with
    // the last bit of the two losses.
    const still = { ...cfg, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const crops: QaVariant[] = [0, 1, 2].map((cropLevel) => ({ cropLevel, dropPower: 0 }));
    const once = async (microBatchSize: number | null) => {
      const params = initSpanExtractor(random.key(0), still);
      const stepper = makeOptimizerStep(
        (p: typeof params, batch: QaLevelBatch[], key: np.Array) =>
          qaObjective(p, batch, key, { modelConfig: still, variants: crops, loss: { kind: "cmp" } }),
        // Adam's first step is lr · g / (|g| + eps): with the usual tiny eps it is ≈ lr · sign(g) and turns
        // float noise in entries that nearly cancel into whole steps; eps = 1 keeps it proportional to g.
        { adamw: { ...ADAMW_DEFAULTS, eps: 1 }, maxGradNorm: 1, jit: true, microBatchSize },
      );
      const state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
      const r = await stepper.step(state, levels(), 1);
      const leaves: number[][] = [];
      for (const x of tree.leaves(r.state.params) as np.Array[]) leaves.push(Array.from(await x.ref.data()));
      stepper.dispose();
      tree.dispose(r.state as never);
      return { numbers: [r.loss, r.gradNorm, ...r.variantLosses], leaves };
    };
    const whole = await once(null);
    for (const m of [1, 2]) {
      const parts = await once(m);
      expect(parts.numbers).toBeAllclose(whole.numbers, { atol: 1e-5, rtol: 1e-5 });
      parts.leaves.forEach((leaf, i) => expect(leaf).toBeAllclose(whole.leaves[i], { atol: 1e-5, rtol: 0 }));
    }
  });
});
