import { describe, expect, it } from "vitest";
import { EVAL_KEEP, applyCrop, cropLevels, planCrops, type ContextUnit, type UnitAnswer } from "./cmpCrop.js";
import { hostRng, shuffled, type HostRng } from "../util/hostRng.js";

/** A random context: `n` units, some relevant, each relevant unit holding one answer. */
function randomExample(rng: HostRng, n: number): { units: ContextUnit[]; answers: UnitAnswer[] } {
  const units: ContextUnit[] = [];
  const answers: UnitAnswer[] = [];
  const nRelevant = 1 + Math.floor(rng() * Math.min(3, n));
  const relevant = new Set(shuffled([...Array(n).keys()], rng).slice(0, nRelevant));
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 1 + Math.floor(rng() * 8) }, (_, w) => `u${i}w${w}`);
    const text = words.join(" ");
    units.push({ text, relevant: relevant.has(i) });
    if (relevant.has(i)) {
      const w = Math.floor(rng() * words.length);
      const start = text.indexOf(`u${i}w${w}`);
      answers.push({ unit: i, start, end: start + `u${i}w${w}`.length });
    }
  }
  return { units, answers };
}

const isSubset = (a: number[], b: number[]) => a.every((i) => b.includes(i));

describe("planCrops (property tests over random seeds and sizes)", () => {
  it("nests, keeps every relevant unit, and is deterministic per seed (train)", () => {
    const gen = hostRng(2024);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(gen() * 14);
      const levels = Math.floor(gen() * 6);
      const seed = Math.floor(gen() * 2 ** 32);
      const { units } = randomExample(gen, n);
      const nIrr = units.filter((u) => !u.relevant).length;
      const plan = planCrops(units, { mode: "train", levels, seed });
      expect(plan).toEqual(planCrops(units, { mode: "train", levels, seed }));
      expect(plan.kept).toHaveLength(levels);
      const all = [...Array(n).keys()];
      plan.kept.forEach((kept, k) => {
        const before = k === 0 ? all : plan.kept[k - 1];
        expect(isSubset(kept, before)).toBe(true);
        units.forEach((u, i) => {
          if (u.relevant) expect(kept).toContain(i);
        });
        expect(kept).toEqual([...kept].sort((a, b) => a - b));
        expect(kept.length - (n - nIrr)).toBe(plan.counts[k]);
      });
      // Counts come from {0 … #irrelevant − 1}: strictly decreasing when there are enough distractors,
      // otherwise #irr − 1, …, 0 then zeros (the reference's fallback).
      for (const c of plan.counts) expect(c).toBeLessThanOrEqual(Math.max(0, nIrr - 1));
      for (let k = 1; k < levels; k++) {
        if (nIrr >= levels) expect(plan.counts[k]).toBeLessThan(plan.counts[k - 1]);
        else expect(plan.counts[k]).toBe(Math.max(0, nIrr - 1 - k));
      }
    }
  });

  it("draws different crops for different seeds", () => {
    const units: ContextUnit[] = Array.from({ length: 10 }, (_, i) => ({ text: `p${i}`, relevant: i === 3 }));
    const plans = new Set(
      Array.from({ length: 20 }, (_, s) =>
        JSON.stringify(planCrops(units, { mode: "train", levels: 2, seed: s })),
      ),
    );
    expect(plans.size).toBeGreaterThan(10);
  });

  it("keeps every count with roughly equal frequency over seeds (uniform draw)", () => {
    const units: ContextUnit[] = Array.from({ length: 6 }, (_, i) => ({ text: `p${i}`, relevant: i === 0 }));
    const hist = [0, 0, 0, 0, 0];
    const trials = 5000;
    for (let s = 0; s < trials; s++)
      hist[planCrops(units, { mode: "train", levels: 1, seed: s }).counts[0]]++;
    for (const h of hist) expect(Math.abs(h / trials - 0.2)).toBeLessThan(0.03);
  });

  it("uses the given eval counts, clamped, on the first irrelevant units in order", () => {
    const units: ContextUnit[] = Array.from({ length: 9 }, (_, i) => ({
      text: `p${i}`,
      relevant: i === 2 || i === 7,
    }));
    const plan = planCrops(units, { mode: "eval", levels: 4 });
    expect(plan.counts).toEqual([...EVAL_KEEP]);
    // Irrelevant units in order: 0, 1, 3, 4, 5, 6, 8.
    expect(plan.kept).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 4, 7],
      [0, 1, 2, 7],
      [2, 7],
    ]);
    const few = units.slice(0, 5); // 4 irrelevant units
    expect(planCrops(few, { mode: "eval", levels: 3 }).counts).toEqual([4, 4, 2]);
    expect(planCrops(units, { mode: "eval", levels: 2, keep: [3, 1] }).kept).toEqual([
      [0, 1, 2, 3, 7],
      [0, 2, 7],
    ]);
  });

  it("rejects bad levels and eval counts that cannot nest", () => {
    const units: ContextUnit[] = [{ text: "a", relevant: true }];
    expect(() => planCrops(units, { mode: "train", levels: -1, seed: 0 })).toThrow(RangeError);
    expect(() => planCrops(units, { mode: "eval", levels: 5 })).toThrow(/at least levels = 5/);
    expect(() => planCrops(units, { mode: "eval", levels: 2, keep: [2, 4] })).toThrow(/non-increasing/);
  });
});

describe("applyCrop", () => {
  it("remaps answers so the answer text is unchanged (random property)", () => {
    const gen = hostRng(99);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(gen() * 12);
      const { units, answers } = randomExample(gen, n);
      const levels = Math.floor(gen() * 5);
      const sep = trial % 2 === 0 ? "\n\n" : " | ";
      const variants = cropLevels(units, answers, { mode: "train", levels, seed: trial }, sep);
      expect(variants).toHaveLength(levels + 1);
      expect(variants[0].text).toBe(units.map((u) => u.text).join(sep));
      for (const v of variants) {
        v.answers.forEach((a, j) => {
          const src = answers[j];
          expect(v.text.slice(a.start, a.end)).toBe(units[src.unit].text.slice(src.start, src.end));
        });
        v.units.forEach((i, j) => {
          expect(v.text.slice(v.unitSpans[j].start, v.unitSpans[j].end)).toBe(units[i].text);
        });
        expect(v.text).toBe(v.units.map((i) => units[i].text).join(sep));
      }
    }
  });

  it("never cuts the gold answer: throws if the answer's unit is dropped", () => {
    const units: ContextUnit[] = [
      { text: "alpha", relevant: false },
      { text: "beta gamma", relevant: true },
    ];
    expect(() => applyCrop(units, [0], [{ unit: 1, start: 5, end: 10 }])).toThrow(/gold is never cropped/);
    expect(applyCrop(units, [1], [{ unit: 1, start: 5, end: 10 }]).answers).toEqual([
      { unit: 1, start: 5, end: 10 },
    ]);
    expect(applyCrop(units, [0, 1], [{ unit: 1, start: 5, end: 10 }], "\n\n").answers).toEqual([
      { unit: 1, start: 12, end: 17 },
    ]);
  });

  it("rejects unordered indices and spans outside the unit", () => {
    const units: ContextUnit[] = [
      { text: "a", relevant: false },
      { text: "bb", relevant: true },
    ];
    expect(() => applyCrop(units, [1, 0], [])).toThrow(/ascending/);
    expect(() => applyCrop(units, [2], [])).toThrow(RangeError);
    expect(() => applyCrop(units, [1], [{ unit: 1, start: 1, end: 3 }])).toThrow(/within unit 1/);
  });
});
