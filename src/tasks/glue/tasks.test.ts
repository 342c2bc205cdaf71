// Every registered GLUE task read from a small format fixture in its official GLUE TSV layout. The CoLA, MRPC,
// QNLI, RTE, SST-2 and WNLI fixtures copy rows of the official files (../shared/data/glue); the QQP, MNLI and
// STS-B ones are written by hand in the official layouts (MNLI's parse columns are simplified).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { GLUE_TASKS, getGlueTask } from "../registry.js";
import type { GlueSplit } from "../registry.js";
import { loadGlueSplit } from "./reader.js";
import type { GlueExample } from "./reader.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/tasks/glue/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

const labelsOf = (examples: GlueExample[]) => examples.map((e) => e.label);

describe("every GLUE task loads its format fixture", () => {
  // [task (HF datasets name), folder, split, file, labels as class ids (or scores), pair task]
  const cases: [string, string, GlueSplit, string, number[], boolean][] = [
    ["cola", "cola-ok", "train", "train.tsv", [1, 0, 0, 1], false],
    ["cola", "cola-ok", "dev", "dev.tsv", [1, 0, 1], false],
    ["sst2", "sst2-ok", "train", "train.tsv", [1, 0, 1], false],
    ["sst2", "sst2-ok", "dev", "dev.tsv", [1, 0], false],
    ["mrpc", "mrpc-ok", "train", "train.tsv", [1, 0, 1], true],
    ["mrpc", "mrpc-ok", "dev", "dev.tsv", [1, 0, 1], true],
    ["stsb", "stsb-ok", "train", "train.tsv", [5, 3.8, 2.25, 0], true],
    ["stsb", "stsb-ok", "dev", "dev.tsv", [5, 4.75, 1.2], true],
    ["qqp", "qqp-ok", "train", "train.tsv", [0, 1, 0, 0], true],
    ["qqp", "qqp-ok", "dev", "dev.tsv", [0, 0, 1], true],
    // contradiction 0, entailment 1, neutral 2 (HF MnliProcessor order).
    ["mnli", "mnli-ok", "train", "train.tsv", [2, 1, 1, 0], true],
    ["mnli", "mnli-ok", "dev", "dev_matched.tsv", [2, 0, 1], true],
    ["mnli", "mnli-ok", "dev_mismatched", "dev_mismatched.tsv", [0, 0, 1], true],
    // entailment 0, not_entailment 1.
    ["qnli", "qnli-ok", "train", "train.tsv", [1, 1, 0], true],
    ["qnli", "qnli-ok", "dev", "dev.tsv", [0, 1, 0], true],
    ["rte", "rte-ok", "train", "train.tsv", [1, 0, 1], true],
    ["rte", "rte-ok", "dev", "dev.tsv", [1, 0, 1], true],
    ["wnli", "wnli-ok", "train", "train.tsv", [1, 1, 1, 0], true],
    ["wnli", "wnli-ok", "dev", "dev.tsv", [0, 1, 0], true],
  ];

  it("covers every registered task and split", () => {
    const covered = new Set(cases.map(([name, , split]) => `${getGlueTask(name).name}/${split}`));
    const all = Object.values(GLUE_TASKS).flatMap((t) => Object.keys(t.files).map((s) => `${t.name}/${s}`));
    expect([...covered].sort()).toEqual(all.sort());
  });

  it.each(cases)("%s %s %s", async (name, folder, split, file, labels, pair) => {
    const data = await loadGlueSplit(name, fixture(folder), split);
    expect(data.file).toBe(join(fixture(folder), file));
    expect(labelsOf(data.examples)).toEqual(labels);
    for (const e of data.examples) {
      expect(e.textA).toBeTypeOf("string");
      expect(e.textB === undefined).toBe(!pair);
    }
  });
});

