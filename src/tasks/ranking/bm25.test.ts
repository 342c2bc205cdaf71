import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyze, analyzerName } from "./analyzer.js";
import { Bm25Index } from "./bm25.js";
import { porterStem } from "./porter.js";

const PORTER = fileURLToPath(new URL("../../../test/fixtures/ranking/porter.json", import.meta.url));

describe("porterStem equals NLTK's Porter (MARTIN_EXTENSIONS) on the fixture's words", () => {
  const { stems } = JSON.parse(readFileSync(PORTER, "utf8")) as { stems: [string, string][] };
  it(`all ${stems.length} words`, () => {
    expect(stems.length).toBeGreaterThan(3000);
    const wrong = stems
      .filter(([w, s]) => porterStem(w) !== s)
      .map(([w, s]) => `${w}: ${porterStem(w)} ≠ ${s}`);
    expect(wrong).toEqual([]);
  });
  it("the paper's examples", () => {
    const cases = {
      caresses: "caress",
      ponies: "poni",
      hopping: "hop",
      relational: "relat",
      generalizations: "gener",
    };
    for (const [w, s] of Object.entries(cases)) expect(porterStem(w)).toBe(s);
  });
});

describe("analyze", () => {
  it("lower-cases, drops possessives and stop words, splits on non-alphanumerics, stems a–z words", () => {
    expect(analyze("The cat's COVID-19 vaccines are working; naïve β-cells")).toEqual([
      "cat",
      "covid",
      "19",
      "vaccin",
      "work",
      "naïve",
      "β",
      "cell",
    ]);
    expect(analyze("The running dogs", { stopWords: false, stem: false })).toEqual([
      "the",
      "running",
      "dogs",
    ]);
    expect(analyzerName()).toBe("lower+alnum+stop33+porter");
    expect(analyzerName({ stem: false })).toBe("lower+alnum+stop33");
  });
});

describe("Bm25Index", () => {
  // Lengths after analysis: a = 3 (cat, sat, mat), b = 2 (cat, cat), c = 2 (dog, sat), d = 1 (fish); avgdl 2.
  const docs = [
    { id: "a", title: "", text: "the cat sat on the mat" },
    { id: "b", title: "cats", text: "cat" },
    { id: "c", title: "A dog", text: "sat" },
    { id: "d", title: "", text: "fish" },
  ];
  const index = Bm25Index.build(docs);

  it("scores as Lucene's BM25 (k1 0.9, b 0.4), worked by hand", () => {
    expect(index.avgLength).toBe(2);
    const idfCat = Math.log(1 + (4 - 2 + 0.5) / (2 + 0.5)); // ln 2
    const idfSat = idfCat;
    const norm = (len: number) => 0.9 * (1 - 0.4 + (0.4 * len) / 2);
    const hits = index.search("cat sat", 10);
    expect(hits.map((h) => h.docId)).toEqual(["a", "b", "c"]);
    expect(hits[0].score).toBeCloseTo(idfCat * (1 / (1 + norm(3))) + idfSat * (1 / (1 + norm(3))), 14);
    expect(hits[1].score).toBeCloseTo(idfCat * (2 / (2 + norm(2))), 14);
    expect(hits[2].score).toBeCloseTo(idfSat * (1 / (1 + norm(2))), 14);
    // a repeated query term counts twice; a term no document has adds nothing; only matching documents come back
    expect(index.search("fish fish zebra", 10)).toEqual([
      { docId: "d", score: 2 * Math.log(1 + 3.5 / 1.5) * (1 / (1 + norm(1))) },
    ]);
    expect(index.search("the", 10)).toEqual([]);
  });

  it("breaks score ties by document id descending, as trec_eval does, and cuts at k", () => {
    const tied = Bm25Index.build(
      ["x1", "x10", "x2", "y"].map((id) => ({ id, title: "", text: "same words" })),
    );
    expect(tied.search("words", 10).map((h) => h.docId)).toEqual(["y", "x2", "x10", "x1"]);
    expect(tied.search("words", 2).map((h) => h.docId)).toEqual(["y", "x2"]);
  });
});
