/**
 * GLUE task registry: each task is one data row (files, columns, labels, metrics, loss), never a file or subclass.
 *
 * All nine GLUE tasks are registered, in their GLUE TSV formats (the glue_data/ layout written by the GLUE
 * download script). Label lists follow HF transformers' GLUE processors (`transformers/data/processors/glue.py`,
 * `get_labels`), so a class id means the same as in HF's `run_glue` and an exported model gets the conventional
 * `id2label`. Text and label columns are the ones those processors read. Metrics follow the GLUE leaderboard:
 * `metrics` lists every reported metric, headline first (the leaderboard's "F1/Accuracy", "Pearson/Spearman").
 *
 * The rows are read by `loadGlueSplit` in `glue/reader.ts` (one concept per file; both are exported from
 * `tasks/index.ts`).
 */
import type { TsvLayout } from "./glue/tsv.js";
import { METRICS } from "./metrics.js";
import type { MetricName } from "./metrics.js";

/**
 * The splits a GLUE task folder can hold. Every task has `train` and `dev`; MNLI's `dev` is dev_matched and it
 * adds `dev_mismatched`. The unlabelled test files are not read.
 */
export type GlueSplit = "train" | "dev" | "dev_mismatched";

/** File name of each split inside the task's data folder: train and dev always, extra dev sets optionally. */
export type GlueFiles = Readonly<{ train: string; dev: string } & Partial<Record<GlueSplit, string>>>;

/** A column by header name (needs a header) or by 0-based index (for headerless files such as CoLA). */
export type ColumnRef = string | number;

