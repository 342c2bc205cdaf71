/**
 * The training loop: data order from (seed, epoch), a jitted comparative-loss step, evaluation every N steps,
 * best-by-metric and last checkpoints (atomic), JSONL logs, resume, metrics.json and a curves plot.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { writeFileAtomic } from "../io/atomic.js";
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";
import { assertEvalHealthy, assertStepHealthy, savingFinite, type DivergenceContext } from "./guard.js";
import { initSequenceClassifier } from "../models/classifier.js";
import { epochOrder, lengthGroupedOrder } from "../tasks/batch.js";
import { scoreAll } from "../tasks/metrics.js";
import { loadTaskData } from "./taskData.js";
import { exportHfModel } from "./export.js";
import { prepareFreshModel, reopenTokenizer, type RunModelInfo, type RunTokenizer } from "./modelSource.js";
import { lossOptions, methodPowers, microBatchNote, type TrainConfig } from "./config.js";
import { encodeSplit } from "./data.js";
import { createEvaluator } from "./evaluate.js";
import { JsonlLog, Progress, StepMeter, truncateLogs, type EvalRecord, type StepRecord } from "./log.js";
import { adamwInit, ADAMW_DEFAULTS } from "./optimizer.js";
import { trainingCurvesSvg } from "./plot.js";
import { linearWarmupDecay } from "./schedule.js";
import { makeTrainStep, type Params, type TrainState } from "./step.js";
import { loadTrainState, RunClock, saveModel, saveTrainState } from "./state.js";
import { stopRequested, TrainingStopped } from "./stop.js";
import { checkRunFolder, finishedNote, prepareRunFolder, runJson } from "./runFolder.js";
import { RUN_FILES } from "./runFiles.js";

export interface TrainSummary {
  task: string;
  metric: string;
  best: { step: number; value: number } | null;
  final: { step: number; value: number; loss: number; scores: Record<string, number> };
  steps: number;
  examples_per_s: number;
  wall_s: number;
  output_dir: string;
}

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

export interface TrainHooks {
  quiet?: boolean;
  /**
   * Stop (as if interrupted) after this many steps of this invocation, with a checkpoint there and no
   * metrics.json (the run is unfinished); for resume tests.
   */
  stopAfter?: number;
  /**
   * Stop early when this aborts: after the step in flight, with a checkpoint at that step, by throwing
   * `TrainingStopped` (no metrics.json: the run is unfinished and `--resume` goes on).
   */
  signal?: AbortSignal;
}

/** Names of the per-variant losses a config's step reports, full model first. */
function variantNames(config: TrainConfig, powers: number[]): string[] {
  if (config.method === "rdrop") return ["pass 1", "pass 2"];
  if (powers.length === 1) return ["model"];
  return powers.map((p) => (p === 0 ? "full" : `ablated ${p}`));
}

function describeMethod(config: TrainConfig): string {
  if (config.method === "rdrop") return `R-Drop α=${config.rdropAlpha}`;
  if (config.method === "ce" || config.nDrop === 0) return "plain fine-tuning (cross-entropy)";
  return `CmpDrop c=${config.nDrop} (${config.ablationMode}${config.listwise ? ", listwise" : ""})`;
}

