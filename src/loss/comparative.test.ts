import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, jit, numpy as np } from "@jax-js/jax";
import {
  comparativeLoss,
  dummyEffect,
  listMle,
  pairwiseHinge,
  primaryLoss,
  type ComparativeLossOptions,
} from "./index.js";

interface FixtureCase {
  options: ComparativeLossOptions;
  value: number[];
  grad: number[][];
}
interface FixtureTable {
  name: string;
  losses: number[][];
  cases: FixtureCase[];
}

// Golden values: dev/python/gen_loss_fixtures.py (independent float64 numpy restatement of SPEC §2–5 with
// hand-derived gradients, self-checked there by finite differences).
const fixture = JSON.parse(
  readFileSync(new URL("../../test/fixtures/loss.json", import.meta.url), "utf8"),
) as {
  tables: FixtureTable[];
};
const cases = fixture.tables.flatMap((t) =>
  t.cases.map((c) => ({ ...c, losses: t.losses, name: `${t.name} ${JSON.stringify(c.options)}` })),
);
const table = (name: string): number[][] => fixture.tables.find((t) => t.name === name)!.losses;

async function lossGrad(losses: number[][], options: ComparativeLossOptions): Promise<Float32Array> {
  const g = grad((l: np.Array) => comparativeLoss(l, options).sum())(np.array(losses));
  return (await g.data()) as Float32Array;
}

