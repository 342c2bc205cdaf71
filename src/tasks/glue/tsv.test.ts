import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { parseTsv } from "./tsv.js";
import type { TsvLayout } from "./tsv.js";

const SST2 = { header: ["sentence", "label"], numColumns: 2 };
const HEADERLESS = { header: null, numColumns: 4 };

function parseError(text: string, layout: TsvLayout = SST2): DataError {
  try {
    parseTsv(text, "x.tsv", layout);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error("expected a DataError");
}

describe("parseTsv", () => {
  it("keeps fields exactly, with line numbers counting the header", () => {
    const t = parseTsv("sentence\tlabel\nit 's good \t1\nbad \t0\n", "x.tsv", SST2);
    expect(t.header).toEqual(["sentence", "label"]);
    expect(t.rows).toEqual([
      { line: 2, fields: ["it 's good ", "1"] },
      { line: 3, fields: ["bad ", "0"] },
    ]);
  });

  it("accepts a BOM, CRLF and a missing final newline", () => {
    const t = parseTsv("\ufeffsentence\tlabel\r\na \t1\r\nb \t0", "x.tsv", SST2);
    expect(t.header).toEqual(["sentence", "label"]);
    expect(t.rows.map((r) => r.fields)).toEqual([
      ["a ", "1"],
      ["b ", "0"],
    ]);
  });

  it("has quoting off: a bare leading quote is literal and does not swallow the tab or newline", () => {
    const t = parseTsv('sentence\tlabel\n" opens \t1\nnext \t0\n', "x.tsv", SST2);
    expect(t.rows.map((r) => r.fields)).toEqual([
      ['" opens ', "1"],
      ["next ", "0"],
    ]);
  });

  it("reads headerless files (CoLA) by column count", () => {
    const t = parseTsv("gj04\t1\t\tA b.\ngj04\t0\t*\tC d.", "x.tsv", HEADERLESS);
    expect(t.header).toBeNull();
    expect(t.rows[1]).toEqual({ line: 2, fields: ["gj04", "0", "*", "C d."] });
  });

  it("gives zero rows for a header-only file", () => {
    expect(parseTsv("sentence\tlabel\n", "x.tsv", SST2).rows).toEqual([]);
  });

  it("formats messages as <file>:<line>: expected <what>, got <what>", () => {
    expect(parseError("sentence\tlabel\nok \t1\nno tab here\n").message).toBe(
      'x.tsv:3: expected 2 tab-separated fields (sentence, label), got 1 field: "no tab here"',
    );
    expect(parseError("").message).toBe('x.tsv: expected header "sentence\\tlabel", got an empty file');
    expect(parseError("text\tlabel\n").message).toBe(
      'x.tsv:1: expected header "sentence\\tlabel", got "text\\tlabel"',
    );
  });

  it("shows a long wrong header's field count or first difference, which the 80-character cut hides", () => {
    const names = Array.from({ length: 12 }, (_, i) => `long_column_name_${i}`);
    const layout = { header: names, numColumns: 12 };
    const renamed = [...names.slice(0, 11), "other"];
    expect(parseError(`${renamed.join("\t")}\n`, layout).message).toMatch(
      /^x\.tsv:1: expected header "long_column_name_0\\t.*\\tlong_column_name_11", got "long_column_name_0\\t.*…" \(field 12 is "other", not "long_column_name_11"\)$/,
    );
    expect(parseError(`${names.slice(0, 10).join("\t")}\n`, layout).message).toContain(
      'got a 10-field header "long_column_name_0\\t',
    );
  });

  it.each([
    ["an empty file", "", undefined],
    ["a BOM-only file", "\ufeff", undefined],
    ["a missing header", "a \t1\n", 1],
    ["a blank line", "sentence\tlabel\na \t1\n\nb \t0\n", 3],
    ["a trailing blank line", "sentence\tlabel\na \t1\n\n", 3],
    ["an extra field", "sentence\tlabel\na \t1\t1\n", 2],
    ["a CRLF row with a missing field", "sentence\tlabel\r\na \t1\r\nb\r\n", 3],
  ])("rejects %s", (_name, text, line) => {
    const err = parseError(text);
    expect(err.file).toBe("x.tsv");
    expect(err.line).toBe(line);
    expect(err.message).toContain(line === undefined ? "x.tsv: expected" : `x.tsv:${line}: expected`);
    expect(err.message).not.toMatch(/[\n\r]/);
  });

  it("rejects a headerless file with a short row", () => {
    const err = parseError("gj04\t1\t\tA b.\ngj04\t1\tA b.\n", HEADERLESS);
    expect(err.message).toBe('x.tsv:2: expected 4 tab-separated fields, got 3 fields: "gj04\\t1\\tA b."');
  });

  it("cuts long values so the message stays short", () => {
    const err = parseError(`sentence\tlabel\n${"word ".repeat(100)}\n`);
    expect(err.message.length).toBeLessThan(160);
    expect(err.message).toContain("…");
  });
});