/** Train according to `config`; the runtime must already be initialised. */
export async function train(config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const clock = new RunClock();
  const out = config.outputDir;
  // An earlier run in the folder is continued (--resume) or replaced (--overwrite) only when asked.
  const finished = checkRunFolder(config);
  const runPath = join(out, RUN_FILES.run);
  const lastPath = join(out, RUN_FILES.last);
  const resuming = config.resume && existsSync(lastPath);
  // (a finished run needs no checkpoint: archived runs have none)
  if (config.resume && !finished && !existsSync(lastPath)) {
    throw new Error(`--resume: expected ${lastPath} from an earlier run, but it does not exist`);
  }
  let previous: (RunModelInfo & { config: TrainConfig }) | null = null;
  if (resuming) {
    previous = JSON.parse(readFileSync(runPath, "utf8")) as RunModelInfo & { config: TrainConfig };
    const changed = FROZEN.filter((k) => JSON.stringify(previous!.config[k]) !== JSON.stringify(config[k]));
    if (changed.length) {
      throw new Error(
        `--resume: ${runPath} was trained with different settings (${changed
          .map((k) => `${k}: ${JSON.stringify(previous!.config[k])} → ${JSON.stringify(config[k])}`)
          .join(", ")}); use the same flags or a new --output-dir`,
      );
    }
  }
  if (finished) {
    if (!hooks.quiet) process.stderr.write(finishedNote(out, finished) + "\n");
    return finished;
  }
  // Read and validate the data before touching the output folder: bad input leaves nothing behind.
  const { task, train: trainExamples, dev: devExamples } = await loadTaskData(config.task, config.dataDir);

  const notes = prepareRunFolder(config);
  const stepLog = new JsonlLog<StepRecord>(join(out, RUN_FILES.steps));
  const evalLog = new JsonlLog<EvalRecord>(join(out, RUN_FILES.evals));
  let state: TrainState;
  let best: { step: number; value: number } | null = null;
  let info: RunModelInfo;
  let tok: RunTokenizer;
  // the step of the checkpoint on disk: what a divergence leaves to go back to
  let savedStep: number | null = null;
  if (previous) {
    info = previous;
    tok = await reopenTokenizer(out, info.tokenizer);
    const template = initSequenceClassifier(random.key(0), info.model, info.numLabels);
    const loaded = loadTrainState(lastPath, template);
    tree.dispose(template);
    state = loaded.state;
    best = loaded.best;
    clock.resumeFrom(loaded.wallSeconds);
    savedStep = state.step;
    notes.push(`resuming at step ${state.step}`, ...truncateLogs([stepLog, evalLog], state.step));
  } else {
    const [initKey, dropKey] = random.split(random.key(config.seed), 2);
    const fresh = await prepareFreshModel({
      spec: config.model,
      task,
      trainExamples,
      minWordFreq: config.minWordFreq,
      maxSeqLength: config.maxSeqLength,
      runDir: out,
      key: initKey,
    });
    info = fresh.info;
    tok = fresh.tok;
    notes.push(...fresh.notes);
    writeFileAtomic(runPath, runJson({ config, task: task.name, ...info }));
    state = { params: fresh.params, opt: adamwInit(fresh.params), key: dropKey, step: 0 };
    stepLog.truncateAfter(-1);
    evalLog.truncateAfter(-1);
  }
  const model = info.model;
  notes.push(...microBatchNote(config));
  const encodeOptions = {
    maxLength: config.maxSeqLength,
    lossKind: task.lossKind,
    padMultiple: config.padMultiple,
    padId: tok.padId,
  };
  const trainData = encodeSplit(trainExamples, tok.tokenizer, encodeOptions);
  const devData = encodeSplit(devExamples, tok.tokenizer, encodeOptions);

  const trainLengths = Int32Array.from({ length: trainData.count }, (_, i) => trainData.length(i));
  const stepsPerEpoch = Math.ceil(trainData.count / config.batchSize);
  const totalSteps = config.maxSteps ?? config.epochs * stepsPerEpoch;
  const warmupSteps = Math.round(config.warmupRatio * totalSteps);
  const powers = methodPowers(config);
  const adamw = { ...ADAMW_DEFAULTS, weightDecay: config.weightDecay };

  const stepper = makeTrainStep({
    model,
    lossKind: task.lossKind,
    method: config.method === "rdrop" ? { kind: "rdrop", alpha: config.rdropAlpha } : { kind: "cmp" },
    powers,
    mode: config.ablationMode,
    loss: lossOptions(config),
    adamw,
    maxGradNorm: config.maxGradNorm,
    jit: config.jit,
    microBatchSize: config.microBatchSize,
  });
  const progress = new Progress(totalSteps, state.step, hooks.quiet);
  progress.note(
    `cmploss: ${task.name} · ${config.model} · ${describeMethod(config)} · ` +
      `${trainData.count} train / ${devData.count} dev · ${totalSteps} steps · ${notes.join(" · ")}`,
  );

  const evaluator = createEvaluator(model, task.lossKind, { batchSize: config.evalBatchSize });
  const evaluate = (params: Params) => evaluator.evaluate(params, devData);
  let final: TrainSummary["final"] = { step: state.step, value: NaN, loss: NaN, scores: {} };
  const meter = new StepMeter(stepLog, progress, variantNames(config, powers));
  let order: Int32Array | null = null;
  let orderEpoch = -1;
  let ranThisCall = 0;
  let stopped = false;
  let lastLr = config.lr;
  const context = (lr: number): DivergenceContext => {
    lastLr = lr;
    return { step: state.step, lr, variants: meter.variants, checkpoint: lastPath, savedStep };
  };
  try {
    while (state.step < totalSteps) {
      const s = state.step;
      const epoch = Math.floor(s / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order = config.groupByLength
          ? lengthGroupedOrder(trainLengths, config.seed, epoch, config.batchSize)
          : epochOrder(trainData.count, config.seed, epoch);
        orderEpoch = epoch;
      }
      const within = s % stepsPerEpoch;
      const indices = Array.from(order!.subarray(within * config.batchSize, (within + 1) * config.batchSize));
      const lr = linearWarmupDecay(s, config.lr, warmupSteps, totalSteps);
      const t0 = performance.now();
      const result = await stepper.step(state, trainData.batch(indices), lr);
      const dt = (performance.now() - t0) / 1000;
      state = result.state;
      const at = context(lr);
      assertStepHealthy(at, result);
      meter.record({ step: state.step, epoch, lr }, result, indices.length, dt);

      const atEval = state.step % config.evalSteps === 0 || state.step === totalSteps;
      if (atEval) {
        const ev = await evaluate(state.params);
        assertDeviceHealthy(`train: evaluation at step ${state.step}`);
        assertEvalHealthy(at, ev.loss);
        const scores = scoreAll(task, ev.predictions, devData.labels);
        const value = scores[task.metric];
        const isBest = best === null || value > best.value;
        if (isBest) {
          await savingFinite(at, () =>
            saveModel(join(out, RUN_FILES.best), state.params, {
              step: at.step,
              [task.metric]: value,
              model,
            }),
          );
          best = { step: state.step, value };
        }
        evalLog.append({ step: state.step, metric: task.metric, value, scores, loss: ev.loss, best: isBest });
        final = { step: state.step, value, loss: ev.loss, scores };
        const shown = Object.entries(scores)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(", ");
        progress.note(
          `step ${state.step}: dev ${shown} (loss ${ev.loss.toFixed(4)})${isBest ? " ★ best" : ""}`,
        );
        await savingFinite(at, () =>
          saveTrainState(lastPath, state, { best, model, wallSeconds: clock.seconds() }),
        );
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
    stepper.dispose();
    evaluator.dispose();
    progress.finish();
  }
  const unfinished = state.step < totalSteps;
  if (unfinished) {
    // Interrupted on purpose (hooks): leave a resumable checkpoint at this exact step.
    await savingFinite(context(lastLr), () =>
      saveTrainState(lastPath, state, { best, model, wallSeconds: clock.seconds() }),
    );
  }
  const stoppedAt = state.step;
  tree.dispose(state as never);
  if (stopped) throw new TrainingStopped(stoppedAt, totalSteps, lastPath);

  const summary: TrainSummary = {
    task: task.name,
    metric: task.metric,
    best,
    final,
    steps: totalSteps,
    examples_per_s: meter.examplesPerSecond,
    wall_s: clock.seconds(),
    output_dir: out,
  };
  // stopped by `hooks.stopAfter`: unfinished, so no metrics.json (which would mark it finished) and no export
  if (unfinished) return summary;
  if (best) await exportHfModel(out, task);
  writeFileAtomic(join(out, RUN_FILES.metrics), JSON.stringify(summary, null, 2) + "\n");
  writeFileAtomic(
    join(out, RUN_FILES.curves),
    trainingCurvesSvg(stepLog.read(), evalLog.read(), task.metric),
  );
  return summary;
}
