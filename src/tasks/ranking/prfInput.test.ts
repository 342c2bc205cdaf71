import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evalFeedback, planFeedback } from "../../ablation/prfFeedback.js";
import { mixSeed } from "../../util/hostRng.js";
import { HfTokenizer } from "../hfTokenizer.js";
import { encodePrfInput, prefixLength, type PrfInputOptions } from "./prfInput.js";

const FIXTURE = fileURLToPath(
  new URL("../../../test/fixtures/ranking/prf-input-bert-tiny.json", import.meta.url),
);
const MODEL = fileURLToPath(new URL("../../../test/fixtures/hf/bert-tiny", import.meta.url));

interface Case {
  options: PrfInputOptions;
  query: string;
  passages: string[];
  input_ids: number[];
  token_type_ids: number[];
  ends: number[];
}

describe("encodePrfInput equals the layout built with transformers' tokenizer (SPEC §9)", async () => {
  const { cases } = JSON.parse(readFileSync(FIXTURE, "utf8")) as { cases: Case[] };
  const tokenizer = await HfTokenizer.fromFolder(MODEL);
  for (const c of cases) {
    const o = c.options;
    it(`max ${o.maxLength}, query ≤ ${o.maxQueryTokens}, passages ≤ ${o.maxPassageTokens}, ${c.ends.length - 1} passages fit`, () => {
      const enc = encodePrfInput(tokenizer, c.query, c.passages, c.options);
      expect(Array.from(enc.input_ids)).toEqual(c.input_ids);
      expect(Array.from(enc.token_type_ids)).toEqual(c.token_type_ids);
      expect(enc.ends).toEqual(c.ends);
      expect(enc.input_ids.length).toBeLessThanOrEqual(o.maxLength!);
      expect(prefixLength(enc, 0)).toBe(c.ends[0]);
      expect(prefixLength(enc, 99)).toBe(c.input_ids.length);
    });
  }
  it("covers the stop rule and truncation", () => {
    expect(cases.some((c) => c.ends.length - 1 < c.passages.length)).toBe(true);
    expect(cases.some((c) => c.ends.length === 1)).toBe(true);
  });
});

describe("planFeedback: nested feedback counts as LoL draws them", () => {
  it("draws 1 + c distinct counts from {0..K}, descending, reproducibly per seed", () => {
    const seen = new Set<string>();
    for (let q = 0; q < 200; q++) {
      const seed = mixSeed(42, 1, q);
      const plan = planFeedback(5, { nCompare: 2, seed });
      expect(plan).toEqual(planFeedback(5, { nCompare: 2, seed }));
      expect(plan.counts).toHaveLength(3);
      expect(new Set(plan.counts).size).toBe(3);
      expect([...plan.counts].sort((a, b) => b - a)).toEqual(plan.counts);
      expect(plan.counts.every((n) => n >= 0 && n <= 5)).toBe(true);
      expect(plan.order).toEqual(Array.from({ length: plan.counts[0] }, (_, i) => i));
      seen.add(plan.counts.join());
    }
    expect(seen.size).toBe(20); // all C(6, 3) sets of counts occur
  });

  it("with shuffle, reads a random sample of the top K; c = 0 is one variant; too many counts is an error", () => {
    const orders = new Set<string>();
    for (let q = 0; q < 50; q++) {
      const plan = planFeedback(5, { nCompare: 1, seed: mixSeed(7, q), shuffle: true });
      expect(plan.order).toHaveLength(plan.counts[0]);
      expect(new Set(plan.order).size).toBe(plan.order.length);
      expect(plan.order.every((i) => i >= 0 && i < 5)).toBe(true);
      orders.add(plan.order.join());
    }
    expect([...orders].some((o) => o !== [...o.split(",")].sort().join())).toBe(true);
    expect(planFeedback(3, { nCompare: 0, seed: 1 }).counts).toHaveLength(1);
    expect(() => planFeedback(1, { nCompare: 2, seed: 1 })).toThrow(/at most 2 distinct feedback counts/);
    expect(evalFeedback(3)).toEqual({ counts: [3], order: [0, 1, 2] });
  });
});
