import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Qrels, Run } from "./formats.js";
import { compareIds, trecEval, trecOrder } from "./trecEval.js";

interface Case {
  name: string;
  relevanceLevel: number;
  qrels: Record<string, Record<string, number>>;
  run: Record<string, Record<string, number>>;
  perQuery: Record<string, Record<string, number>>;
  mean: Record<string, number>;
}

const FIXTURE = fileURLToPath(
  new URL("../../../test/fixtures/ranking/trec-eval-parity.json", import.meta.url),
);
const { cases } = JSON.parse(readFileSync(FIXTURE, "utf8")) as { cases: Case[] };

const toQrels = (q: Case["qrels"]): Qrels =>
  new Map(Object.entries(q).map(([k, v]) => [k, new Map(Object.entries(v))]));
/** The run in a shuffled file order: trec_eval's own sort must decide. */
const toRun = (r: Case["run"]): Run =>
  new Map(
    Object.entries(r).map(([k, v]) => [
      k,
      Object.entries(v)
        .map(([docId, score]) => ({ docId, score }))
        .reverse(),
    ]),
  );

const MEASURES = [
  "ndcg@10",
  "ndcg@5",
  "recall@5",
  "recall@100",
  "recall@1000",
  "map@5",
  "map@1000",
  "p@10",
  "mrr@10",
];

describe("trecEval equals pytrec_eval (fixtures from dev/python/ranking/make_trec_eval_fixtures.py)", () => {
  it("has the cases the harness builds", () => {
    expect(cases.length).toBe(6);
    const ties = cases.some((c) =>
      Object.values(c.run).some((docs) => new Set(Object.values(docs)).size < Object.keys(docs).length),
    );
    expect(ties).toBe(true);
  });

  for (const c of cases) {
    it(c.name, () => {
      const result = trecEval(toQrels(c.qrels), toRun(c.run), [...MEASURES, "mrr@100000"], c.relevanceLevel);
      expect([...result.perQuery.keys()].sort()).toEqual(Object.keys(c.perQuery).sort());
      for (const [qid, expected] of Object.entries(c.perQuery)) {
        const got = result.perQuery.get(qid)!;
        for (const m of MEASURES) expect(got[m], `${qid} ${m}`).toBeCloseTo(expected[m], 12);
        // uncut recip_rank: the first relevant document over the whole run
        expect(got["mrr@100000"], `${qid} recip_rank`).toBeCloseTo(expected.recip_rank, 12);
      }
      for (const m of MEASURES) expect(result.mean[m], `mean ${m}`).toBeCloseTo(c.mean[m], 12);
      expect(result.missing).toBe(Object.keys(c.qrels).filter((q) => !(q in c.run)).length);
    });
  }
});

describe("trec_eval's order", () => {
  it("sorts by score descending, ties by document id descending as strings", () => {
    const order = trecOrder([
      { docId: "d2", score: 1 },
      { docId: "d10", score: 1 },
      { docId: "d1", score: 1 },
      { docId: "z", score: 0.5 },
      { docId: "a", score: 3 },
    ]).map((e) => e.docId);
    expect(order).toEqual(["a", "d2", "d10", "d1", "z"]);
  });

  it("compares ids by code point, as strcmp on UTF-8", () => {
    expect(compareIds("\u{1F600}", "\uFFFD")).toBe(1); // UTF-16 code units would say −1
    expect(compareIds("ab", "a")).toBe(1);
    expect(compareIds("a", "a")).toBe(0);
  });
});
