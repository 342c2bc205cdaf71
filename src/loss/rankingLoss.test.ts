import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { grad, numpy as np } from "@jax-js/jax";
import { describe, expect, it } from "vitest";
import { lowestRelevantCrossEntropy } from "./rankingLoss.js";

const FIXTURE = fileURLToPath(new URL("../../test/fixtures/ranking/ranking-loss.json", import.meta.url));
const f = JSON.parse(readFileSync(FIXTURE, "utf8")) as {
  scores: number[][];
  relevant: number[][];
  loss: number[];
  gradSum: number[][];
};

describe("lowestRelevantCrossEntropy equals torch (dev/python/ranking/make_ranking_loss_fixture.py)", () => {
  it("per-row loss, with ties among the relevant documents", async () => {
    const loss = lowestRelevantCrossEntropy(np.array(f.scores), np.array(f.relevant, { dtype: np.int32 }));
    expect(loss.shape).toEqual([f.scores.length]);
    expect(await loss.data()).toBeAllclose(f.loss, { atol: 1e-4, rtol: 1e-5 });
  });

  it("gradient of the summed loss", async () => {
    const rel = np.array(f.relevant, { dtype: np.int32 });
    const g = grad((s: np.Array) => lowestRelevantCrossEntropy(s, rel.ref).sum())(np.array(f.scores));
    rel.dispose();
    expect(await g.data()).toBeAllclose(f.gradSum.flat(), { atol: 1e-5, rtol: 1e-4 });
  });

  it("rejects mismatched shapes", () => {
    expect(() => lowestRelevantCrossEntropy(np.zeros([2, 3]), np.zeros([2, 4]))).toThrow(/same shape/);
  });
});
