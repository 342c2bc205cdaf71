import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { getGlueTask } from "../registry.js";
import { loadGlueSplit } from "./reader.js";
import { readUnlabelled, textFieldNames } from "./unlabelled.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-unlabelled-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

async function dataError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  const message = (err as DataError).message;
  expect(message).not.toMatch(/[\n\r]/);
  return message;
}

describe("readUnlabelled: TSV", () => {
  it("reads a GLUE test.tsv: the index column is the id, no label needed", async () => {
    const rte = getGlueTask("RTE");
    const path = file(
      "rte-test.tsv",
      "index\tsentence1\tsentence2\n0\tA man sleeps.\tA man rests.\n7\tB\tC\n",
    );
    expect(await readUnlabelled(rte, path)).toEqual([
      { id: 0, line: 2, textA: "A man sleeps.", textB: "A man rests." },
      { id: 7, line: 3, textA: "B", textB: "C" },
    ]);
  });

  it("reads a dev.tsv with its label column: the same texts as loadGlueSplit, ids are row numbers", async () => {
    const rows = await readUnlabelled(getGlueTask("SST-2"), "test/fixtures/sst2-tiny/dev.tsv");
    const { examples } = await loadGlueSplit("SST-2", "test/fixtures/sst2-tiny", "dev");
    expect(rows.map((r) => r.textA)).toEqual(examples.map((e) => e.textA));
    expect(rows.map((r) => r.id)).toEqual(examples.map((_, i) => i));
  });

  it("reads CoLA both headerless (train/dev layout) and with test.tsv's index/sentence header", async () => {
    const cola = getGlueTask("CoLA");
    const dev = file("cola-dev.tsv", "gj04\t1\t\tThe sailors rode the breeze.\r\ngj04\t0\t*\tThe more we.\n");
    expect((await readUnlabelled(cola, dev)).map((r) => [r.id, r.textA])).toEqual([
      [0, "The sailors rode the breeze."],
      [1, "The more we."],
    ]);
    const test = file("cola-test.tsv", "index\tsentence\n0\tBill whistled past the house.\n");
    expect(await readUnlabelled(cola, test)).toEqual([
      { id: 0, line: 2, textA: "Bill whistled past the house." },
    ]);
  });

  it("reads MRPC's BOM header and its named string columns", async () => {
    const path = file(
      "mrpc.tsv",
      "\ufeffindex\t#1 ID\t#2 ID\t#1 String\t#2 String\n3\t1\t2\tFirst one.\tSecond one.\n",
    );
    expect(await readUnlabelled(getGlueTask("MRPC"), path)).toEqual([
      { id: 3, line: 2, textA: "First one.", textB: "Second one." },
    ]);
  });

  it("names the line of a row with the wrong number of fields", async () => {
    const path = file("short.tsv", "index\tsentence\n0\tfine\n1\n");
    expect(await dataError(readUnlabelled(getGlueTask("SST-2"), path))).toBe(
      `${path}:3: expected 2 tab-separated fields (index, sentence), got 1 field: "1"`,
    );
  });

  it("refuses a header without the task's text columns, naming the accepted ones", async () => {
    const path = file("wrong.tsv", "index\ttext\n0\thi\n");
    expect(await dataError(readUnlabelled(getGlueTask("MNLI"), path))).toBe(
      `${path}:1: expected a TSV header with columns "sentence1" and "sentence2" or "premise" and "hypothesis", got "index\\ttext"`,
    );
  });

  it("refuses an empty text (QQP keeps them), a file without rows and a missing file", async () => {
    const empty = file("empty-text.tsv", "index\tsentence\n0\t \n");
    expect(await dataError(readUnlabelled(getGlueTask("SST-2"), empty))).toBe(
      `${empty}:2: expected a non-empty SST-2 text, got an empty one`,
    );
    const qqp = file("qqp.tsv", "id\tquestion1\tquestion2\n5\tWhy?\t\n");
    expect(await readUnlabelled(getGlueTask("QQP"), qqp)).toEqual([
      { id: 5, line: 2, textA: "Why?", textB: "" },
    ]);
    const none = file("header-only.tsv", "index\tsentence\n");
    expect(await dataError(readUnlabelled(getGlueTask("SST-2"), none))).toBe(
      `${none}: expected at least one SST-2 row to predict, got none`,
    );
    const missing = join(root, "nope.tsv");
    expect(await dataError(readUnlabelled(getGlueTask("SST-2"), missing))).toMatch(
      /nope\.tsv: expected a TSV header with column "sentence", got no readable file/,
    );
  });
});

describe("readUnlabelled: JSONL", () => {
  it("reads the TSV or the HF datasets field names, with idx/index/id or the row number as id", async () => {
    const mnli = getGlueTask("MNLI");
    expect(textFieldNames(mnli)).toEqual([
      ["sentence1", "sentence2"],
      ["premise", "hypothesis"],
    ]);
    const path = file(
      "mnli.jsonl",
      [
        JSON.stringify({ idx: 4, premise: "P", hypothesis: "H", label: 1 }),
        JSON.stringify({ sentence1: "S1", sentence2: "S2", id: "a-7" }),
        JSON.stringify({ premise: "P2", hypothesis: "H2" }),
      ].join("\n") + "\n",
    );
    expect(await readUnlabelled(mnli, path)).toEqual([
      { id: 4, line: 1, textA: "P", textB: "H" },
      { id: "a-7", line: 2, textA: "S1", textB: "S2" },
      { id: 2, line: 3, textA: "P2", textB: "H2" },
    ]);
  });

  it("names the line of invalid JSON, a missing field and an empty line", async () => {
    const sst2 = getGlueTask("SST-2");
    const bad = file("bad.jsonl", '{"sentence": "ok"}\n{"sentence": "cut\n');
    expect(await dataError(readUnlabelled(sst2, bad))).toBe(
      `${bad}:2: expected a JSON object with string field "sentence", got invalid JSON "{\\"sentence\\": \\"cut"`,
    );
    const wrong = file("wrong.jsonl", '{"text": "hi", "idx": 0}\n');
    expect(await dataError(readUnlabelled(sst2, wrong))).toBe(
      `${wrong}:1: expected a JSON object with string field "sentence", got fields "text", "idx"`,
    );
    const blank = file("blank.jsonl", '{"sentence": "a"}\n\n{"sentence": "b"}\n');
    expect(await dataError(readUnlabelled(sst2, blank))).toBe(
      `${blank}:2: expected a JSON object with string field "sentence", got an empty line`,
    );
  });
});