interface GlueTaskBase {
  /** The GLUE name, also the folder name in glue_data/ (e.g. "SST-2"). */
  name: string;
  files: GlueFiles;
  /** The exact header fields, or null when the files have no header line. */
  header: readonly string[] | null;
  /** Tab-separated fields per line; must equal `header.length` when there is a header. */
  numColumns: number;
  /**
   * Splits whose file layout differs from `header`/`numColumns` (MNLI: train has 12 columns, its dev sets 16).
   * Name the text and label columns by header name, so they resolve in every layout.
   */
  splitLayouts?: Readonly<Partial<Record<GlueSplit, TsvLayout>>>;
  /** One column for single-sentence tasks (textA), two for sentence pairs (textA, textB). */
  textColumns: readonly [ColumnRef] | readonly [ColumnRef, ColumnRef];
  labelColumn: ColumnRef;
  /**
   * What an empty (or all-space) text is: a DataError (default), or kept as it is. QQP keeps them: its official
   * train file has two pairs with an empty question2, which HF keeps too (huggingface/datasets issue 277).
   */
  emptyText?: "error" | "keep";
  /** The headline metric, used for checkpoint selection; always `metrics[0]`. */
  metric: MetricName;
  /** Every metric reported for the task (see `scoreAll`), headline first. */
  metrics: readonly MetricName[];
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

const TRAIN_DEV = { train: "train.tsv", dev: "dev.tsv" } as const;
/** Labels "0"/"1" as written in the files, in HF's order (class 1 is the positive class for F1). */
const BINARY = { labels: ["0", "1"], numLabels: 2, lossKind: "ce" } as const;
/** QNLI and RTE (HF `QnliProcessor`/`RteProcessor`). */
const ENTAILMENT = { labels: ["entailment", "not_entailment"], numLabels: 2, lossKind: "ce" } as const;
/** The four pair-task columns of RTE and WNLI. */
const INDEX_PAIR_HEADER = ["index", "sentence1", "sentence2", "label"];
/** MNLI's first ten columns, shared by train and the dev sets. */
const MNLI_COLUMNS = [
  "index",
  "promptID",
  "pairID",
  "genre",
  "sentence1_binary_parse",
  "sentence2_binary_parse",
  "sentence1_parse",
  "sentence2_parse",
  "sentence1",
  "sentence2",
];
const MNLI_TRAIN_HEADER = [...MNLI_COLUMNS, "label1", "gold_label"];
const MNLI_DEV_HEADER = [...MNLI_COLUMNS, "label1", "label2", "label3", "label4", "label5", "gold_label"];

/** Registered tasks, by GLUE name, in the GLUE paper's order. */
export const GLUE_TASKS: Readonly<Record<string, GlueTask>> = {
  // No header; columns: source, label, original-author annotation ("*" or empty), sentence. The dev file has no
  // final newline.
  CoLA: {
    name: "CoLA",
    files: TRAIN_DEV,
    header: null,
    numColumns: 4,
    textColumns: [3],
    labelColumn: 1,
    ...BINARY,
    metric: "matthews_corrcoef",
    metrics: ["matthews_corrcoef"],
  },
  "SST-2": {
    name: "SST-2",
    files: TRAIN_DEV,
    header: ["sentence", "label"],
    numColumns: 2,
    textColumns: ["sentence"],
    labelColumn: "label",
    ...BINARY,
    metric: "accuracy",
    metrics: ["accuracy"],
  },
  // The header starts with a UTF-8 BOM, which the reader removes.
  MRPC: {
    name: "MRPC",
    files: TRAIN_DEV,
    header: ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"],
    numColumns: 5,
    textColumns: ["#1 String", "#2 String"],
    labelColumn: "Quality",
    ...BINARY,
    metric: "f1",
    metrics: ["f1", "accuracy"],
  },
  // Scores are similarity ratings in [0, 5] written with decimals ("3.800"); HF `StsbProcessor` regression.
  "STS-B": {
    name: "STS-B",
    files: TRAIN_DEV,
    header: [
      "index",
      "genre",
      "filename",
      "year",
      "old_index",
      "source1",
      "source2",
      "sentence1",
      "sentence2",
      "score",
    ],
    numColumns: 10,
    textColumns: ["sentence1", "sentence2"],
    labelColumn: "score",
    labels: "regression",
    numLabels: 1,
    lossKind: "mse",
    metric: "pearson",
    metrics: ["pearson", "spearman"],
  },
  // F1 is the headline as for MRPC: the GLUE leaderboard reports QQP as "F1/Accuracy" and BERT's paper reports F1.
  QQP: {
    name: "QQP",
    files: TRAIN_DEV,
    header: ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"],
    numColumns: 6,
    textColumns: ["question1", "question2"],
    labelColumn: "is_duplicate",
    emptyText: "keep",
    ...BINARY,
    metric: "f1",
    metrics: ["f1", "accuracy"],
  },
  // HF `MnliProcessor` label order, which differs from the HF datasets hub order (entailment, neutral,
  // contradiction). "dev" is dev_matched (MNLI-m), "dev_mismatched" is MNLI-mm; GLUE reports accuracy on both.
  MNLI: {
    name: "MNLI",
    files: { train: "train.tsv", dev: "dev_matched.tsv", dev_mismatched: "dev_mismatched.tsv" },
    header: MNLI_DEV_HEADER,
    numColumns: 16,
    splitLayouts: { train: { header: MNLI_TRAIN_HEADER, numColumns: 12 } },
    textColumns: ["sentence1", "sentence2"],
    labelColumn: "gold_label",
    labels: ["contradiction", "entailment", "neutral"],
    numLabels: 3,
    lossKind: "ce",
    metric: "accuracy",
    metrics: ["accuracy"],
  },
  QNLI: {
    name: "QNLI",
    files: TRAIN_DEV,
    header: ["index", "question", "sentence", "label"],
    numColumns: 4,
    textColumns: ["question", "sentence"],
    labelColumn: "label",
    ...ENTAILMENT,
    metric: "accuracy",
    metrics: ["accuracy"],
  },
  RTE: {
    name: "RTE",
    files: TRAIN_DEV,
    header: INDEX_PAIR_HEADER,
    numColumns: 4,
    textColumns: ["sentence1", "sentence2"],
    labelColumn: "label",
    ...ENTAILMENT,
    metric: "accuracy",
    metrics: ["accuracy"],
  },
  WNLI: {
    name: "WNLI",
    files: TRAIN_DEV,
    header: INDEX_PAIR_HEADER,
    numColumns: 4,
    textColumns: ["sentence1", "sentence2"],
    labelColumn: "label",
    ...BINARY,
    metric: "accuracy",
    metrics: ["accuracy"],
  },
};

/** Lookup key: case and `-`/`_` ignored, so "SST-2", "sst2" (HF datasets) and "sst-2" all name SST-2. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/**
 * The registered task called `name` (case and `-`/`_` ignored): the GLUE folder names ("STS-B") and the HF
 * datasets config names ("stsb", "mnli") both work.
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
 * What a task family trains: a class per example (`classification`), a score per example (`regression`), or a
 * span of the context per question (`span`, extractive QA), or a ranking of a corpus per query (`ranking`: the
 * PRF query reformulator, LoL, SPEC §9).
 * The training loop picks the task family's adapter by kind (train/loop.ts).
 */
export type TaskKind = "classification" | "regression" | "span" | "ranking";

/** The extractive-QA tasks (tasks/qa/): SQuAD v1.1, the SQuAD distractor benchmark, HotpotQA (distractor). */
export type QaTaskName = "squad" | "squad-distractor" | "hotpot";

/**
 * Every task `--task` accepts, by its command-line name, with its kind: the GLUE rows (named as HF datasets
 * names them, "sst2") and the extractive-QA tasks. The CLI's task list and every "is this QA?" come from here.
 */
export const TASKS: Readonly<Record<string, TaskKind>> = {
  ...Object.fromEntries(
    Object.values(GLUE_TASKS).map((t) => [
      normalise(t.name),
      t.lossKind === "mse" ? "regression" : "classification",
    ]),
  ),
  squad: "span",
  "squad-distractor": "span",
  hotpot: "span",
  prf: "ranking",
};

/** The command-line task names, GLUE in the GLUE paper's order, then QA, then ranking. */
export const TASK_NAMES: readonly string[] = Object.keys(TASKS);

/** The QA task names, from TASKS. */
export const QA_TASKS = TASK_NAMES.filter((t) => TASKS[t] === "span") as readonly QaTaskName[];

/**
 * The kind of task `name`: a command-line name, or a GLUE name in any spelling `getGlueTask` accepts ("SST-2").
 * @throws Error listing the task names when there is none.
 */
export function taskKind(name: string): TaskKind {
  const kind = Object.hasOwn(TASKS, name) ? TASKS[name] : TASKS[normalise(name)];
  if (kind === undefined) {
    throw new Error(`taskKind: expected one of ${TASK_NAMES.join(", ")}, got ${JSON.stringify(name)}`);
  }
  return kind;
}

/** Whether `name` is an extractive-QA task (kind `span`); false for unknown names. */
export function isQaTask(name: string): name is QaTaskName {
  return Object.hasOwn(TASKS, name) && TASKS[name] === "span";
}

/** Whether `name` is a ranking task (kind `ranking`: the PRF reformulator); false for unknown names. */
export function isRankingTask(name: string): boolean {
  return Object.hasOwn(TASKS, name) && TASKS[name] === "ranking";
}

/** The splits a task's folder holds, train first (MNLI: train, dev, dev_mismatched). */
export function glueSplits(task: GlueTask): GlueSplit[] {
  return Object.keys(task.files) as GlueSplit[];
}

/**
 * The file layout of one split: its entry in `splitLayouts`, or the row's `header`/`numColumns`.
 * @throws Error for a split the task does not have.
 */
export function splitLayout(task: GlueTask, split: GlueSplit): TsvLayout {
  if (!Object.hasOwn(task.files, split)) {
    const known = glueSplits(task).map((s) => JSON.stringify(s));
    throw new Error(
      `splitLayout: ${task.name}: expected a split in ${known.join(", ")}, got ${JSON.stringify(split)}`,
    );
  }
  return task.splitLayouts?.[split] ?? { header: task.header, numColumns: task.numColumns };
}

/**
 * Check that a task row is self-consistent (header vs column count in every split, column refs, labels vs loss,
 * metrics vs loss). `loadGlueSplit` calls it, so a hand-written row fails before any file is read.
 * @throws Error naming the task and the broken rule.
 */
export function checkGlueTask(task: GlueTask): void {
  const fail = (rule: string, got: string): never => {
    throw new Error(`checkGlueTask: ${task.name}: expected ${rule}, got ${got}`);
  };
  for (const split of ["train", "dev"] as const) {
    if (typeof task.files?.[split] !== "string") fail(`a file name for the ${split} split`, "none");
  }
  for (const split of Object.keys(task.splitLayouts ?? {})) {
    if (!Object.hasOwn(task.files, split))
      fail("splitLayouts only for splits in files", JSON.stringify(split));
  }
  for (const split of glueSplits(task)) {
    const { header, numColumns } = splitLayout(task, split);
    const where = task.splitLayouts?.[split] === undefined ? "" : ` in the ${split} layout`;
    if (!Number.isInteger(numColumns) || numColumns < 1) fail(`numColumns >= 1${where}`, String(numColumns));
    if (header !== null && header.length !== numColumns) {
      fail(`numColumns equal to the header length ${header.length}${where}`, String(numColumns));
    }
    for (const ref of [...task.textColumns, task.labelColumn]) columnIndex(task, ref, split);
  }
  if (task.emptyText !== undefined && task.emptyText !== "error" && task.emptyText !== "keep") {
    fail('emptyText "error" or "keep"', JSON.stringify(task.emptyText));
  }
  checkLabels(task, fail);
  checkMetrics(task, fail);
}

type Fail = (rule: string, got: string) => never;

function checkLabels(task: GlueTask, fail: Fail): void {
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

/** Metrics that compare class ids (`ce`) or real-valued scores (`mse`); F1 also needs exactly two classes. */
const REGRESSION_METRICS: ReadonlySet<MetricName> = new Set(["pearson", "spearman"]);

function checkMetrics(task: GlueTask, fail: Fail): void {
  const { metric, metrics } = task as { metric: unknown; metrics: unknown };
  if (!Array.isArray(metrics) || metrics.length === 0) {
    fail("a non-empty metrics list (headline first)", JSON.stringify(metrics));
  }
  const list = metrics as unknown[];
  for (const m of list) {
    if (typeof m !== "string" || !Object.hasOwn(METRICS, m)) {
      fail(`metrics from ${Object.keys(METRICS).join(", ")}`, JSON.stringify(m));
    }
  }
  if (new Set(list).size !== list.length) fail("distinct metrics", JSON.stringify(list));
  if (metric !== list[0])
    fail(`metric equal to metrics[0] ${JSON.stringify(list[0])}`, JSON.stringify(metric));
  for (const m of list as MetricName[]) {
    if (REGRESSION_METRICS.has(m) !== (task.lossKind === "mse")) {
      fail(`metrics that suit lossKind ${task.lossKind}`, JSON.stringify(m));
    }
    if (m === "f1" && task.numLabels !== 2) fail("2 labels for the binary f1 metric", String(task.numLabels));
  }
}

/**
 * The 0-based field index of a column reference, in one split's layout (default: the row's `header`/
 * `numColumns`).
 * @throws Error if a name is not in the header (or there is no header), or an index is out of range.
 */
export function columnIndex(task: GlueTask, ref: ColumnRef, split?: GlueSplit): number {
  const { header, numColumns } =
    split === undefined ? { header: task.header, numColumns: task.numColumns } : splitLayout(task, split);
  const where = split === undefined || task.splitLayouts?.[split] === undefined ? "" : ` ${split}`;
  if (typeof ref === "number") {
    if (!Number.isInteger(ref) || ref < 0 || ref >= numColumns) {
      throw new Error(
        `columnIndex: ${task.name}${where}: expected a column index in [0, ${numColumns}), got ${ref}`,
      );
    }
    return ref;
  }
  const i = header === null ? -1 : header.indexOf(ref);
  if (i < 0) {
    const have = header === null ? "a headerless layout (use an index)" : header.join(", ");
    throw new Error(
      `columnIndex: ${task.name}${where}: expected a column named in ${have}, got ${JSON.stringify(ref)}`,
    );
  }
  return i;
}
