/**
 * Reads texts to predict for a GLUE task: the task's TSV files with or without their label column (GLUE
 * `test.tsv`, which adds an `index` column, or `dev.tsv`), or JSONL rows with the task's field names.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { DataError, showValue } from "../errors.js";
import type { GlueTask } from "../registry.js";
import { readTsv, type TsvLayout } from "./tsv.js";
import { readFile } from "node:fs/promises";

/** One input row: its id (the file's index/id column or field, else its 0-based row number) and its texts. */
export interface UnlabelledRow {
  id: string | number;
  /** 1-based physical line in the file (for messages). */
  line: number;
  textA: string;
  /** Present only for sentence-pair tasks. */
  textB?: string;
}

/**
 * The field names of each task's texts in the Hugging Face `datasets` GLUE configs, accepted next to the TSV
 * header names (MNLI's "premise"/"hypothesis" are "sentence1"/"sentence2" in its TSV files).
 */
const HF_FIELDS: Readonly<Record<string, readonly string[]>> = {
  CoLA: ["sentence"],
  "SST-2": ["sentence"],
  MRPC: ["sentence1", "sentence2"],
  "STS-B": ["sentence1", "sentence2"],
  QQP: ["question1", "question2"],
  MNLI: ["premise", "hypothesis"],
  QNLI: ["question", "sentence"],
  RTE: ["sentence1", "sentence2"],
  WNLI: ["sentence1", "sentence2"],
};

/** Id columns/fields, in order of preference: GLUE test files' `index` (QQP: `id`), HF datasets' `idx`. */
const ID_FIELDS = ["index", "idx", "id"];

/** The sets of names under which a task's texts may appear: its TSV header names, then HF's field names. */
export function textFieldNames(task: GlueTask): string[][] {
  const sets: string[][] = [];
  if (task.textColumns.every((c) => typeof c === "string")) sets.push(task.textColumns.map(String));
  const hf = HF_FIELDS[task.name];
  if (hf && !sets.some((s) => s.join("\t") === hf.join("\t"))) sets.push([...hf]);
  return sets;
}

/** `"a"`, `"a" and "b"`; several sets joined with "or". */
function describeSets(sets: string[][]): string {
  return sets.map((s) => s.map((n) => JSON.stringify(n)).join(" and ")).join(" or ");
}

/**
 * Read the rows of `file` to predict for `task`: JSONL when the name ends in `.jsonl` (or `.json`), else TSV.
 * @throws DataError `file:line: expected …, got …` for a missing file, a header without the task's text
 *   columns, a line with the wrong number of fields, invalid JSON, a row without a text field, an empty text
 *   (unless the task keeps them), or a file without rows.
 */
export async function readUnlabelled(task: GlueTask, file: string): Promise<UnlabelledRow[]> {
  const rows = /\.jsonl?$/i.test(file) ? await readJsonl(task, file) : await readTsvRows(task, file);
  if (rows.length === 0)
    throw new DataError(file, undefined, `at least one ${task.name} row to predict`, "none");
  const keepEmpty = task.emptyText === "keep";
  for (const row of rows) {
    for (const text of row.textB === undefined ? [row.textA] : [row.textA, row.textB]) {
      if (!keepEmpty && text.trim() === "")
        throw new DataError(file, row.line, `a non-empty ${task.name} text`, "an empty one");
    }
  }
  return rows;
}

/** The first line of a file (without reading all of it), or null when it cannot be read (readTsv says why). */
function firstLine(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let text = buf.subarray(0, n).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const end = text.indexOf("\n");
    return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, "");
  } finally {
    closeSync(fd);
  }
}

async function readTsvRows(task: GlueTask, file: string): Promise<UnlabelledRow[]> {
  const head = firstLine(file);
  const names = head === null ? [] : head.split("\t");
  const sets = textFieldNames(task);
  const found = sets.find((s) => s.every((n) => names.includes(n)));
  let layout: TsvLayout;
  let textCols: number[];
  let idCol = -1;
  if (found !== undefined) {
    layout = { header: names, numColumns: names.length };
    textCols = found.map((n) => names.indexOf(n));
    idCol = names.findIndex((n) => ID_FIELDS.includes(n));
  } else if (task.header === null && head !== null && head.split("\t").length === task.numColumns) {
    // A headerless file in the task's own layout (CoLA train/dev).
    layout = { header: null, numColumns: task.numColumns };
    textCols = task.textColumns.map(Number);
  } else {
    const got = head === null ? "no readable file" : showValue(head);
    const headerless = task.header === null ? ` (or ${task.numColumns} fields per line and no header)` : "";
    throw new DataError(
      file,
      head === null ? undefined : 1,
      `a TSV header with column${sets[0].length > 1 ? "s" : ""} ${describeSets(sets)}${headerless}`,
      got,
    );
  }
  const table = await readTsv(file, layout, `a ${task.name} TSV file with ${describeSets(sets)}`);
  return table.rows.map(({ line, fields }, i) => {
    const id = idCol < 0 ? i : parseId(fields[idCol]);
    const texts = textCols.map((c) => fields[c]);
    return texts.length === 2
      ? { id, line, textA: texts[0], textB: texts[1] }
      : { id, line, textA: texts[0] };
  });
}

/** GLUE indices are integers written as text; keep them numbers in the output (other ids stay strings). */
function parseId(raw: string): string | number {
  return /^(0|[1-9]\d{0,14})$/.test(raw) ? Number(raw) : raw;
}

async function readJsonl(task: GlueTask, file: string): Promise<UnlabelledRow[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      file,
      undefined,
      `a JSONL file of ${task.name} rows`,
      code === "ENOENT" ? "no such file" : `${code ?? "an error"} while reading it`,
    );
  }
  const sets = textFieldNames(task);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((raw, i): UnlabelledRow => {
    const line = i + 1;
    const expected = `a JSON object with string field${sets[0].length > 1 ? "s" : ""} ${describeSets(sets)}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new DataError(
        file,
        line,
        expected,
        raw.trim() === "" ? "an empty line" : `invalid JSON ${showValue(raw)}`,
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new DataError(file, line, expected, showValue(raw));
    const row = value as Record<string, unknown>;
    const found = sets.find((s) => s.every((n) => typeof row[n] === "string"));
    if (found === undefined) {
      const keys = Object.keys(row).map((k) => JSON.stringify(k));
      throw new DataError(file, line, expected, keys.length ? `fields ${keys.join(", ")}` : "no fields");
    }
    const idField = ID_FIELDS.find((f) => typeof row[f] === "string" || typeof row[f] === "number");
    const id = idField === undefined ? i : (row[idField] as string | number);
    const texts = found.map((n) => row[n] as string);
    return texts.length === 2
      ? { id, line, textA: texts[0], textB: texts[1] }
      : { id, line, textA: texts[0] };
  });
}