describe("GLUE format quirks", () => {
  it("CoLA: no header, the sentence from column 3, dev without a final newline", async () => {
    const train = await loadGlueSplit("CoLA", fixture("cola-ok"), "train");
    expect(train.examples[0]).toEqual({
      textA: "Our friends won't buy this analysis, let alone the next one we propose.",
      label: 1,
    });
    expect(train.examples[2].textA).toBe('" Which book did you say that John read?');
    const dev = await loadGlueSplit("CoLA", fixture("cola-ok"), "dev");
    expect(dev.examples[2]).toEqual({ textA: "John talked to Bill about himself.", label: 1 });
  });

  it("MRPC: BOM before the header, texts from #1/#2 String, bare leading quotes kept", async () => {
    const train = await loadGlueSplit("MRPC", fixture("mrpc-ok"), "train");
    expect(train.examples[2]).toEqual({
      textA: "Officials at Brandeis said the university would pay the costs .",
      textB: '" We will pay the costs , " an official at Brandeis said .',
      label: 1,
    });
    const dev = await loadGlueSplit("mrpc", fixture("mrpc-ok"), "dev");
    expect(dev.examples[0].textB).toBe(
      '" The foodservice pie business does not fit our long-term growth strategy .',
    );
  });

  it("STS-B: sentence1/sentence2 and float scores, a bare quote kept", async () => {
    const { examples } = await loadGlueSplit("STS-B", fixture("stsb-ok"), "train");
    expect(examples[2]).toEqual({
      textA: '"Obama signs budget deal',
      textB: "Obama signs the bill into law",
      label: 2.25,
    });
  });

  it("QQP: question1/question2, an empty question2 kept as in the official train file", async () => {
    const { examples } = await loadGlueSplit("QQP", fixture("qqp-ok"), "train");
    expect(examples[2]).toEqual({ textA: "How can I create an Android app?", textB: "", label: 0 });
    expect(examples[3].textA).toBe('"What causes stool color to change to yellow?');
  });

  it("MNLI: 12 columns in train, 16 in the dev sets; texts from sentence1/sentence2, label from gold_label", async () => {
    const train = await loadGlueSplit("MNLI", fixture("mnli-ok"), "train");
    expect(train.examples[0]).toEqual({
      textA: "Conceptually cream skimming has two basic dimensions - product and geography.",
      textB: "Product and geography are what make cream skimming work. ",
      label: 2,
    });
    expect(train.examples[2].textA).toBe('"How do you know? All this is their information again.');
    const dev = await loadGlueSplit("MNLI", fixture("mnli-ok"), "dev");
    // Row 3's annotators disagree (label2 and label5 are neutral); its gold_label, the 16th column, is entailment.
    expect(dev.examples[2]).toEqual({
      textA: "uh i don't know i i have mixed emotions about him",
      textB: "I like him for the most part, but would still enjoy seeing someone beat him.",
      label: 1,
    });
    const mm = await loadGlueSplit("MNLI", fixture("mnli-ok"), "dev_mismatched");
    expect(mm.examples[2].textB).toBe("We serve a meal of Florentine terrine.");
  });

  it("QNLI: question/sentence pairs, a bare leading quote kept", async () => {
    const { examples } = await loadGlueSplit("QNLI", fixture("qnli-ok"), "dev");
    expect(examples[0]).toEqual({
      textA: "What came into force after the new constitution was herald?",
      textB: "As of that day, the new constitution heralding the Second Republic came into force.",
      label: 0,
    });
    expect(examples[2].textB).toMatch(/^" Luis Walter Alvarez, /);
  });

  it("RTE: sentence1/sentence2, train row 2164's unbalanced quote kept", async () => {
    const { examples } = await loadGlueSplit("RTE", fixture("rte-ok"), "train");
    expect(examples[2].textA.startsWith("\"That film wasn't too successful")).toBe(true);
    expect(examples[2].textB).toBe('The film "WarGames" was shot in 1983.');
  });

  it("WNLI: labels 0/1 in column label", async () => {
    const { examples } = await loadGlueSplit("WNLI", fixture("wnli-ok"), "dev");
    expect(examples[0]).toEqual({
      textA: "The drain is clogged with hair. It has to be cleaned.",
      textB: "The hair has to be cleaned.",
      label: 0,
    });
  });
});

describe("malformed GLUE files give a one-line DataError", () => {
  const MNLI_DEV_HEADER =
    "index\\tpromptID\\tpairID\\tgenre\\tsentence1_binary_parse\\tsentence2_binary_parse\\tsentence1_parse\\t" +
    "sentence2_parse\\tsentence1\\tsentence2\\tlabel1\\tlabel2\\tlabel3\\tlabel4\\tlabel5\\tgold_label";

  // [case, task, folder, split, file, line, text the message must contain]
  it.each([
    [
      "an MNLI train file as dev_matched",
      "MNLI",
      "mnli-train-as-dev",
      "dev",
      "dev_matched.tsv",
      1,
      `expected header "${MNLI_DEV_HEADER}", got a 12-field header "index\\tpromptID\\tpairID\\tgenre`,
    ],
    [
      "an MNLI dev row with 15 fields",
      "MNLI",
      "mnli-short-row",
      "dev_mismatched",
      "dev_mismatched.tsv",
      3,
      "expected 16 tab-separated fields (index, promptID, pairID, genre, sentence1_binary_parse, " +
        "sentence2_binary_parse, sentence1_parse, sentence2_parse, sentence1, sentence2, label1, label2, label3, " +
        'label4, label5, gold_label), got 15 fields: "1\\t2\\t2n\\tletters',
    ],
    [
      "an MNLI gold_label '-'",
      "MNLI",
      "mnli-no-gold",
      "train",
      "train.tsv",
      3,
      'expected a label "contradiction" or "entailment" or "neutral" in column "gold_label", got "-"',
    ],
    [
      "a CoLA line with 3 fields",
      "CoLA",
      "cola-three-fields",
      "train",
      "train.tsv",
      2,
      'expected 4 tab-separated fields, got 3 fields: "gj04\\t1\\tMissing the annotation column."',
    ],
    [
      "a wrong MRPC header",
      "MRPC",
      "mrpc-wrong-header",
      "train",
      "train.tsv",
      1,
      'expected header "Quality\\t#1 ID\\t#2 ID\\t#1 String\\t#2 String", got "Quality\\t#1 ID\\t#2 ID\\t#1 String\\t#2 string"',
    ],
    [
      "a non-numeric STS-B score",
      "STS-B",
      "stsb-bad-score",
      "dev",
      "dev.tsv",
      2,
      'expected a numeric score in column "score", got "abc"',
    ],
    [
      "a numeric RTE label",
      "RTE",
      "rte-numeric-label",
      "train",
      "train.tsv",
      3,
      'expected a label "entailment" or "not_entailment" in column "label", got "0"',
    ],
    [
      "an all-space WNLI sentence2",
      "WNLI",
      "wnli-empty-text",
      "train",
      "train.tsv",
      3,
      'expected a non-empty text in column "sentence2", got an empty field',
    ],
    [
      "a QQP label 'yes'",
      "QQP",
      "qqp-bad-label",
      "dev",
      "dev.tsv",
      2,
      'expected a label "0" or "1" in column "is_duplicate", got "yes"',
    ],
  ] as const)("rejects %s", async (_name, task, folder, split, fileName, line, text) => {
    const err = await loadGlueSplit(task, fixture(folder), split).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    const { message } = err as DataError;
    const file = join(fixture(folder), fileName);
    expect(message).not.toMatch(/[\n\r]/);
    expect(message.startsWith(`${file}:${line}: expected `)).toBe(true);
    expect(message).toContain(text);
  });

  it("names all three MNLI files when one is missing", async () => {
    const dir = fixture("mnli-train-as-dev");
    const err = await loadGlueSplit("mnli", dir, "train").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toContain(
      `(GLUE data folder layout: ${join(dir, "train.tsv")}, ${join(dir, "dev_matched.tsv")} and ` +
        `${join(dir, "dev_mismatched.tsv")}), got no such file`,
    );
  });

  it("rejects a split the task does not have", async () => {
    await expect(loadGlueSplit("RTE", fixture("rte-ok"), "dev_mismatched")).rejects.toThrow(
      'loadGlueSplit: expected split "train" or "dev", got "dev_mismatched"',
    );
    await expect(loadGlueSplit("MNLI", fixture("mnli-ok"), "test" as GlueSplit)).rejects.toThrow(
      'loadGlueSplit: expected split "train", "dev" or "dev_mismatched", got "test"',
    );
  });
});
