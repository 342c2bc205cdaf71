import { describe, expect, it } from "vitest";
import { METRICS } from "./metrics.js";
import { GLUE_TASKS, checkGlueTask, columnIndex, getGlueTask, glueSplits, splitLayout } from "./registry.js";
import type { GlueTask } from "./registry.js";

describe("GLUE registry", () => {
  it("has a self-consistent row per task, with a known metric", () => {
    for (const task of Object.values(GLUE_TASKS)) {
      expect(() => checkGlueTask(task)).not.toThrow();
      expect(METRICS[task.metric]).toBeTypeOf("function");
      expect(task.metrics[0]).toBe(task.metric);
      expect(GLUE_TASKS[task.name]).toBe(task);
    }
  });

  it("registers the nine GLUE tasks under their HF datasets names", () => {
    const hf = ["cola", "sst2", "mrpc", "stsb", "qqp", "mnli", "qnli", "rte", "wnli"];
    expect(hf.map((n) => getGlueTask(n).name)).toEqual(Object.keys(GLUE_TASKS));
    expect(Object.keys(GLUE_TASKS)).toEqual([
      "CoLA",
      "SST-2",
      "MRPC",
      "STS-B",
      "QQP",
      "MNLI",
      "QNLI",
      "RTE",
      "WNLI",
    ]);
    expect(getGlueTask("STS-B")).toBe(getGlueTask("stsb"));
  });

  // Labels from transformers/data/processors/glue.py `get_labels` (STS-B: [None], a regression); metrics as on
  // the GLUE leaderboard (MRPC and QQP "F1/Accuracy", STS-B "Pearson/Spearman"), headline first.
  it.each<[string, GlueTask["labels"], string[], "ce" | "mse"]>([
    ["CoLA", ["0", "1"], ["matthews_corrcoef"], "ce"],
    ["SST-2", ["0", "1"], ["accuracy"], "ce"],
    ["MRPC", ["0", "1"], ["f1", "accuracy"], "ce"],
    ["STS-B", "regression", ["pearson", "spearman"], "mse"],
    ["QQP", ["0", "1"], ["f1", "accuracy"], "ce"],
    ["MNLI", ["contradiction", "entailment", "neutral"], ["accuracy"], "ce"],
    ["QNLI", ["entailment", "not_entailment"], ["accuracy"], "ce"],
    ["RTE", ["entailment", "not_entailment"], ["accuracy"], "ce"],
    ["WNLI", ["0", "1"], ["accuracy"], "ce"],
  ])("%s has HF's labels and GLUE's metrics", (name, labels, metrics, lossKind) => {
    const task = getGlueTask(name);
    expect(task.labels).toEqual(labels);
    expect(task.numLabels).toBe(labels === "regression" ? 1 : labels.length);
    expect(task.metrics).toEqual(metrics);
    expect(task.lossKind).toBe(lossKind);
  });

  it("gives MNLI a 12-column train layout, 16-column dev sets and a dev_mismatched split", () => {
    const mnli = getGlueTask("mnli");
    expect(glueSplits(mnli)).toEqual(["train", "dev", "dev_mismatched"]);
    expect(mnli.files).toEqual({
      train: "train.tsv",
      dev: "dev_matched.tsv",
      dev_mismatched: "dev_mismatched.tsv",
    });
    expect(splitLayout(mnli, "train").numColumns).toBe(12);
    expect(splitLayout(mnli, "dev").numColumns).toBe(16);
    expect(splitLayout(mnli, "dev_mismatched").numColumns).toBe(16);
    expect([columnIndex(mnli, "sentence1", "train"), columnIndex(mnli, "sentence2", "dev")]).toEqual([8, 9]);
    expect(columnIndex(mnli, "gold_label", "train")).toBe(11);
    expect(columnIndex(mnli, "gold_label", "dev_mismatched")).toBe(15);
    expect(() => columnIndex(mnli, "label5", "train")).toThrow(
      "columnIndex: MNLI train: expected a column named in",
    );
    expect(glueSplits(getGlueTask("rte"))).toEqual(["train", "dev"]);
    expect(() => splitLayout(getGlueTask("rte"), "dev_mismatched")).toThrow(
      'splitLayout: RTE: expected a split in "train", "dev", got "dev_mismatched"',
    );
  });

  it("describes SST-2 as the brief states", () => {
    expect(getGlueTask("SST-2")).toMatchObject({
      files: { train: "train.tsv", dev: "dev.tsv" },
      header: ["sentence", "label"],
      labels: ["0", "1"],
      numLabels: 2,
      metric: "accuracy",
      lossKind: "ce",
    });
  });

  it("finds tasks ignoring case, '-' and '_', and lists known names otherwise", () => {
    expect(getGlueTask("sst2").name).toBe("SST-2");
    expect(getGlueTask("Sst_2").name).toBe("SST-2");
    expect(() => getGlueTask("mnli-mm")).toThrow(
      'getGlueTask: expected one of CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI, got "mnli-mm"',
    );
  });

  it("resolves column names and indices", () => {
    const sst2 = getGlueTask("SST-2");
    expect(columnIndex(sst2, "label")).toBe(1);
    expect(columnIndex(sst2, 0)).toBe(0);
    expect(() => columnIndex(sst2, "text")).toThrow('expected a column named in sentence, label, got "text"');
    expect(() => columnIndex(sst2, 2)).toThrow("expected a column index in [0, 2), got 2");
  });

  it.each<[string, Partial<GlueTask>, string]>([
    ["header/numColumns mismatch", { numColumns: 3 }, "numColumns equal to the header length 2"],
    ["a named column without a header", { header: null }, "a headerless layout (use an index)"],
    ["numLabels that disagrees with labels", { numLabels: 3 }, "numLabels equal to labels.length 2"],
    ["duplicate labels", { labels: ["0", "0"] }, "distinct labels"],
    [
      "regression labels with lossKind ce",
      { labels: "regression" } as Partial<GlueTask>,
      "at least 2 labels",
    ],
    ["a label list with lossKind mse", { lossKind: "mse" } as Partial<GlueTask>, 'labels "regression"'],
    ["no dev file", { files: { train: "train.tsv" } } as Partial<GlueTask>, "a file name for the dev split"],
    [
      "a headline that is not metrics[0]",
      { metric: "f1" },
      'metric equal to metrics[0] "accuracy", got "f1"',
    ],
    ["no metrics", { metrics: [] }, "a non-empty metrics list"],
    ["an unknown metric", { metrics: ["auc"] } as unknown as Partial<GlueTask>, "metrics from accuracy, "],
    ["a repeated metric", { metrics: ["accuracy", "accuracy"] }, "distinct metrics"],
    [
      "a regression metric for lossKind ce",
      { metrics: ["accuracy", "pearson"] },
      "metrics that suit lossKind ce",
    ],
    [
      "a layout for a split it does not have",
      { splitLayouts: { dev_mismatched: { header: ["sentence", "label"], numColumns: 2 } } },
      'splitLayouts only for splits in files, got "dev_mismatched"',
    ],
    [
      "a split layout without the label column",
      { splitLayouts: { train: { header: ["sentence", "gold"], numColumns: 2 } } },
      'columnIndex: SST-2 train: expected a column named in sentence, gold, got "label"',
    ],
    [
      "a split layout whose header disagrees with numColumns",
      { splitLayouts: { dev: { header: ["sentence", "label"], numColumns: 3 } } },
      "numColumns equal to the header length 2 in the dev layout, got 3",
    ],
    [
      "an unknown emptyText policy",
      { emptyText: "skip" } as unknown as Partial<GlueTask>,
      'emptyText "error" or "keep"',
    ],
  ])("rejects a row with %s", (_name, change, message) => {
    const row = { ...getGlueTask("SST-2"), ...change } as GlueTask;
    expect(() => checkGlueTask(row)).toThrow(message);
  });

  it.each<[string, Partial<GlueTask>, string]>([
    [
      "a classification metric for lossKind mse",
      { metrics: ["pearson", "accuracy"] },
      "metrics that suit lossKind mse",
    ],
  ])("rejects an STS-B row with %s", (_name, change, message) => {
    const row = { ...getGlueTask("STS-B"), ...change } as GlueTask;
    expect(() => checkGlueTask(row)).toThrow(message);
  });

  it("rejects binary F1 for a three-class task", () => {
    const row = { ...getGlueTask("MNLI"), metric: "f1", metrics: ["f1"] } as GlueTask;
    expect(() => checkGlueTask(row)).toThrow(
      "checkGlueTask: MNLI: expected 2 labels for the binary f1 metric, got 3",
    );
  });
});
