/**
 * One scale for metrics: QA's EM/F1 are fractions like GLUE's everywhere; QA run folders written before that
 * (run.json without `metricScale`, values 0–100) are still reported as fractions, and are not resumed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GridCell } from "../src/experiment/grid.js";
import { htmlReport, toResult } from "../src/experiment/report.js";
import { TRAIN_DEFAULTS } from "../src/train/config.js";
import { train, type TrainSummary } from "../src/train/loop.js";
import { RUN_FILES } from "../src/train/runFiles.js";
import { QA_METRIC_SCALE, storedMetricScale } from "../src/train/metricScale.js";
import { QA_DEFAULTS } from "../src/tasks/qa/data.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-scale-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A finished QA run folder holding F1 `f1s` per evaluation (on the scale `unit`: 1 or 100). */
function qaRun(name: string, f1s: number[], unit: 1 | 100, marked: boolean): GridCell {
  const dir = join(root, name);
  mkdirSync(dir);
  const config = {
    ...TRAIN_DEFAULTS,
    task: "squad-distractor",
    dataDir: "test/fixtures/qa/squad-small.json",
  };
  const run = { config, settings: QA_DEFAULTS, ...(marked ? { metricScale: QA_METRIC_SCALE } : {}) };
  writeFileSync(join(dir, RUN_FILES.run), JSON.stringify(run));
  const at = (i: number) => ({ f1: f1s[i] * unit, exact_match: (f1s[i] / 2) * unit });
  writeFileSync(
    join(dir, RUN_FILES.evals),
    f1s
      .map((_, i) => JSON.stringify({ step: i + 1, metric: "f1", value: at(i).f1, scores: at(i) }))
      .join("\n"),
  );
  const last = f1s.length - 1;
  const summary: TrainSummary = {
    task: "squad-distractor",
    metric: "f1",
    best: { step: last + 1, value: at(last).f1 },
    final: { step: last + 1, value: at(last).f1, loss: NaN, scores: at(last) },
    steps: f1s.length,
    examples_per_s: 1,
    wall_s: 1,
    output_dir: dir,
  };
  writeFileSync(join(dir, RUN_FILES.metrics), JSON.stringify(summary));
  return { task: "squad-distractor", method: "cmp", seed: 1, outputDir: dir };
}

const read = (cell: GridCell, summary: TrainSummary) =>
  toResult(
    cell,
    summary,
    [{ power: 0, rate: 0, value: summary.final.value, loss: null }],
    [{ maxParagraphs: 0, value: summary.final.value }],
  );

describe("metric scale", () => {
  it("reports a QA run's fractions as they are, and a pre-fraction run's 0–100 as the same fractions", () => {
    const f1s = [0.5, 0.8547];
    const now = qaRun("now", f1s, 1, true);
    const old = qaRun("old", f1s, 100, false);
    expect([storedMetricScale(now.outputDir), storedMetricScale(old.outputDir)]).toEqual([1, 100]);
    const summary = (cell: GridCell, unit: number): TrainSummary => ({
      task: cell.task,
      metric: "f1",
      best: { step: 2, value: 0.8547 * unit },
      final: { step: 2, value: 0.8547 * unit, loss: NaN, scores: { f1: 0.8547 * unit, exact_match: 0 } },
      steps: 2,
      examples_per_s: 1,
      wall_s: 1,
      output_dir: cell.outputDir,
    });
    for (const [cell, unit] of [
      [now, 1],
      [old, 100],
    ] as const) {
      const r = read(cell, summary(cell, unit));
      expect(r.best).toBeCloseTo(0.8547, 12);
      expect(r.final).toBeCloseTo(0.8547, 12);
      expect(r.scores.f1).toBeCloseTo(0.8547, 12);
      expect(r.utility[0].value).toBeCloseTo(0.8547, 12);
      expect(r.context[0].value).toBeCloseTo(0.8547, 12);
    }
    // The dev curves read from eval_log.jsonl: the same plot for both folders.
    const html = (cell: GridCell, unit: number) =>
      htmlReport([{ ...read(cell, summary(cell, unit)), outputDir: cell.outputDir }], "t").replaceAll(
        cell.outputDir,
        "DIR",
      );
    expect(html(old, 100)).toBe(html(now, 1));
  });

  it("is 1 for GLUE runs and folders without run.json", () => {
    const dir = join(root, "glue");
    mkdirSync(dir);
    expect(storedMetricScale(dir)).toBe(1);
    writeFileSync(join(dir, RUN_FILES.run), JSON.stringify({ ...TRAIN_DEFAULTS, config: TRAIN_DEFAULTS }));
    expect(storedMetricScale(dir)).toBe(1);
  });

  it("refuses to resume a QA run whose logs are on the old 0–100 scale, rather than mix scales", async () => {
    // interrupted (a checkpoint, no metrics.json): resuming it would log fractions beside its 0–100 ones
    const old = qaRun("resume-old", [0.5], 100, false);
    rmSync(join(old.outputDir, RUN_FILES.metrics));
    writeFileSync(join(old.outputDir, RUN_FILES.last), "");
    const config = {
      ...TRAIN_DEFAULTS,
      task: "squad-distractor",
      dataDir: "test/fixtures/qa/squad-small.json",
      model: "test/fixtures/hf/bert-tiny",
      outputDir: old.outputDir,
      maxSeqLength: 64,
      resume: true,
    };
    await expect(train(config, { quiet: true }, { ...QA_DEFAULTS, distractors: 2 })).rejects.toThrow(
      /^--resume: .*resume-old was started before QA EM\/F1 became fractions .*start it again in a new --output-dir$/,
    );
  });

  it("reports a finished old-scale QA run as fractions when --resume finds nothing to do", async () => {
    const old = qaRun("finished-old", [0.5], 100, false);
    const config = {
      ...TRAIN_DEFAULTS,
      task: "squad-distractor",
      dataDir: "test/fixtures/qa/squad-small.json",
      model: "test/fixtures/hf/bert-tiny",
      outputDir: old.outputDir,
      resume: true,
    };
    const summary = await train(config, { quiet: true }, QA_DEFAULTS);
    expect(summary.final.value).toBeCloseTo(0.5, 12);
    expect(summary.best?.value).toBeCloseTo(0.5, 12);
    expect(summary.final.scores.exact_match).toBeCloseTo(0.25, 12);
  });
});
