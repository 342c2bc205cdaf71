/** Loads one split of a registered GLUE task into host-side examples (text plus numeric label). */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataError, showValue } from "../errors.js";
import { checkGlueTask, columnIndex, getGlueTask } from "../registry.js";
import type { ColumnRef, GlueSplit, GlueTask } from "../registry.js";
import { describeLayout, readTsv } from "./tsv.js";

/** One example. `label` is the class id (index into the task's labels) or, for regression, the score. */
export interface GlueExample {
  textA: string;
  /** Present only for sentence-pair tasks. */
  textB?: string;
  label: number;
}

export interface GlueSplitData {
  /** In file order. */
  examples: GlueExample[];
  /** The path that was read, as used in DataError messages. */
  file: string;
}

/** A strict decimal number (no hex, no empty string, no "Infinity"), as `Number()` alone would accept those. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The data folder shipped with the package for a task (`<package>/data/glue/<name>`), used by the default run.
 * Only SST-2 is bundled.
 */
export function bundledGlueDir(task: GlueTask | string): string {
  const name = typeof task === "string" ? getGlueTask(task).name : task.name;
  // This file is src/tasks/glue/reader.ts or dist/tasks/glue/reader.js; data/ sits next to both roots.
  return fileURLToPath(new URL(`../../../data/glue/${name}`, import.meta.url));
}

/**
 * Read `<dataDir>/<task.files[split]>` and turn every row into an example.
 *
 * Texts are kept exactly as in the file (SST-2's trailing space included); tokenisation normalises whitespace.
 * @param task a registry row, or a registered name ("SST-2", "sst2").
 * @param dataDir the task's folder in the glue_data/ layout, e.g. `glue_data/SST-2`.
 * @throws DataError (message `<file>:<line>: expected …, got …`) for a missing file, an empty file, a wrong
 *   header, a line with a missing or extra column, an empty text, a label outside the task's label list (or a
 *   non-numeric regression score), and a file with a header but no examples.
 * @throws Error for an unknown task name, an inconsistent task row, or an unknown split.
 */
export async function loadGlueSplit(
  task: GlueTask | string,
  dataDir: string,
  split: GlueSplit,
): Promise<GlueSplitData> {
  const t = typeof task === "string" ? getGlueTask(task) : task;
  checkGlueTask(t);
  if (!Object.hasOwn(t.files, split)) {
    const known = Object.keys(t.files).map((s) => JSON.stringify(s));
    throw new Error(`loadGlueSplit: expected split ${known.join(" or ")}, got ${JSON.stringify(split)}`);
  }
  const file = join(dataDir, t.files[split]);
  const layout = { header: t.header, numColumns: t.numColumns };
  const others = Object.values(t.files).map((f) => join(dataDir, f));
  const expected =
    `the ${t.name} ${split} split, a TSV file with ${describeLayout(layout)} ` +
    `(GLUE data folder layout: ${others.join(" and ")})`;
  const table = await readTsv(file, layout, expected);
  if (table.rows.length === 0) {
    throw new DataError(file, undefined, `at least one ${t.name} example after the header`, "none");
  }

  const textCols = t.textColumns.map((ref) => ({ i: columnIndex(t, ref), name: columnName(ref) }));
  const labelCol = { i: columnIndex(t, t.labelColumn), name: columnName(t.labelColumn) };
  const parseLabel = labelParser(t, labelCol.name);

  const examples = table.rows.map(({ line, fields }): GlueExample => {
    const texts = textCols.map(({ i, name }) => {
      if (fields[i].trim() === "")
        throw new DataError(file, line, `a non-empty text in ${name}`, "an empty field");
      return fields[i];
    });
    const label = parseLabel(fields[labelCol.i], file, line);
    return texts.length === 2 ? { textA: texts[0], textB: texts[1], label } : { textA: texts[0], label };
  });
  return { examples, file };
}

function columnName(ref: ColumnRef): string {
  return typeof ref === "number" ? `column ${ref}` : `column ${JSON.stringify(ref)}`;
}

type LabelParser = (raw: string, file: string, line: number) => number;

function labelParser(t: GlueTask, where: string): LabelParser {
  if (t.lossKind === "mse") {
    return (raw, file, line) => {
      if (!DECIMAL.test(raw)) throw new DataError(file, line, `a numeric score in ${where}`, showValue(raw));
      return Number(raw);
    };
  }
  const ids = new Map(t.labels.map((label, id) => [label, id]));
  const expected = `a label ${t.labels.map((l) => JSON.stringify(l)).join(" or ")} in ${where}`;
  return (raw, file, line) => {
    const id = ids.get(raw);
    if (id === undefined) throw new DataError(file, line, expected, showValue(raw));
    return id;
  };
}
