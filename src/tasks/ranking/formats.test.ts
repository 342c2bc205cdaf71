import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { holdOutQueries, loadRankingData } from "./data.js";
import {
  formatTrecRun,
  readBeirCorpus,
  readBeirQrels,
  readBeirQueries,
  readRun,
  readTrecQrels,
  type Run,
} from "./formats.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/ranking/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const tmp = mkdtempSync(join(tmpdir(), "cmploss-rank-"));
let n = 0;
function file(text: string): string {
  const path = join(tmp, `f${n++}`);
  writeFileSync(path, text);
  return path;
}

async function dataError(p: Promise<unknown>): Promise<DataError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  expect((err as Error).message).not.toMatch(/[\n\r]/);
  return err as DataError;
}

describe("BEIR readers", () => {
  it("read corpus, queries and qrels (missing title → empty, extra fields ignored)", async () => {
    const corpus = await readBeirCorpus(fixture("beir/corpus.jsonl"));
    expect(corpus).toHaveLength(5);
    expect(corpus[0]).toEqual({ id: "d1", title: "Cats", text: "Cats sleep a lot; cats purr." });
    expect(corpus[4].title).toBe("");
    const queries = await readBeirQueries(fixture("beir/queries.jsonl"));
    expect(queries.get("q1")).toBe("why do cats purr");
    const qrels = await readBeirQrels(fixture("beir/qrels/train.tsv"));
    expect(qrels.size).toBe(6);
    expect([...qrels.get("q2")!]).toEqual([
      ["d2", 2],
      ["d5", 1],
    ]);
  });

  it("name the file, the line and what was expected for bad lines", async () => {
    const f1 = file('{"_id": "a", "text": "x"}\n{"_id": "b", "text": 3}\n');
    expect((await dataError(readBeirCorpus(f1))).message).toBe(
      `${f1}:2: expected "text" as a string, got "3"`,
    );
    const f2 = file('{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}\n');
    expect((await dataError(readBeirCorpus(f2))).message).toBe(
      `${f2}:2: expected a new document id, got "a" again (first on line 1)`,
    );
    const f3 = file('{"_id": "a b", "text": "x"}\n');
    expect((await dataError(readBeirQueries(f3))).message).toMatch(
      /:1: expected "_id" as a query id without whitespace/,
    );
    const f4 = file('{"_id": "a", "text": "x"}\n\n{"_id": "b", "text": "y"}\n');
    expect((await dataError(readBeirQueries(f4))).line).toBe(2);
    const f5 = file("{not json\n");
    expect((await dataError(readBeirCorpus(f5))).message).toMatch(
      /:1: expected a JSON object .*got invalid JSON/,
    );
    const f6 = file("qid\tdocid\tscore\n");
    expect((await dataError(readBeirQrels(f6))).message).toBe(
      `${f6}:1: expected the header "query-id\\tcorpus-id\\tscore", got "qid\\tdocid\\tscore"`,
    );
    const f7 = file("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t0\n");
    expect((await dataError(readBeirQrels(f7))).message).toMatch(
      /:3: expected one grade per query and document/,
    );
    const f8 = file("query-id\tcorpus-id\tscore\nq1\td1\tyes\n");
    expect((await dataError(readBeirQrels(f8))).message).toBe(
      `${f8}:2: expected an integer relevance grade, got "yes"`,
    );
    const missing = join(tmp, "nope.jsonl");
    expect((await dataError(readBeirCorpus(missing))).message).toBe(
      `${missing}: expected a BEIR corpus.jsonl, got no such file`,
    );
  });
});

