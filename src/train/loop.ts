/**
 * The training loop — one for every task family (family.ts): data order from (seed, epoch), the family's
 * jitted step, evaluation every N steps, best-by-metric and last checkpoints (atomic), JSONL logs, resume with
 * the frozen-settings check, stop signals, metrics.json, a curves plot and the Hugging Face export.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { writeFileAtomic } from "../io/atomic.js";
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";
import { releaseIdleDeviceMemory } from "../runtime/init.js";
import { epochOrder, lengthGroupedOrder } from "../tasks/batch.js";
import { isQaTask, isRankingTask } from "../tasks/registry.js";
import type { ParamTree } from "../util/treePaths.js";
import { microBatchNote, type TrainConfig } from "./config.js";
import type { OpenedTask, RunRecord, TrainHooks, TrainSummary } from "./family.js";
import { openGlueTask } from "./glueFamily.js";
import { assertEvalHealthy, assertStepHealthy, savingFinite, type DivergenceContext } from "./guard.js";
import {
  evalProgress,
  JsonlLog,
  Progress,
  StepMeter,
  truncateLogs,
  type EvalRecord,
  type StepRecord,
} from "./log.js";
import { storedMetricScale } from "./metricScale.js";
import { adamwInit } from "./optimizer.js";
import { trainingCurvesSvg } from "./plot.js";
import { openPrfTask, PRF_DEFAULTS, prfFrozenSettings, type PrfSettings } from "./prfFamily.js";
import { openQaTask, QA_DEFAULTS, qaFrozenSettings, type QaSettings } from "./qaFamily.js";
import { checkRunFolder, finishedNote, prepareRunFolder, runJson } from "./runFolder.js";
import { RUN_FILES } from "./runFiles.js";
import { linearWarmupDecay } from "./schedule.js";
import { loadTrainState, RunClock, saveModel, saveTrainState } from "./state.js";
import type { TrainState } from "./step.js";
import { stopRequested, TrainingStopped } from "./stop.js";

export type { TrainHooks, TrainSummary };

/** Settings that must not change between a run and its resume (they shape the curve). */
const FROZEN: (keyof TrainConfig)[] = [
  "task",
  "model",
  "maxSeqLength",
  "padMultiple",
  "groupByLength",
  "batchSize",
  "lr",
  "epochs",
  "maxSteps",
  "warmupRatio",
  "weightDecay",
  "maxGradNorm",
  "seed",
  "method",
  "rdropAlpha",
  "nDrop",
  "justCmp",
  "lossTarget",
  "lossPrimary",
  "crTemp",
  "crWeight",
  "crSchedule",
  "listwise",
  "minWordFreq",
];

/** "key: old → new" for every frozen setting that differs between run.json and this command. */
function changedSettings(
  previous: { config: TrainConfig } & Record<string, unknown>,
  config: TrainConfig,
  frozen: Record<string, Record<string, unknown>>,
): string[] {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const change = (name: string, a: unknown, b: unknown) =>
    `${name}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`;
  const changed = FROZEN.filter((k) => differs(previous.config[k], config[k])).map((k) =>
    change(k, previous.config[k], config[k]),
  );
  for (const [field, now] of Object.entries(frozen)) {
    const before = (previous[field] ?? {}) as Record<string, unknown>;
    // A setting added after the run was started is absent from its run.json: it ran with the default, null.
    for (const k of Object.keys(now))
      if (differs(before[k] ?? null, now[k] ?? null))
        changed.push(change(`${field}.${k}`, before[k] ?? null, now[k] ?? null));
  }
  return changed;
}

/**
 * Train according to `config` (QA tasks with `qa`, default QA_DEFAULTS; the PRF task with `prf`, default
 * PRF_DEFAULTS); the runtime must already be initialised. The task's kind in the registry picks its family.
 */
export async function train(
  config: TrainConfig,
  hooks: TrainHooks = {},
  qa: QaSettings = QA_DEFAULTS,
  prf: PrfSettings = PRF_DEFAULTS,
): Promise<TrainSummary> {
  // An earlier run in the folder is continued (--resume) or replaced (--overwrite) only when asked.
  const finished = checkRunFolder(config);
  const span = isQaTask(config.task);
  if (config.resume && !finished && storedMetricScale(config.outputDir) !== 1) {
    throw new Error(
      `--resume: ${config.outputDir} was started before QA EM/F1 became fractions (its logs hold 0–100, so a ` +
        `resumed curve would mix scales); start it again in a new --output-dir`,
    );
  }
  // A resume, even of a finished run, must not change what shaped the curve.
  const ranking = isRankingTask(config.task);
  const frozen = span ? qaFrozenSettings(qa) : ranking ? prfFrozenSettings(prf) : {};
  if (config.resume) refuseChangedSettings(config, frozen);
  if (finished) {
    if (!hooks.quiet) process.stderr.write(finishedNote(config.outputDir, finished) + "\n");
    return finished;
  }
  // Read and validate the data before touching the output folder: bad input leaves nothing behind.
  if (span) return runFamily(config, hooks, await openQaTask(config, qa));
  if (ranking) return runFamily(config, hooks, await openPrfTask(config, prf));
  return runFamily(config, hooks, await openGlueTask(config));
}