describe("comparativeLoss against the Python fixtures", () => {
  it("covers every mode on n = 1, 2, 3, 4, 5", () => {
    expect(cases.length).toBe(456);
    expect(new Set(fixture.tables.map((t) => t.losses[0].length))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  it.each(cases)("$name", async ({ losses, options, value, grad: expected }) => {
    const out = comparativeLoss(np.array(losses), options);
    expect(out.shape).toEqual([losses.length]);
    expect(await out.data()).toBeAllclose(value, { atol: 1e-5 });
    expect(await lossGrad(losses, options)).toBeAllclose(expected, { atol: 1e-5 });
  });
});

describe("comparativeLoss gradient by finite differences", () => {
  // A table without ties or zero losses: the loss is differentiable there, so central differences converge
  // whatever the tie rule. Its batch-mean primaries are ≥ 0.07 from 1.1, so a step never flips the schedule.
  const losses = table("n4_mixed");
  const settings: ComparativeLossOptions[] = [
    { kind: "cmp" },
    { kind: "cmp", listwise: true, temperature: 0.5 },
    { kind: "regulariser", primary: "avg", weight: 0.5, listwise: true },
    { kind: "regulariser", primary: "first", weight: 0.5, schedule: true, temperature: 0.5 },
  ];

  it.each(settings.map((o) => ({ o, name: JSON.stringify(o) })))("$name", async ({ o }) => {
    const h = 1e-3;
    const total = async (l: number[][]) => (await comparativeLoss(np.array(l), o).sum().data())[0];
    const numeric: number[] = [];
    for (let r = 0; r < losses.length; r++) {
      for (let c = 0; c < losses[r].length; c++) {
        const up = losses.map((row) => row.slice());
        const down = losses.map((row) => row.slice());
        up[r][c] += h;
        down[r][c] -= h;
        numeric.push(((await total(up)) - (await total(down))) / (2 * h));
      }
    }
    expect(await lossGrad(losses, o)).toBeAllclose(numeric, { atol: 2e-3, rtol: 1e-3 });
  });
});

describe("comparativeLoss formulas", () => {
  it("ultra pairwise equals the hand formula for c = 1, 2, 4 ablations", async () => {
    // (1/P)·[Σ_{i<j≤c} max(0, (l_i − l_j)/T) + Σ_i max(0, l_i/T)], P = (c+2)(c+1)/2 (SPEC §2–3, b = 0).
    const rows = [
      [0.3, 0.2, 0.9, 1.7, 0.05],
      [1.2, 0.4, 0.4, 0.1, 2.0],
      [0.0, 0.6, 0.35, 0.8, 0.8],
    ];
    for (const c of [1, 2, 4]) {
      for (const temperature of [1, 0.25]) {
        const l = rows.map((row) => row.slice(0, c + 1));
        const expected = l.map((row) => {
          let sum = row.reduce((acc, li) => acc + Math.max(0, li / temperature), 0);
          for (let i = 0; i <= c; i++) {
            for (let j = i + 1; j <= c; j++) sum += Math.max(0, (row[i] - row[j]) / temperature);
          }
          return sum / (((c + 2) * (c + 1)) / 2);
        });
        expect(await comparativeLoss(np.array(l), { kind: "cmp", temperature }).data()).toBeAllclose(
          expected,
        );
      }
    }
  });

  it("n = 1 is the plain task loss for every mode", async () => {
    const l = [[0.7], [0.0], [2.5]];
    const settings: ComparativeLossOptions[] = [
      { kind: "cmp" },
      { kind: "cmp", target: "first" },
      { kind: "cmp", target: "best", listwise: true, temperature: 0.1 },
      { kind: "regulariser", primary: "avg", weight: 0.5, schedule: true },
    ];
    for (const o of settings) {
      expect(await comparativeLoss(np.array(l), o).data()).toBeAllclose([0.7, 0, 2.5]);
      expect(await lossGrad(l, o)).toBeAllclose([1, 1, 1]);
    }
  });

  it("best and first dummies take no gradient, and a tie with the dummy passes it", async () => {
    // s = [−0.3, −0.8]; best: dummy −0.3 ties model 0: pairs (0,1) 0, (0,d) 0, (1,d) 0.5 → 0.5/3.
    const l = [[0.3, 0.8]];
    expect(await comparativeLoss(np.array(l), { kind: "cmp", target: "best" }).data()).toBeAllclose([
      0.5 / 3,
    ]);
    // ∂/∂l_i of max(0, s_d − s_i) is +1/(P·T) when active; the tied pair (0, d) counts as active.
    expect(await lossGrad(l, { kind: "cmp", target: "best" })).toBeAllclose([[1 / 3, 1 / 3]]);
    // first with s0 = −0.3 > s* = −0.8: dummy (−0.3 − 0.8)/2 = −0.55: pairs (0,d) 0, (1,d) 0.25 → 0.25/3.
    expect(await comparativeLoss(np.array(l), { kind: "cmp", target: "first" }).data()).toBeAllclose([
      0.25 / 3,
    ]);
    expect(await lossGrad(l, { kind: "cmp", target: "first" })).toBeAllclose([[0, 1 / 3]]);
  });

  it("schedule drops the regulariser only while the batch-mean primary exceeds 1.1", async () => {
    const o: ComparativeLossOptions = { kind: "regulariser", primary: "first", weight: 1, schedule: true };
    // l0 mean 0.5: R kept; row R = mean of max(0, l_i − l_j) over 1 pair.
    expect(await comparativeLoss(np.array([[0.5, 0.2]]), o).data()).toBeAllclose([0.5 + 0.3]);
    // l0 mean 1.5: R dropped for the whole batch.
    expect(await comparativeLoss(np.array([[1.5, 0.2]]), o).data()).toBeAllclose([1.5]);
    expect(await comparativeLoss(np.array([[1.5, 0.2]]), { ...o, schedule: false }).data()).toBeAllclose([
      2.8,
    ]);
  });

  it("gives the same values under jit", async () => {
    const l = table("n5");
    const settings: ComparativeLossOptions[] = [
      { kind: "cmp", target: "first", listwise: true },
      { kind: "regulariser", primary: "max", weight: 0.5, schedule: true, temperature: 0.5 },
    ];
    for (const o of settings) {
      const f = jit((x: np.Array) => comparativeLoss(x, o));
      const eager = await comparativeLoss(np.array(l), o).data();
      expect(await f(np.array(l)).data()).toBeAllclose(eager);
      f.dispose();
    }
  });
});

describe("ranking pieces", () => {
  it("pairwiseHinge averages over pairs and is 0 for one model", async () => {
    // pairs (0,1): max(0, 2−1) = 1, (0,2): 0, (1,2): 0 → 1/3
    expect(await pairwiseHinge(np.array([[1, 2, 0]])).data()).toBeAllclose([1 / 3]);
    expect(await pairwiseHinge(np.array([[4], [5]])).data()).toBeAllclose([0, 0]);
  });

  it("listMle matches log-sum-exp by hand and stays finite for far-apart effects", async () => {
    const a = 0.2;
    const b = -1.3;
    const c = 0.7;
    const lse = (...x: number[]) => Math.log(x.reduce((acc, v) => acc + Math.exp(v), 0));
    expect(await listMle(np.array([[a, b, c]])).data()).toBeAllclose([lse(a, b, c) - a + lse(b, c) - b]);
    // One global max shift would underflow the suffix e^{−200} + e^{−400} in float32; per-suffix log-sum-exp
    // gives lse(0, −200, −400) − 0 + lse(−200, −400) + 200 ≈ 0.
    expect(await listMle(np.array([[0, -200, -400]])).data()).toBeAllclose([0], { atol: 1e-4 });
    expect(await listMle(np.array([[3], [1]])).data()).toBeAllclose([0, 0]);
  });

  it("dummyEffect gives ultra 0, best max and first the midpoint or s*", async () => {
    const s = [
      [-0.2, -0.5, -0.4],
      [-0.9, -0.1, -0.6],
      [-0.3, -0.3, -0.7],
    ];
    expect(await dummyEffect(np.array(s)).data()).toBeAllclose([0, 0, 0]);
    expect(await dummyEffect(np.array(s), "best").data()).toBeAllclose([-0.2, -0.1, -0.3]);
    // row 0: s0 > s* → (−0.2 − 0.4)/2; row 1: s* = −0.1; row 2: tie s0 = s* → s* (strict >).
    expect(await dummyEffect(np.array(s), "first").data()).toBeAllclose([-0.3, -0.1, -0.3]);
    expect(() => dummyEffect(np.array([[0.1]]), "first")).toThrow(RangeError);
  });

  it("primaryLoss max sends the gradient to the first maximal column", async () => {
    const g = grad((l: np.Array) => primaryLoss(l).sum())(np.array([[0.2, 1.4, 0.7, 1.4]]));
    expect(await g.data()).toBeAllclose([0, 1, 0, 0]);
    expect(await primaryLoss(np.array([[0.2, 1.4, 0.7]]), "avg").data()).toBeAllclose([0.7666667]);
    expect(await primaryLoss(np.array([[0.2, 1.4, 0.7]]), "last").data()).toBeAllclose([0.7]);
  });
});

describe("comparativeLoss ownership and validation", () => {
  it("consumes losses and nothing else", async () => {
    const l = np.array([
      [0.3, 0.5],
      [0.2, 0.1],
    ]);
    const out = comparativeLoss(l.ref, { kind: "regulariser", primary: "max", weight: 0.5, schedule: true });
    expect(l.refCount).toBe(1);
    await out.data();
    comparativeLoss(l).dispose();
    expect(l.refCount).toBe(0);
  });

  const bad: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "a number",
      () => comparativeLoss(3 as unknown as np.Array),
      TypeError,
      /expected losses to be a jax-js array/,
    ],
    [
      "rank 1",
      () => comparativeLoss(np.array([1, 2, 3, 4])),
      Error,
      /^comparativeLoss: expected losses of shape \[B, n\], got \[4\]$/,
    ],
    [
      "n = 0",
      () => comparativeLoss(np.zeros([4, 0])),
      Error,
      /shape \[B, n\] with both sizes ≥ 1, got \[4, 0\]/,
    ],
    [
      "int32",
      () => comparativeLoss(np.array([[1, 2]], { dtype: np.int32 })),
      TypeError,
      /float dtype, got int32/,
    ],
    [
      "temperature 0",
      () => comparativeLoss(np.ones([2, 2]), { kind: "cmp", temperature: 0 }),
      RangeError,
      /temperature > 0/,
    ],
    [
      "temperature NaN",
      () => comparativeLoss(np.ones([2, 2]), { kind: "cmp", temperature: NaN }),
      RangeError,
      /got NaN/,
    ],
    [
      "temperature string",
      () => comparativeLoss(np.ones([2, 2]), { kind: "cmp", temperature: "1" as unknown as number }),
      TypeError,
      /temperature to be a number, got string/,
    ],
    [
      "unknown target",
      () => comparativeLoss(np.ones([2, 2]), { kind: "cmp", target: "worst" as "best" }),
      RangeError,
      /target to be "ultra" \| "best" \| "first", got "worst"/,
    ],
    [
      "unknown primary",
      () => comparativeLoss(np.ones([2, 2]), { kind: "regulariser", primary: "fst" as "first", weight: 1 }),
      RangeError,
      /primary/,
    ],
    [
      "negative weight",
      () => comparativeLoss(np.ones([2, 2]), { kind: "regulariser", primary: "max", weight: -1 }),
      RangeError,
      /weight ≥ 0/,
    ],
    [
      "regulariser without weight",
      () =>
        comparativeLoss(np.ones([2, 2]), {
          kind: "regulariser",
          primary: "max",
        } as unknown as ComparativeLossOptions),
      TypeError,
      /weight to be a number, got undefined/,
    ],
    [
      "non-boolean listwise",
      () => comparativeLoss(np.ones([2, 2]), { kind: "cmp", listwise: 1 as unknown as boolean }),
      TypeError,
      /listwise to be a boolean/,
    ],
    [
      "no kind",
      () => comparativeLoss(np.ones([2, 2]), { temperature: 2 } as unknown as ComparativeLossOptions),
      TypeError,
      /kind to be "cmp" \| "regulariser", got undefined/,
    ],
    [
      "unknown kind",
      () => comparativeLoss(np.ones([2, 2]), { kind: "justCmp" } as unknown as ComparativeLossOptions),
      RangeError,
      /kind to be "cmp" \| "regulariser", got "justCmp"/,
    ],
    [
      "weight with cmp",
      () =>
        comparativeLoss(np.ones([2, 2]), { kind: "cmp", weight: 0.5 } as unknown as ComparativeLossOptions),
      Error,
      /options of kind "cmp" among kind, target, temperature, listwise, got "weight" \(weight only with kind "regulariser"\)/,
    ],
    [
      "schedule with cmp",
      () =>
        comparativeLoss(np.ones([2, 2]), {
          kind: "cmp",
          schedule: true,
          primary: "avg",
        } as unknown as ComparativeLossOptions),
      Error,
      /got "schedule", "primary" \(schedule, primary only with kind "regulariser"\)/,
    ],
    [
      "target with regulariser",
      () =>
        comparativeLoss(np.ones([2, 2]), {
          kind: "regulariser",
          primary: "max",
          weight: 1,
          target: "first",
        } as unknown as ComparativeLossOptions),
      Error,
      /options of kind "regulariser" among .*got "target" \(target only with kind "cmp"\)/,
    ],
    [
      "the old justCmp flag",
      () =>
        comparativeLoss(np.ones([2, 2]), { kind: "cmp", justCmp: true } as unknown as ComparativeLossOptions),
      Error,
      /got "justCmp"$/,
    ],
    [
      "unknown key",
      () =>
        comparativeLoss(np.ones([2, 2]), { kind: "cmp", temprature: 2 } as unknown as ComparativeLossOptions),
      Error,
      /got "temprature"/,
    ],
    [
      "null options",
      () => comparativeLoss(np.ones([2, 2]), null as unknown as ComparativeLossOptions),
      TypeError,
      /options/,
    ],
  ];

  it.each(bad)("rejects %s", (_name, call, kind, message) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(kind);
    if (kind === Error) expect((thrown as Error).constructor).toBe(Error);
    expect((thrown as Error).message).toMatch(message);
  });

  it("disposes losses when it throws", () => {
    const l = np.ones([2, 2]);
    expect(() => comparativeLoss(l, { kind: "cmp", temperature: -1 })).toThrow(RangeError);
    expect(l.refCount).toBe(0);
  });

  it("accepts defaults spelled out in either mode", async () => {
    const l = [[0.3, 0.5]];
    const ranking = { temperature: 1, listwise: false } as const;
    expect(
      await comparativeLoss(np.array(l), { kind: "cmp", target: "ultra", ...ranking }).data(),
    ).toBeAllclose([(0.3 + 0.5) / 3]);
    const regulariser = {
      kind: "regulariser",
      primary: "max",
      weight: 0,
      schedule: false,
      ...ranking,
    } as const;
    expect(await comparativeLoss(np.array(l), regulariser).data()).toBeAllclose([0.5]);
  });

  it("cannot be written with a setting of the other mode (type-checked by tsc --noEmit)", () => {
    const inert: ComparativeLossOptions[] = [
      // @ts-expect-error a dummy target exists only for kind "cmp"
      { kind: "regulariser", primary: "avg", weight: 1, target: "best" },
      // @ts-expect-error the regulariser's weight has no meaning without it
      { kind: "cmp", weight: 0.5 },
      // @ts-expect-error nor has its schedule
      { kind: "cmp", schedule: true },
      // @ts-expect-error a regulariser needs its primary loss and weight
      { kind: "regulariser" },
      // @ts-expect-error the boolean the union replaced
      { justCmp: false, primary: "avg", weight: 1 },
    ];
    for (const o of inert)
      expect(() => comparativeLoss(np.ones([2, 2]), o)).toThrow(/comparativeLoss: expected/);
  });
});