describe("TREC and MS MARCO forms", () => {
  it("read TREC qrels (spaces or tabs) and reject short lines", async () => {
    const q = await readTrecQrels(fixture("msmarco/qrels.dev.tsv"));
    expect([...q.get("11")!]).toEqual([
      ["p2", 1],
      ["p3", 0],
    ]);
    const bad = file("1 0 d1 1\n1 0 d2\n");
    expect((await dataError(readTrecQrels(bad))).message).toBe(
      `${bad}:2: expected 4 fields: qid iter docid rel, got "1 0 d2"`,
    );
  });

  it("read TREC runs and MS MARCO runs (score = −rank)", async () => {
    const trec = await readRun(fixture("run.trec"));
    expect(trec.get("q1")).toEqual([
      { docId: "d1", score: 2.5 },
      { docId: "d2", score: 1.5 },
    ]);
    expect(trec.get("q2")).toEqual([{ docId: "d2", score: -0.25 }]);
    const marco = await readRun(fixture("run.msmarco.tsv"));
    expect(marco.get("q1")).toEqual([
      { docId: "d1", score: -1 },
      { docId: "d2", score: -2 },
    ]);
  });

  it("reject mixed forms, bad scores and duplicate documents, naming the line", async () => {
    const mixed = file("q1 Q0 d1 1 2.5 t\nq1 d2 2\n");
    expect((await dataError(readRun(mixed))).message).toBe(
      `${mixed}:2: expected 6 fields: qid Q0 docid rank score tag (a TREC run, as on line 1), got 3: "q1 d2 2"`,
    );
    const score = file("q1 Q0 d1 1 high t\n");
    expect((await dataError(readRun(score))).message).toBe(
      `${score}:1: expected a finite number as the score, got "high"`,
    );
    const dup = file("q1 Q0 d1 1 2 t\nq1 Q0 d1 2 1 t\n");
    expect((await dataError(readRun(dup))).message).toBe(
      `${dup}:2: expected each document once per query, got d1 again for query q1 (first on line 1)`,
    );
    const rank = file("q1\td1\tfirst\n");
    expect((await dataError(readRun(rank))).message).toBe(`${rank}:1: expected a rank ≥ 1, got "first"`);
    // a TREC run's rank column is ignored, as trec_eval ignores it
    expect((await readRun(file("q1 Q0 d1 0 2 t\nq1 Q0 d2 x 3 t\n"))).get("q1")).toEqual([
      { docId: "d1", score: 2 },
      { docId: "d2", score: 3 },
    ]);
    const four = file("q1 d1 1 2\n");
    expect((await dataError(readRun(four))).line).toBe(1);
  });

  it("write a TREC run that reads back to the same scores", async () => {
    const run: Run = new Map([
      [
        "q1",
        [
          { docId: "d1", score: 12.345678901234567 },
          { docId: "d9", score: 1e-7 },
        ],
      ],
      ["q2", [{ docId: "x", score: -3 }]],
    ]);
    const text = formatTrecRun(run, "ours");
    expect(text.split("\n")[0]).toBe("q1 Q0 d1 1 12.345678901234567 ours");
    expect(await readRun(file(text))).toEqual(run);
  });
});

describe("loadRankingData", () => {
  it("loads a BEIR split with its queries", async () => {
    const d = await loadRankingData(fixture("beir"), "test");
    expect(d.layout).toBe("beir");
    expect([...d.queries.keys()]).toEqual(["q1", "q2"]);
    expect(d.corpus).toHaveLength(5);
  });

  it("holds out a seeded dev part of train when the folder has no dev qrels", async () => {
    const opts = { fraction: 0.34, seed: 7 };
    const dev = await loadRankingData(fixture("beir"), "dev", opts);
    const train = await loadRankingData(fixture("beir"), "train", opts);
    expect(dev.qrels.size).toBe(2); // round(0.34 · 6)
    expect(train.qrels.size).toBe(4);
    const all = [...dev.qrels.keys(), ...train.qrels.keys()].sort();
    expect(all).toEqual(["q1", "q2", "q3", "q4", "q5", "q6"]);
    expect(dev.qrelsSource).toMatch(/held-out dev: 2 queries, fraction 0.34, seed 7/);
    // deterministic, independent of input order; another seed draws another part
    const ids = ["q1", "q2", "q3", "q4", "q5", "q6"];
    expect(holdOutQueries(ids.reverse(), opts).heldOut).toEqual([...dev.qrels.keys()].sort());
    const draws = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => holdOutQueries(ids, { ...opts, seed }).heldOut.join()),
    );
    expect(draws.size).toBeGreaterThan(1);
  });

  it("loads the MS MARCO layout", async () => {
    const d = await loadRankingData(fixture("msmarco"), "dev");
    expect(d.layout).toBe("msmarco");
    expect(d.corpus.map((x) => x.id)).toEqual(["p1", "p2", "p3"]);
    expect(d.queries.get("11")).toBe("dogs");
  });

  it("names what is missing", async () => {
    expect((await dataError(loadRankingData(tmp, "test"))).message).toMatch(/expected a ranking data folder/);
    expect((await dataError(loadRankingData(fixture("beir"), "valid"))).message).toMatch(
      /qrels\/valid\.tsv: expected the qrels of split "valid", got no such file/,
    );
  });
});
