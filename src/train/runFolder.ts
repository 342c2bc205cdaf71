/**
 * A run folder's lifecycle before training starts: what an earlier run left there (finished, interrupted, or
 * stopped before its first checkpoint), whether this command may train there (`--resume` / `--overwrite`), and
 * the clean-up a start or resume does (an old run's files under --overwrite, orphaned temporary files).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { removeOrphanedTemps } from "../io/atomic.js";
import { loadTensorMetadata } from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import type { TrainSummary } from "./family.js";
import { summaryAsFractions } from "./metricScale.js";
import { DERIVED_FILES, PRF_RUN_FILES, RUN_FILES, RUN_TOKENIZER_DIR } from "./runFiles.js";

/** What an earlier run left in a folder. */
export type EarlierRun =
  | { kind: "none" }
  | { kind: "finished"; summary: TrainSummary }
  /** A checkpoint and no metrics.json: `--resume` goes on from `step` (null: its header is unreadable). */
  | { kind: "interrupted"; step: number | null }
  /** Steps logged but no checkpoint to resume from (it stopped or diverged before its first evaluation). */
  | { kind: "unsaved"; steps: number };

export function earlierRun(dir: string): EarlierRun {
  const metrics = join(dir, RUN_FILES.metrics);
  if (existsSync(metrics)) {
    let summary: TrainSummary;
    try {
      summary = JSON.parse(readFileSync(metrics, "utf8")) as TrainSummary;
    } catch {
      throw new Error(`${metrics}: expected the JSON summary of a finished run`);
    }
    return { kind: "finished", summary: summaryAsFractions(summary, dir) };
  }
  const last = join(dir, RUN_FILES.last);
  if (existsSync(last)) {
    let step: number | null = null;
    try {
      step = Number(loadTensorMetadata(last).step);
    } catch {
      // unreadable: --resume will say why
    }
    return { kind: "interrupted", step: Number.isFinite(step) ? step : null };
  }
  const log = join(dir, RUN_FILES.steps);
  const steps = existsSync(log)
    ? readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "").length
    : 0;
  return steps > 0 ? { kind: "unsaved", steps } : { kind: "none" };
}

/** "dev accuracy 0.8108 final, best 0.8177 at step 1600" from a run's metrics.json. */
function describeFinished(s: TrainSummary): string {
  const num = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : "n/a");
  const best = s.best ? `, best ${num(s.best.value)} at step ${s.best.step}` : "";
  return `dev ${s.metric} ${num(s.final?.value)} final${best}`;
}

const finalStep = (s: TrainSummary) => s.final?.step ?? s.steps;

/**
 * Why this command may not train in its output folder, as one line, or null when it may: `--resume` with
 * `--overwrite`, or an earlier run there (finished, interrupted or unsaved) without either flag. Reads only.
 */
export function runFolderConflict(
  config: Pick<TrainConfig, "outputDir" | "resume" | "overwrite">,
): string | null {
  const dir = config.outputDir;
  if (config.resume && config.overwrite) {
    return `--resume and --overwrite exclude each other: --resume continues the run in ${dir}, --overwrite deletes it and starts again`;
  }
  if (config.resume || config.overwrite) return null;
  const run = earlierRun(dir);
  switch (run.kind) {
    case "none":
      return null;
    case "finished":
      return (
        `${dir} holds a run finished at step ${finalStep(run.summary)} (${describeFinished(run.summary)}); ` +
        `add --overwrite to train it again ` +
        `from scratch, or choose another --output-dir`
      );
    case "interrupted":
      return (
        `${dir} holds an interrupted run (checkpoint at step ${run.step ?? "?"}); add --resume to continue it, ` +
        `or --overwrite to delete it and start again`
      );
    case "unsaved":
      return (
        `${dir} holds a run that stopped after ${run.steps} step(s), before its first checkpoint; ` +
        `add --overwrite to delete it and start again, or choose another --output-dir`
      );
  }
}

/** Delete an earlier run's files (and what was scored from its weights) so nothing stale stays; others stay. */
export function clearRun(dir: string): void {
  for (const name of [
    ...Object.values(RUN_FILES),
    RUN_TOKENIZER_DIR,
    ...Object.values(PRF_RUN_FILES),
    ...Object.values(DERIVED_FILES),
  ]) {
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Check the folder before anything is written (throws the conflict's line), and for `--resume` of a finished
 * run return its summary: there is nothing to do and no file changes.
 */
export function checkRunFolder(config: TrainConfig): TrainSummary | null {
  const conflict = runFolderConflict(config);
  if (conflict) throw new Error(conflict);
  if (!config.resume) return null;
  const run = earlierRun(config.outputDir);
  return run.kind === "finished" ? run.summary : null;
}

/**
 * Make the folder ready once the inputs are valid: under --overwrite delete the earlier run, and delete
 * temporary files killed writers left behind. Returns notes for the run's first line.
 */
export function prepareRunFolder(config: TrainConfig): string[] {
  const dir = config.outputDir;
  const notes: string[] = [];
  if (config.overwrite && earlierRun(dir).kind !== "none") {
    clearRun(dir);
    notes.push(`--overwrite: deleted the earlier run in ${dir}`);
  }
  const orphans = [dir, join(dir, RUN_FILES.hfModel)].flatMap((d) => removeOrphanedTemps(d));
  if (orphans.length)
    notes.push(`deleted ${orphans.length} orphaned temporary file(s) (${orphans.join(", ")})`);
  return notes;
}

/** The note printed instead of training when `--resume` finds the run finished. */
export function finishedNote(dir: string, summary: TrainSummary): string {
  return (
    `cmploss: ${dir} already finished at step ${finalStep(summary)} (${describeFinished(summary)}); ` +
    `nothing to resume, no file changed`
  );
}

/**
 * run.json's text: the settings a run was started with, never with `overwrite` set (`--config run.json` must not
 * carry it to another folder).
 */
export function runJson(record: { config: TrainConfig } & Record<string, unknown>): string {
  return JSON.stringify({ ...record, config: { ...record.config, overwrite: false } }, null, 2) + "\n";
}
