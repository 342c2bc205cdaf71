/**
 * docs/results/prf-scifact/ndcg-by-feedback.svg: test nDCG@10 per feedback count, mean over the archived seeds,
 * for λ_cr = 0 and λ_cr = 1, beside the base dense retriever and BM25 (docs/RESULTS.md, "Ranking: PRF").
 * Run: npx tsx scripts/prf-seeds-plot.ts
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chartSvg } from "../src/train/plot.js";

const dir = "docs/results/prf-scifact";
type Row = { nPrf: number; scores: Record<string, number> };
const byLambda = new Map<string, Row[][]>();
for (const name of readdirSync(dir)
  .filter((n) => /^prf-s\d+-l[01]$/.test(n))
  .sort()) {
  const lambda = name.slice(name.lastIndexOf("-l") + 2);
  const rows = JSON.parse(readFileSync(join(dir, name, "prf-curve.json"), "utf8")) as Row[];
  byLambda.set(lambda, [...(byLambda.get(lambda) ?? []), rows]);
}
const mean = (runs: Row[][], k: number) =>
  runs.reduce((s, r) => s + r.find((x) => x.nPrf === k)!.scores["ndcg@10"], 0) / runs.length;
const ks = [0, 1, 2, 3];
const measure = (file: string) =>
  (JSON.parse(readFileSync(join(dir, file), "utf8")) as { measures: Record<string, number> }).measures[
    "ndcg@10"
  ];
const dense = measure("dense-test.json");
const bm25 = measure("bm25-test.json");
const series = [...byLambda].map(([lambda, runs], i) => ({
  name: `PRF λ_cr = ${lambda} (mean of ${runs.length} seeds)`,
  color: ["#1f77b4", "#d62728"][i],
  points: ks.map((k) => [k, mean(runs, k)] as [number, number]),
}));
series.push({ name: "base dense retriever", color: "#7f7f7f", points: ks.map((k) => [k, dense]) });
series.push({ name: "BM25", color: "#2ca02c", points: ks.map((k) => [k, bm25]) });
const out = join(dir, "ndcg-by-feedback.svg");
writeFileSync(
  out,
  chartSvg("SciFact test nDCG@10 by feedback passages", series, "feedback passages k") + "\n",
);
console.log(`wrote ${out}`);
