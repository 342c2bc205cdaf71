/** Loads one split of a registered GLUE task into host-side examples (text plus numeric label). */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataError, showValue } from "../errors.js";
import { checkGlueTask, columnIndex, getGlueTask, glueSplits, splitLayout } from "../registry.js";
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

/** The tasks whose data ships with the package, under `data/glue/<name>`. */
export const BUNDLED_GLUE_TASKS: readonly string[] = ["SST-2"];

/**
 * The data folder shipped with the package for a task (`<package>/data/glue/<name>`), used by the default run.
 * Only SST-2 is bundled.
 * @throws Error for a task that is not bundled (its glue_data/ folder must be passed instead).
 */
export function bundledGlueDir(task: GlueTask | string): string {
  const name = typeof task === "string" ? getGlueTask(task).name : task.name;
  if (!BUNDLED_GLUE_TASKS.includes(name)) {
    throw new Error(
      `bundledGlueDir: expected a task bundled with cmploss (${BUNDLED_GLUE_TASKS.join(", ")}), got ${name}; ` +
        `pass its glue_data/${name} folder (--data-dir)`,
    );
  }
  // This file is src/tasks/glue/reader.ts or dist/tasks/glue/reader.js; data/ sits next to both roots.
  return fileURLToPath(new URL(`../../../data/glue/${name}`, import.meta.url));
}

/**
 * Read `<dataDir>/<task.files[split]>` and turn every row into an example.
 *
 * Texts are kept exactly as in the file (SST-2's trailing space included); tokenisation normalises whitespace.
 * Each split is checked against its own layout (`splitLayout`: MNLI's train has 12 columns, its dev sets 16).
 * @param task a registry row, or a registered name ("SST-2", "sst2", "mnli").
 * @param dataDir the task's folder in the glue_data/ layout, e.g. `glue_data/SST-2`.
 * @param split "train", "dev", or an extra split the task lists in `files` (MNLI's "dev_mismatched").
 * @throws DataError (message `<file>:<line>: expected …, got …`) for a missing file, an empty file, a wrong
 *   header, a line with a missing or extra column, an empty text (unless the task keeps them), a label outside
 *   the task's label list (or a non-numeric regression score), and a file with a header but no examples.
 * @throws Error for an unknown task name, an inconsistent task row, or an unknown split.
 */
export async function loadGlueSplit(
  task: GlueTask | string,
  dataDir: string,
  split: GlueSplit,
): Promise<GlueSplitData> {
  const t = typeof task === "string" ? getGlueTask(task) : task;
  checkGlueTask(t);
  const splits = glueSplits(t);
  if (!splits.includes(split)) {
    const known = splits.map((s) => JSON.stringify(s));
    throw new Error(`loadGlueSplit: expected split ${andOr(known, "or")}, got ${JSON.stringify(split)}`);
  }
  const file = join(dataDir, t.files[split]!);
  const layout = splitLayout(t, split);
  const all = splits.map((s) => join(dataDir, t.files[s]!));
  const expected =
    `the ${t.name} ${split} split, a TSV file with ${describeLayout(layout)} ` +
    `(GLUE data folder layout: ${andOr(all, "and")})`;
  const table = await readTsv(file, layout, expected);
  if (table.rows.length === 0) {
    throw new DataError(file, undefined, `at least one ${t.name} example after the header`, "none");
  }

  const textCols = t.textColumns.map((ref) => ({ i: columnIndex(t, ref, split), name: columnName(ref) }));
  const labelCol = { i: columnIndex(t, t.labelColumn, split), name: columnName(t.labelColumn) };
  const parseLabel = labelParser(t, labelCol.name);
  const keepEmpty = t.emptyText === "keep";

  const examples = table.rows.map(({ line, fields }): GlueExample => {
    const texts = textCols.map(({ i, name }) => {
      if (!keepEmpty && fields[i].trim() === "")
        throw new DataError(file, line, `a non-empty text in ${name}`, "an empty field");
      return fields[i];
    });
    const label = parseLabel(fields[labelCol.i], file, line);
    return texts.length === 2 ? { textA: texts[0], textB: texts[1], label } : { textA: texts[0], label };
  });
  return { examples, file };
}

/** `a and b`, `a, b and c` (or "or"). */
function andOr(items: readonly string[], word: "and" | "or"): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} ${word} ${items[items.length - 1]}`;
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
