/**
 * `cmploss retrieve` and `cmploss trec-eval` end to end: small fixtures always; BM25 on SciFact test where
 * ../shared/data/scifact exists (CC BY-NC, not bundled), compared to pytrec_eval's numbers for the same run.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBeirQrels, readRun } from "../src/tasks/ranking/formats.js";
import { trecEval } from "../src/tasks/ranking/trecEval.js";
import { cli } from "./cliProcess.js";

const FIXTURES = "test/fixtures/ranking";
const SCIFACT = "../shared/data/scifact";
const tmp = mkdtempSync(join(tmpdir(), "cmploss-retrieve-"));

describe("cmploss retrieve --bm25 on the small BEIR fixture", () => {
  it("writes a TREC run and prints the measures as JSON", () => {
    const output = join(tmp, "small.trec");
    const r = cli(
      "retrieve",
      "--task",
      "prf",
      "--data-dir",
      `${FIXTURES}/beir`,
      "--split",
      "train",
      "--bm25",
      "--output",
      output,
      "--json",
      "--dev-fraction",
      "0.34",
      "--dev-seed",
      "7",
    );
    expect(r.stderr).toMatch(/train less the held-out dev: 4 queries/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { queries: number; measures: Record<string, number>; method: string };
    expect(out.queries).toBe(4);
    expect(out.method).toBe("bm25 k1=0.9 b=0.4 lower+alnum+stop33+porter");
    expect(Object.keys(out.measures)).toEqual(["ndcg@10", "mrr@10", "recall@100", "map@1000", "recall@1000"]);
    const lines = readFileSync(output, "utf8").trim().split("\n");
    expect(lines[0]).toMatch(/^\S+ Q0 d\d 1 [0-9.e-]+ cmploss-bm25$/);
    // trec-eval on the written run gives the same numbers
    const e = cli("trec-eval", "--qrels", `${FIXTURES}/beir/qrels/train.tsv`, "--run", output, "--json");
    expect(e.code).toBe(0);
    const all = JSON.parse(e.stdout) as {
      queries: number;
      missing: number;
      measures: Record<string, number>;
    };
    expect(all.queries).toBe(6); // the whole train qrels: the 2 held-out queries are missing from the run → 0
    expect(all.missing).toBe(2);
    expect(all.measures["ndcg@10"]).toBeCloseTo((out.measures["ndcg@10"] * 4) / 6, 12);
  });

  it("refuses bad usage (exit 2) and bad data (exit 1) in one line, writing nothing", () => {
    const output = join(tmp, "never.trec");
    const both = cli(
      "retrieve",
      "--data-dir",
      `${FIXTURES}/beir`,
      "--bm25",
      "--model",
      "x",
      "--output",
      output,
    );
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe("cmploss: retrieve: expected exactly one of --bm25 or --model <encoder>");
    const split = cli(
      "retrieve",
      "--data-dir",
      `${FIXTURES}/beir`,
      "--bm25",
      "--split",
      "../x",
      "--output",
      output,
    );
    expect(split.code).toBe(2);
    expect(split.stderr.trim()).toBe(
      'cmploss: --split: expected a split name such as test, dev or train, got "../x"',
    );
    const noOut = cli("retrieve", "--data-dir", `${FIXTURES}/beir`, "--bm25");
    expect(noOut.code).toBe(2);
    const bad = mkdtempSync(join(tmpdir(), "cmploss-bad-beir-"));
    writeFileSync(join(bad, "corpus.jsonl"), '{"_id": "d1", "text": "x"}\n{"_id": "d2"}\n');
    writeFileSync(join(bad, "queries.jsonl"), '{"_id": "q1", "text": "x"}\n');
    const r = cli("retrieve", "--data-dir", bad, "--split", "train", "--bm25", "--output", output);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `cmploss: ${join(bad, "qrels", "train.tsv")}: expected the qrels of split "train", got no such file`,
    );
    mkdirSync(join(bad, "qrels"));
    writeFileSync(join(bad, "qrels", "test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
    const r2 = cli("retrieve", "--data-dir", bad, "--bm25", "--output", output);
    expect(r2.code).toBe(1);
    expect(r2.stderr.trim()).toBe(
      `cmploss: ${join(bad, "corpus.jsonl")}:2: expected "text" as a string, got no such field`,
    );
    expect(existsSync(output)).toBe(false);
    const m = cli(
      "trec-eval",
      "--qrels",
      `${FIXTURES}/beir/qrels/test.tsv`,
      "--run",
      `${FIXTURES}/run.trec`,
      "--measures",
      "ndcg@0",
    );
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--measures: expected a comma-separated list/);
  });
});

interface ScifactFixture {
  runSha256: string;
  runLines: number;
  queries: number;
  mean: Record<string, number>;
  perQuery: Record<string, Record<string, number>>;
}

describe.runIf(existsSync(join(SCIFACT, "corpus.jsonl")))(
  "BM25 on SciFact test (../shared/data/scifact)",
  () => {
    it("rebuilds the same run, within 0.03 of BEIR's nDCG@10 0.665, with pytrec_eval's measures", async () => {
      const fixture = JSON.parse(
        readFileSync(`${FIXTURES}/scifact-bm25-test.json`, "utf8"),
      ) as ScifactFixture;
      const output = join(tmp, "scifact-bm25.trec");
      const r = cli(
        "retrieve",
        "--task",
        "prf",
        "--data-dir",
        SCIFACT,
        "--split",
        "test",
        "--bm25",
        "--output",
        output,
        "--json",
      );
      expect(r.code, r.stderr).toBe(0);
      const bytes = readFileSync(output);
      expect(bytes.toString().split("\n").length - 1).toBe(fixture.runLines);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(fixture.runSha256);
      const printed = (JSON.parse(r.stdout) as { measures: Record<string, number> }).measures;
      expect(Math.abs(printed["ndcg@10"] - 0.665)).toBeLessThan(0.03);
      const run = await readRun(output);
      const qrels = await readBeirQrels(join(SCIFACT, "qrels", "test.tsv"));
      const ours = trecEval(qrels, run, Object.keys(fixture.mean));
      expect(ours.perQuery.size).toBe(fixture.queries);
      for (const [m, v] of Object.entries(fixture.mean)) {
        expect(printed[m], m).toBeCloseTo(v, 12);
        expect(ours.mean[m], m).toBeCloseTo(v, 12);
      }
      for (const [q, row] of Object.entries(fixture.perQuery))
        for (const [m, v] of Object.entries(row))
          expect(ours.perQuery.get(q)![m], `${q} ${m}`).toBeCloseTo(v, 12);
    }, 60_000);
  },
);
