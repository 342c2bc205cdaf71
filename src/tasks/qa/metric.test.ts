import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { exactMatchScore, f1Score, maxOverGroundTruths, normalizeAnswer, squadEvaluate } from "./metric.js";

/** From an independent Python evaluate-v1.1: dev/python/qa/squad_eval_fixture.py. */
const FIXTURE = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../../test/fixtures/qa/squad_metric.json", import.meta.url)),
    "utf8",
  ),
) as {
  cases: {
    id: string;
    prediction: string;
    golds: string[];
    normalized: string;
    exact_match: number;
    f1: number;
  }[];
  unanswered: string[];
  aggregate: { exact_match: number; f1: number; total: number };
};

describe("SQuAD v1.1 metric", () => {
  it("matches the Python reference on every tricky pair exactly", () => {
    for (const c of FIXTURE.cases) {
      const got = {
        normalized: normalizeAnswer(c.prediction),
        exact_match: maxOverGroundTruths(exactMatchScore, c.prediction, c.golds),
        f1: maxOverGroundTruths(f1Score, c.prediction, c.golds),
      };
      expect({ id: c.id, ...got }).toEqual({
        id: c.id,
        normalized: c.normalized,
        exact_match: c.exact_match,
        f1: c.f1,
      });
    }
  });

  it("matches the aggregate (the script's percent as a fraction), an unanswered question scoring 0", () => {
    const golds = new Map<string, string[]>(FIXTURE.cases.map((c) => [c.id, c.golds]));
    for (const id of FIXTURE.unanswered) golds.set(id, ["anything"]);
    const predictions = new Map(FIXTURE.cases.map((c) => [c.id, c.prediction]));
    const { exact_match, f1, ...rest } = squadEvaluate(golds, predictions);
    expect(rest).toEqual({ total: FIXTURE.aggregate.total, missing: FIXTURE.unanswered });
    expect(100 * exact_match).toBeCloseTo(FIXTURE.aggregate.exact_match, 12);
    expect(100 * f1).toBeCloseTo(FIXTURE.aggregate.f1, 12);
    expect(FIXTURE.aggregate.f1).toBeGreaterThan(1); // the script's scale is percent: a fraction must differ
  });

  it("scores on the 0–1 scale of every other metric: all right is 1, not 100", () => {
    const golds = new Map([
      ["a", ["Denver Broncos"]],
      ["b", ["1937"]],
    ]);
    const all = squadEvaluate(
      golds,
      new Map([
        ["a", "the Denver Broncos"],
        ["b", "1937"],
      ]),
    );
    expect([all.exact_match, all.f1]).toEqual([1, 1]);
    const half = squadEvaluate(
      golds,
      new Map([
        ["a", "Denver"],
        ["b", "1937"],
      ]),
    );
    expect(half.exact_match).toBe(0.5);
    expect(half.f1).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });
});
