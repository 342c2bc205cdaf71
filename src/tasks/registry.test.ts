import { describe, expect, it } from "vitest";
import { METRICS } from "./metrics.js";
import { GLUE_TASKS, checkGlueTask, columnIndex, getGlueTask } from "./registry.js";
import type { GlueTask } from "./registry.js";

describe("GLUE registry", () => {
  it("has a self-consistent row per task, with a known metric", () => {
    for (const task of Object.values(GLUE_TASKS)) {
      expect(() => checkGlueTask(task)).not.toThrow();
      expect(METRICS[task.metric]).toBeTypeOf("function");
      expect(GLUE_TASKS[task.name]).toBe(task);
    }
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
    expect(() => getGlueTask("mnli")).toThrow('getGlueTask: expected one of SST-2, got "mnli"');
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
  ])("rejects a row with %s", (_name, change, message) => {
    const row = { ...getGlueTask("SST-2"), ...change } as GlueTask;
    expect(() => checkGlueTask(row)).toThrow(message);
  });
});