/** Throw if the run in `config.outputDir` (when it has a checkpoint) was trained with other frozen settings. */
function refuseChangedSettings(config: TrainConfig, frozen: Record<string, Record<string, unknown>>): void {
  const runPath = join(config.outputDir, RUN_FILES.run);
  if (!existsSync(join(config.outputDir, RUN_FILES.last)) || !existsSync(runPath)) return;
  const previous = JSON.parse(readFileSync(runPath, "utf8")) as { config: TrainConfig } & RunRecord;
  const changed = changedSettings(previous, config, frozen);
  if (changed.length) {
    throw new Error(
      `--resume: ${runPath} was trained with different settings (${changed.join(", ")}); ` +
        `use the same flags or a new --output-dir`,
    );
  }
}

async function runFamily<P extends ParamTree, Batch>(
  config: TrainConfig,
  hooks: TrainHooks,
  task: OpenedTask<P, Batch>,
): Promise<TrainSummary> {
  const clock = new RunClock();
  const out = config.outputDir;
  const runPath = join(out, RUN_FILES.run);
  const lastPath = join(out, RUN_FILES.last);
  if (config.resume && !existsSync(lastPath)) {
    throw new Error(`--resume: expected ${lastPath} from an earlier run, but it does not exist`);
  }
  let previous: ({ config: TrainConfig } & RunRecord) | null = null;
  if (config.resume) {
    previous = JSON.parse(readFileSync(runPath, "utf8")) as { config: TrainConfig } & RunRecord;
  }
  // A fresh model is built (or a resumed run's reopened from its folder) before anything is written.
  const [initKey, dropKey] = previous ? [null, null] : random.split(random.key(config.seed), 2);
  const model = previous ? await task.reopen(out, previous) : await task.fresh(initKey!);
  const session = await model.session();

  const notes = prepareRunFolder(config);
  mkdirSync(out, { recursive: true });
  const stepLog = new JsonlLog<StepRecord>(join(out, RUN_FILES.steps));
  const evalLog = new JsonlLog<EvalRecord>(join(out, RUN_FILES.evals));
  let state: TrainState<P>;
  let best: { step: number; value: number } | null = null;
  // the step of the checkpoint on disk: what a divergence leaves to go back to
  let savedStep: number | null = null;
  if (previous) {
    const loaded = loadTrainState(lastPath, model.params);
    tree.dispose(model.params);
    state = loaded.state;
    best = loaded.best;
    clock.resumeFrom(loaded.wallSeconds);
    savedStep = state.step;
    notes.push(`resuming at step ${state.step}`, ...truncateLogs([stepLog, evalLog], state.step));
  } else {
    await model.store(out);
    writeFileAtomic(runPath, runJson({ config, ...model.record }));
    state = { params: model.params, opt: adamwInit(model.params), key: dropKey!, step: 0 };
    stepLog.truncateAfter(-1);
    evalLog.truncateAfter(-1);
  }
  const record = previous ?? model.record;
  notes.push(...model.notes, ...microBatchNote(config), ...session.notes);

  const stepsPerEpoch = Math.ceil(session.trainCount / config.batchSize);
  const totalSteps = config.maxSteps ?? config.epochs * stepsPerEpoch;
  const warmupSteps = Math.round(config.warmupRatio * totalSteps);
  const progress = new Progress(totalSteps, state.step, hooks.quiet);
  progress.note(
    `cmploss: ${task.name} · ${config.model} · ${session.describe} · ${totalSteps} steps` +
      notes.map((n) => ` · ${n}`).join(""),
  );
  for (const warning of session.warnings) progress.note(`cmploss: ${warning}`);

  let final: TrainSummary["final"] = { step: state.step, value: NaN, loss: NaN, scores: {} };
  const meter = new StepMeter(stepLog, progress, session.variantNames);
  let order: Int32Array | null = null;
  let orderEpoch = -1;
  let ranThisCall = 0;
  let stopped = false;
  let lastLr = config.lr;
  const context = (lr: number): DivergenceContext => {
    lastLr = lr;
    return { step: state.step, lr, variants: meter.variants, checkpoint: lastPath, savedStep };
  };
  const saveLast = (at: DivergenceContext) =>
    savingFinite(at, () =>
      saveTrainState(lastPath, state, { best, model: record.model, wallSeconds: clock.seconds() }),
    );
  try {
    while (state.step < totalSteps) {
      const s = state.step;
      const epoch = Math.floor(s / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order =
          config.groupByLength && session.trainLengths
            ? lengthGroupedOrder(session.trainLengths, config.seed, epoch, config.batchSize)
            : epochOrder(session.trainCount, config.seed, epoch);
        orderEpoch = epoch;
      }
      const within = s % stepsPerEpoch;
      const indices = Array.from(order!.subarray(within * config.batchSize, (within + 1) * config.batchSize));
      const batch = session.batch(indices, epoch);
      const lr = linearWarmupDecay(s, config.lr, warmupSteps, totalSteps);
      const t0 = performance.now();
      const result = await session.stepper.step(state, batch, lr);
      const dt = (performance.now() - t0) / 1000;
      state = result.state;
      const at = context(lr);
      assertStepHealthy(at, result);
      meter.record({ step: state.step, epoch, lr }, result, indices.length, dt);
      // WebGPU: destroy pooled buffers that this step did not use (another padded length's, an evaluation's).
      releaseIdleDeviceMemory();

      if (state.step % config.evalSteps === 0 || state.step === totalSteps) {
        const ev = await session.evaluate(state.params, evalProgress("evaluating dev", hooks.quiet));
        assertDeviceHealthy(`train: evaluation at step ${state.step}`);
        if (ev.loss !== null) assertEvalHealthy(at, ev.loss);
        const loss = ev.loss ?? NaN;
        const value = ev.scores[task.metric];
        const isBest = best === null || value > best.value;
        if (isBest) {
          await savingFinite(at, () =>
            saveModel(join(out, RUN_FILES.best), state.params, {
              step: at.step,
              [task.metric]: value,
              model: record.model,
            }),
          );
          best = { step: state.step, value };
        }
        evalLog.append({
          step: state.step,
          metric: task.metric,
          value,
          scores: ev.scores,
          loss,
          best: isBest,
        });
        final = { step: state.step, value, loss, scores: ev.scores };
        const shown = Object.entries(ev.scores)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(", ");
        const lossText = ev.loss === null ? "" : ` (loss ${ev.loss.toFixed(4)})`;
        progress.note(`step ${state.step}: dev ${shown}${lossText}${isBest ? " ★ best" : ""}`);
        await saveLast(at);
        savedStep = state.step;
      } else if (config.saveSteps !== null && state.step % config.saveSteps === 0) {
        // between evaluations: what a killed process (kill -9, a machine taken back) resumes from
        await saveLast(at);
        savedStep = state.step;
      }
      ranThisCall++;
      if (hooks.stopAfter !== undefined && ranThisCall >= hooks.stopAfter) break;
      if (state.step < totalSteps && (await stopRequested(hooks.signal))) {
        stopped = true;
        break;
      }
    }
  } finally {
    session.stepper.dispose();
    session.dispose();
    progress.finish();
  }
  // Interrupted on purpose (signal or hooks.stopAfter): leave a resumable checkpoint at this exact step.
  const unfinished = state.step < totalSteps;
  if (unfinished) await saveLast(context(lastLr));
  const stoppedAt = state.step;
  tree.dispose(state);
  if (stopped) throw new TrainingStopped(stoppedAt, totalSteps, lastPath);

  // Every score of the best checkpoint's evaluation (its log line), beside the headline value.
  const bestScores = best && evalLog.read().find((e) => e.step === best!.step)?.scores;
  const summary: TrainSummary = {
    task: task.name,
    metric: task.metric,
    best,
    best_scores: bestScores ?? null,
    final,
    steps: totalSteps,
    examples_per_s: meter.examplesPerSecond,
    wall_s: clock.seconds(),
    output_dir: out,
  };
  // stopped by `hooks.stopAfter`: unfinished, so no metrics.json (which would mark it finished) and no export
  if (unfinished) return summary;
  if (best) await task.export(out);
  writeFileAtomic(join(out, RUN_FILES.metrics), JSON.stringify(summary, null, 2) + "\n");
  writeFileAtomic(
    join(out, RUN_FILES.curves),
    trainingCurvesSvg(stepLog.read(), evalLog.read(), task.curveLabel),
  );
  return summary;
}
