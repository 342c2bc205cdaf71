/**
 * GLUE task registry: each task is one data row (files, columns, labels, metric, loss), never a file or subclass.
 *
 * Only SST-2 is registered so far. The row shape also covers the other GLUE tasks; for example (not registered):
 * - CoLA: `header: null, numColumns: 4, textColumns: [3], labelColumn: 1, labels: ["0", "1"],
 *   metric: "matthews_corrcoef"` (no header line; the dev file has no final newline).
 * - MRPC: `header: ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"], textColumns: ["#1 String",
 *   "#2 String"], labelColumn: "Quality", metric: "f1"` (the BOM before the header is removed by the reader).
 * - STS-B: `labels: "regression", numLabels: 1, lossKind: "mse", metric: "pearson"`.
 *
 * The rows are read by `loadGlueSplit` in `glue/reader.ts` (one concept per file; both are exported from
 * `tasks/index.ts`).
 */
import type { MetricName } from "./metrics.js";

/** The splits a GLUE task folder holds (the glue_data/ layout: `<dataDir>/train.tsv`, `<dataDir>/dev.tsv`). */
export type GlueSplit = "train" | "dev";

/** A column by header name (needs a header) or by 0-based index (for headerless files such as CoLA). */
export type ColumnRef = string | number;

interface GlueTaskBase {
  /** The GLUE name, also the folder name in glue_data/ (e.g. "SST-2"). */
  name: string;
  /** File name of each split inside the task's data folder. */
  files: Readonly<Record<GlueSplit, string>>;
  /** The exact header fields, or null when the files have no header line. */
  header: readonly string[] | null;
  /** Tab-separated fields per line; must equal `header.length` when there is a header. */
  numColumns: number;
  /** One column for single-sentence tasks (textA), two for sentence pairs (textA, textB). */
  textColumns: readonly [ColumnRef] | readonly [ColumnRef, ColumnRef];
  labelColumn: ColumnRef;
  /** The headline metric reported for the dev split (a key of `METRICS`). */
  metric: MetricName;
}

/**
 * A GLUE task row. The loss is set explicitly (HF's `problem_type` guessing is not copied) and goes with the
 * label kind: `"ce"` for a closed label list, `"mse"` for a regression score.
 */
export type GlueTask = GlueTaskBase &
  (
    | {
        lossKind: "ce";
        /** Label strings as they appear in the file; a label's class id is its index here. */
        labels: readonly string[];
        /** Equals `labels.length`. */
        numLabels: number;
      }
    | { lossKind: "mse"; labels: "regression"; numLabels: 1 }
  );

/** Registered tasks, by GLUE name. */
export const GLUE_TASKS: Readonly<Record<string, GlueTask>> = {
  "SST-2": {
    name: "SST-2",
    files: { train: "train.tsv", dev: "dev.tsv" },
    header: ["sentence", "label"],
    numColumns: 2,
    textColumns: ["sentence"],
    labelColumn: "label",
    labels: ["0", "1"],
    numLabels: 2,
    metric: "accuracy",
    lossKind: "ce",
  },
};

/** Lookup key: case and `-`/`_` ignored, so "SST-2", "sst2" (HF datasets) and "sst-2" all name SST-2. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/**
 * The registered task called `name` (case and `-`/`_` ignored).
 * @throws Error listing the registered names when there is none.
 */
export function getGlueTask(name: string): GlueTask {
  const key = normalise(name);
  const task = Object.values(GLUE_TASKS).find((t) => normalise(t.name) === key);
  if (task === undefined) {
    const known = Object.keys(GLUE_TASKS).join(", ");
    throw new Error(`getGlueTask: expected one of ${known}, got ${JSON.stringify(name)}`);
  }
  return task;
}

/**
 * Check that a task row is self-consistent (header vs column count, column refs, labels vs loss).
 * `loadGlueSplit` calls it, so a hand-written row fails before any file is read.
 * @throws Error naming the task and the broken rule.
 */
export function checkGlueTask(task: GlueTask): void {
  const fail = (rule: string, got: string): never => {
    throw new Error(`checkGlueTask: ${task.name}: expected ${rule}, got ${got}`);
  };
  if (!Number.isInteger(task.numColumns) || task.numColumns < 1) {
    fail("numColumns >= 1", String(task.numColumns));
  }
  if (task.header !== null && task.header.length !== task.numColumns) {
    fail(`numColumns equal to the header length ${task.header.length}`, String(task.numColumns));
  }
  for (const ref of [...task.textColumns, task.labelColumn]) columnIndex(task, ref);
  if (task.lossKind === "ce") {
    if (!Array.isArray(task.labels) || task.labels.length < 2)
      fail("at least 2 labels for lossKind ce", "fewer");
    if (new Set(task.labels).size !== task.labels.length)
      fail("distinct labels", JSON.stringify(task.labels));
    if (task.numLabels !== task.labels.length) {
      fail(`numLabels equal to labels.length ${task.labels.length}`, String(task.numLabels));
    }
  } else if (task.lossKind === "mse") {
    // Rows may come from untyped sources (JSON presets), so check what the type already promises.
    const { labels, numLabels } = task as { labels: unknown; numLabels: unknown };
    if (labels !== "regression" || numLabels !== 1) {
      fail('labels "regression" and numLabels 1 for lossKind mse', `${JSON.stringify(labels)}, ${numLabels}`);
    }
  } else {
    fail('lossKind "ce" or "mse"', JSON.stringify((task as { lossKind: unknown }).lossKind));
  }
}

/**
 * The 0-based field index of a column reference.
 * @throws Error if a name is not in the header (or there is no header), or an index is out of range.
 */
export function columnIndex(task: GlueTask, ref: ColumnRef): number {
  if (typeof ref === "number") {
    if (!Number.isInteger(ref) || ref < 0 || ref >= task.numColumns) {
      throw new Error(
        `columnIndex: ${task.name}: expected a column index in [0, ${task.numColumns}), got ${ref}`,
      );
    }
    return ref;
  }
  const i = task.header === null ? -1 : task.header.indexOf(ref);
  if (i < 0) {
    const have = task.header === null ? "a headerless layout (use an index)" : task.header.join(", ");
    throw new Error(
      `columnIndex: ${task.name}: expected a column named in ${have}, got ${JSON.stringify(ref)}`,
    );
  }
  return i;
}
