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

  it("matches the aggregate bit for bit, an unanswered question scoring 0", () => {
    const golds = new Map<string, string[]>(FIXTURE.cases.map((c) => [c.id, c.golds]));
    for (const id of FIXTURE.unanswered) golds.set(id, ["anything"]);
    const predictions = new Map(FIXTURE.cases.map((c) => [c.id, c.prediction]));
    const got = squadEvaluate(golds, predictions);
    expect(got).toEqual({ ...FIXTURE.aggregate, missing: FIXTURE.unanswered });
  });
});
