import { describe, expect, it } from "vitest";
import { numpy as np, random, tree } from "@jax-js/jax";
import { initSequenceClassifier, presetConfig } from "../src/models/index.js";
import { adamwInit, ADAMW_DEFAULTS } from "../src/train/optimizer.js";
import {
  makeTrainStep,
  variantLossTable,
  type StepConfig,
  type TrainBatch,
} from "../src/train/classifierObjective.js";

const cfg = presetConfig("bert-L2-H128-A2", 50, { max_position_embeddings: 16 });

function batch(): TrainBatch {
  const B = 4;
  const T = 7;
  const ids = Array.from({ length: B * T }, (_, i) => 5 + ((i * 7) % 40));
  const mask = Array.from({ length: B * T }, (_, i) => (i % T < T - ((i / T) | 0) ? 1 : 0));
  return {
    input_ids: np
      .array(new Int32Array(ids.map((v, i) => (mask[i] ? v : 0))), { dtype: np.int32 })
      .reshape([B, T]),
    attention_mask: np.array(new Int32Array(mask), { dtype: np.int32 }).reshape([B, T]),
    token_type_ids: np.zeros([B, T], { dtype: np.int32 }),
    labels: np.array(new Int32Array([0, 1, 1, 0]), { dtype: np.int32 }),
  };
}

function stepConfig(over: Partial<StepConfig> = {}): StepConfig {
  return {
    modelConfig: cfg,
    lossKind: "ce",
    powers: [0, 1, 2, 3],
    mode: "batched",
    loss: { kind: "cmp" },
    adamw: ADAMW_DEFAULTS,
    maxGradNorm: 1,
    jit: false,
    ...over,
  };
}

describe("variant loss table", () => {
  it("batched == sequential with the same dropout draws", async () => {
    const params = initSequenceClassifier(random.key(0), cfg, 2);
    const a = await variantLossTable(params, batch(), random.key(9), stepConfig()).data();
    const b = await variantLossTable(
      params,
      batch(),
      random.key(9),
      stepConfig({ mode: "sequential" }),
    ).data();
    expect(Array.from(a)).toBeAllclose(Array.from(b), { atol: 1e-5, rtol: 0 });
    // the ablated variants really differ from the full model
    expect(Math.abs(a[0] - a[3])).toBeGreaterThan(1e-4);
    for (const leaf of tree.leaves(params) as np.Array[]) expect(leaf.refCount).toBe(1);
    tree.dispose(params);
  });
});

describe("accumulate mode (one variant's activations at a time)", () => {
  it("gives the sequential and batched steps' loss, gradient norm and parameters", async () => {
    const once = async (mode: StepConfig["mode"], jitted: boolean) => {
      const params = initSequenceClassifier(random.key(0), cfg, 2);
      const stepper = makeTrainStep(stepConfig({ mode, jit: jitted }));
      const state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
      const r = await stepper.step(state, batch(), 1e-3);
      const leaves: number[][] = [];
      for (const x of tree.leaves(r.state.params) as np.Array[]) leaves.push(Array.from(await x.ref.data()));
      for (const leaf of tree.leaves(r.state.params) as np.Array[]) expect(leaf.refCount).toBe(1);
      stepper.dispose();
      tree.dispose(r.state as never);
      return { r, leaves };
    };
    const seq = await once("sequential", false);
    for (const [mode, jitted] of [
      ["accumulate", false],
      ["accumulate", true],
      ["batched", false],
    ] as const) {
      const other = await once(mode, jitted);
      expect(other.r.loss).toBeCloseTo(seq.r.loss, 5);
      expect(other.r.gradNorm).toBeCloseTo(seq.r.gradNorm, 4);
      expect(other.r.variantLosses).toBeAllclose(seq.r.variantLosses, { atol: 1e-5, rtol: 0 });
      other.leaves.forEach((leaf: number[], i: number) =>
        expect(leaf).toBeAllclose(seq.leaves[i], { atol: 1e-5, rtol: 0 }),
      );
    }
  });
});

describe("train step", () => {
  for (const jitted of [false, true]) {
    it(`updates params and returns per-variant losses (jit=${jitted})`, async () => {
      const params = initSequenceClassifier(random.key(0), cfg, 2);
      const stepper = makeTrainStep(stepConfig({ jit: jitted }));
      let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await stepper.step(state, batch(), 1e-3);
        state = r.state;
        losses.push(r.loss);
        expect(r.variantLosses).toHaveLength(4);
        expect(Number.isFinite(r.gradNorm)).toBe(true);
      }
      expect(state.step).toBe(5);
      expect(losses[4]).toBeLessThan(losses[0]);
      for (const leaf of tree.leaves(state.params) as np.Array[]) expect(leaf.refCount).toBe(1);
      stepper.dispose();
      tree.dispose(state as never);
    });
  }

  it("is deterministic for a seed and jit does not change the numbers", async () => {
    const run = async (jitted: boolean) => {
      const params = initSequenceClassifier(random.key(0), cfg, 2);
      const stepper = makeTrainStep(stepConfig({ jit: jitted }));
      let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await stepper.step(state, batch(), 1e-3);
        state = r.state;
        out.push(r.loss, ...r.variantLosses);
      }
      stepper.dispose();
      tree.dispose(state as never);
      return out;
    };
    const a = await run(false);
    expect(await run(false)).toEqual(a);
    expect(await run(true)).toBeAllclose(a, { atol: 1e-5, rtol: 1e-5 });
  });
});

