import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { bundledGlueDir, loadGlueSplit } from "./reader.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/tasks/glue/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

async function dataError(p: Promise<unknown>): Promise<DataError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  const dataErr = err as DataError;
  // The CLI prints error.message alone: it must be one line.
  expect(dataErr.message).not.toMatch(/[\n\r]/);
  return dataErr;
}

describe("loadGlueSplit on the bundled SST-2", () => {
  const dir = bundledGlueDir("SST-2");

  it("has the row counts and sha256 sums that PROVENANCE.md states", async () => {
    const provenance = await readFile(join(dir, "PROVENANCE.md"), "utf8");
    for (const split of ["train", "dev"] as const) {
      // Table row: | train.tsv | 67349 | 67350 | 3806081 | <sha256> |
      const m = new RegExp(
        `^\\| ${split}\\.tsv \\| (\\d+) \\| \\d+ \\| \\d+ \\| ([0-9a-f]{64}) \\|$`,
        "m",
      ).exec(provenance);
      expect(m, `PROVENANCE.md row for ${split}.tsv`).not.toBeNull();
      const { examples, file } = await loadGlueSplit("SST-2", dir, split);
      expect(examples.length).toBe(Number(m![1]));
      const sha = createHash("sha256")
        .update(await readFile(file))
        .digest("hex");
      expect(sha).toBe(m![2]);
    }
  });

  it("matches the official counts and reads texts verbatim", async () => {
    const train = await loadGlueSplit("sst2", dir, "train");
    const dev = await loadGlueSplit("SST-2", dir, "dev");
    expect(train.examples.length).toBe(67349);
    expect(dev.examples.length).toBe(872);
    expect(train.examples[0]).toEqual({ textA: "hide new secretions from the parental units ", label: 0 });
    expect(dev.examples[0]).toEqual({ textA: "it 's a charming and often affecting journey . ", label: 1 });
    // Checked with: awk -F'\t' 'NR>1{c[$2]++} END{for(k in c) print k, c[k]}' dev.tsv
    expect(dev.examples.filter((e) => e.label === 1).length).toBe(444);
    expect(dev.examples.every((e) => e.textB === undefined)).toBe(true);
  });
});

describe("loadGlueSplit on SST-2 fixtures", () => {
  it("reads a well-formed folder", async () => {
    const { examples, file } = await loadGlueSplit("SST-2", fixture("sst2-ok"), "dev");
    expect(file).toBe(join(fixture("sst2-ok"), "dev.tsv"));
    expect(examples).toEqual([
      { textA: "a gorgeous , witty , seductive movie . ", label: 1 },
      { textA: "it 's slow -- very , very slow . ", label: 0 },
    ]);
  });

  it("accepts a BOM header, CRLF and no final newline", async () => {
    const { examples } = await loadGlueSplit("SST-2", fixture("sst2-bom-crlf"), "train");
    expect(examples).toEqual([
      { textA: "windows line ends ", label: 1 },
      { textA: "and no final newline ", label: 0 },
    ]);
  });

  it("keeps a bare leading quote literally", async () => {
    const { examples } = await loadGlueSplit("SST-2", fixture("sst2-quote"), "train");
    expect(examples.map((e) => e.textA)).toEqual([
      '" a bare quote opens this sentence ',
      'it \'s "quoted" inside ',
      '"',
    ]);
  });

  // [case, folder, split, line (undefined: whole file), text the message must also contain]
  it.each([
    ["a row with a missing column", "sst2-missing-column", "train", 3, "got 1 field:"],
    ["a row with an extra column", "sst2-extra-column", "train", 3, "got 3 fields:"],
    ["label 2", "sst2-bad-label", "train", 3, 'expected a label "0" or "1" in column "label", got "2"'],
    ["label pos", "sst2-bad-label", "dev", 2, 'got "pos"'],
    ["an empty file", "sst2-empty", "train", undefined, "got an empty file"],
    ["a header-only file", "sst2-empty", "dev", undefined, "expected at least one SST-2 example"],
    [
      "a wrong header",
      "sst2-wrong-header",
      "train",
      1,
      'expected header "sentence\\tlabel", got "text\\tlabel"',
    ],
    ["a missing header", "sst2-wrong-header", "dev", 1, 'got "no header here \\t1"'],
    ["a blank line", "sst2-empty-line", "train", 3, "got an empty line"],
    ["an empty text", "sst2-empty-text", "train", 3, 'expected a non-empty text in column "sentence"'],
    ["invalid UTF-8", "sst2-bad-utf8", "train", 3, "expected UTF-8 text"],
  ] as const)("rejects %s", async (_name, folder, split, line, text) => {
    const err = await dataError(loadGlueSplit("SST-2", fixture(folder), split));
    const file = join(fixture(folder), `${split}.tsv`);
    expect(err.file).toBe(file);
    expect(err.line).toBe(line);
    expect(
      err.message.startsWith(line === undefined ? `${file}: expected ` : `${file}:${line}: expected `),
    ).toBe(true);
    expect(err.message).toContain(`${split}.tsv`);
    expect(err.message).toContain(text);
  });

  it("names the missing file and the expected layout", async () => {
    const dir = fixture("no-such-folder");
    const err = await dataError(loadGlueSplit("SST-2", dir, "train"));
    expect(err.line).toBeUndefined();
    expect(err.message).toBe(
      `${join(dir, "train.tsv")}: expected the SST-2 train split, a TSV file with header "sentence\\tlabel" ` +
        `(GLUE data folder layout: ${join(dir, "train.tsv")} and ${join(dir, "dev.tsv")}), got no such file`,
    );
  });

  it("names the bundled tasks when a task has no bundled data", () => {
    expect(() => bundledGlueDir("cola")).toThrow(
      "bundledGlueDir: expected a task bundled with cmploss (SST-2), got CoLA; pass its glue_data/CoLA folder",
    );
  });

  it("rejects an unknown task or split with a plain Error", async () => {
    await expect(loadGlueSplit("SST-5", fixture("sst2-ok"), "train")).rejects.toThrow(
      'getGlueTask: expected one of CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI, got "SST-5"',
    );
    await expect(loadGlueSplit("SST-2", fixture("sst2-ok"), "test" as "train")).rejects.toThrow(
      'loadGlueSplit: expected split "train" or "dev", got "test"',
    );
  });
});
