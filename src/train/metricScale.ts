/**
 * The scale of a run folder's stored metric values. Every metric is a fraction in [0, 1]; QA runs written
 * before EM/F1 became fractions stored the official script's 0–100, and are read back as fractions here.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isQaTask } from "../tasks/registry.js";
import type { TrainSummary } from "./family.js";
import { RUN_FILES } from "./runFiles.js";

/** run.json's `metricScale` in QA runs whose EM/F1 are fractions in [0, 1], as every other metric. */
export const QA_METRIC_SCALE = "fraction";

/**
 * What a run folder's stored metric values are divided by to be fractions: 100 for a QA run written before
 * EM/F1 became fractions (run.json without `metricScale`; its metrics.json, eval_log.jsonl, utility.json and
 * context.json hold the official script's 0–100), else 1 (GLUE runs, new QA runs, no run.json).
 */
export function storedMetricScale(runDir: string): 1 | 100 {
  const path = join(runDir, RUN_FILES.run);
  if (!existsSync(path)) return 1;
  const run = JSON.parse(readFileSync(path, "utf8")) as { config?: { task?: string }; metricScale?: string };
  return isQaTask(run.config?.task ?? "") && run.metricScale !== QA_METRIC_SCALE ? 100 : 1;
}

/**
 * A run's metrics.json summary with its metric values as fractions: a QA run from before EM/F1 were fractions
 * (`storedMetricScale` 100) stored them × 100.
 */
export function summaryAsFractions<S extends TrainSummary>(summary: S, runDir: string): S {
  const scale = storedMetricScale(runDir);
  if (scale === 1) return summary;
  const f = (x: number) => x / scale;
  return {
    ...summary,
    best: summary.best && { ...summary.best, value: f(summary.best.value) },
    final: {
      ...summary.final,
      value: f(summary.final.value),
      scores: Object.fromEntries(Object.entries(summary.final.scores ?? {}).map(([k, v]) => [k, f(v)])),
    },
  };
}