describe("R-Drop step", () => {
  it("runs two independent dropout passes and optimises the R-Drop objective", async () => {
    const params = initSequenceClassifier(random.key(0), cfg, 2);
    const stepper = makeTrainStep(
      stepConfig({ powers: [1, 1], method: { kind: "rdrop", alpha: 1 }, jit: true }),
    );
    let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
    const r = await stepper.step(state, batch(), 1e-3);
    state = r.state;
    expect(r.variantLosses).toHaveLength(2);
    // independent masks: the two passes' task losses differ
    expect(Math.abs(r.variantLosses[0] - r.variantLosses[1])).toBeGreaterThan(1e-6);
    // the objective is at least the mean task loss (the KL term is ≥ 0)
    expect(r.loss).toBeGreaterThanOrEqual((r.variantLosses[0] + r.variantLosses[1]) / 2 - 1e-6);
    stepper.dispose();
    tree.dispose(state as never);
  });
});

describe("micro-batches (--micro-batch-size)", () => {
  // Without dropout every variant and every key gives the same numbers, so a micro-batched step must equal the
  // whole-batch step up to float rounding: the size-weighted mean of micro-batch gradients is the batch's.
  const still = presetConfig("bert-L2-H128-A2", 50, {
    max_position_embeddings: 16,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
  });
  const once = async (over: Partial<StepConfig>) => {
    const params = initSequenceClassifier(random.key(0), still, 2);
    const stepper = makeTrainStep(stepConfig({ modelConfig: still, ...over }));
    let state = { params, opt: adamwInit(params), key: random.key(1), step: 0 };
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await stepper.step(state, batch(), 1e-3);
      state = r.state;
      losses.push(r.loss, r.gradNorm, ...r.variantLosses);
    }
    const leaves: number[][] = [];
    for (const x of tree.leaves(state.params) as np.Array[]) {
      expect(x.refCount).toBe(1);
      leaves.push(Array.from(await x.ref.data()));
    }
    stepper.dispose();
    tree.dispose(state as never);
    return { losses, leaves };
  };
  const expectSame = (a: Awaited<ReturnType<typeof once>>, b: Awaited<ReturnType<typeof once>>) => {
    expect(a.losses).toBeAllclose(b.losses, { atol: 1e-5, rtol: 1e-5 });
    a.leaves.forEach((leaf, i) => expect(leaf).toBeAllclose(b.leaves[i], { atol: 1e-5, rtol: 0 }));
  };

  for (const [name, over] of [
    ["CmpDrop, batched", {}],
    ["CmpDrop, accumulate", { mode: "accumulate" }],
    ["plain", { powers: [1] }],
    ["R-Drop", { powers: [1, 1], method: { kind: "rdrop", alpha: 1 } }],
  ] as [string, Partial<StepConfig>][]) {
    it(`${name}: micro-batches of 1, of 3 (+ a remainder of 1) and jitted give the whole batch's step`, async () => {
      const whole = await once(over);
      expectSame(await once({ ...over, microBatchSize: 1 }), whole);
      expectSame(await once({ ...over, microBatchSize: 3, jit: true }), whole);
      // a micro-batch at least the batch's size is the whole-batch step itself
      expect((await once({ ...over, microBatchSize: 4 })).losses).toEqual(whole.losses);
    });
  }

  it("draws each micro-batch's dropout from its own key (with dropout on, micro-batches differ)", async () => {
    const params = initSequenceClassifier(random.key(0), cfg, 2);
    const losses = async (microBatchSize: number | null) => {
      const stepper = makeTrainStep(stepConfig({ microBatchSize }));
      const state = { params: tree.ref(params), opt: adamwInit(params), key: random.key(1), step: 0 };
      const r = await stepper.step(state, batch(), 1e-3);
      stepper.dispose();
      tree.dispose(r.state as never);
      return r.variantLosses;
    };
    const whole = await losses(null);
    const halves = await losses(2);
    expect(halves).toHaveLength(4);
    expect(Math.max(...halves.map((v, i) => Math.abs(v - whole[i])))).toBeGreaterThan(1e-5);
    expect(await losses(2)).toEqual(halves); // and reproducibly so
    tree.dispose(params);
  });
});
