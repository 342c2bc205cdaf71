/**
 * Training and evaluation for extractive QA with CmpDrop and CmpCrop (SPEC §7): items over context units,
 * c_crop nested crops per example (fresh random counts every epoch), c_drop dropout powers, in the reference's
 * interleaved variant order; official EM/F1 on dev; checkpoints, logs and resume as the GLUE loop.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { jit, numpy as np, random, tree } from "@jax-js/jax";
import { planCrops } from "../ablation/cmpCrop.js";
import { hashString, mixSeed } from "../util/hostRng.js";
import { nestedRate } from "../ablation/cmpDrop.js";
import { variantPlan } from "../ablation/plan.js";
import { writeFileAtomic } from "../io/atomic.js";
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";
import { runtimeInfo } from "../runtime/init.js";
import { assertStepHealthy, savingFinite, type DivergenceContext } from "./guard.js";
import { maxInputLength } from "../models/bert/config.js";
import { loadHfSpanExtractor } from "../models/hf/load.js";
import { applySpanExtractor, initSpanExtractor, type SpanExtractorParams } from "../models/spanExtractor.js";
import { collate, epochOrder, toDeviceBatch } from "../tasks/batch.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import { decodeQaPredictions } from "../tasks/qa/decode.js";
import { buildQaFeatures, type QaFeature } from "../tasks/qa/features.js";
import { squadEvaluate } from "../tasks/qa/metric.js";
import { consuming } from "../util/own.js";
import { lossOptions, microBatchNote, type TrainConfig } from "./config.js";
import { JsonlLog, Progress, StepMeter, truncateLogs, type EvalRecord, type StepRecord } from "./log.js";
import { fitEvalBatch, fitTrainingBatches } from "./heapFit.js";
import type { TrainHooks, TrainSummary } from "./loop.js";
import { RUN_FILES } from "./runFiles.js";
import { resolveModelSpec } from "./modelSource.js";
import { openQaRun } from "./qaRun.js";
import { adamwInit, ADAMW_DEFAULTS } from "./optimizer.js";
import { trainingCurvesSvg } from "./plot.js";
import {
  itemExample,
  limitContext,
  loadQaTask,
  qaDataDirProblem,
  QA_METRIC_SCALE,
  storedMetricScale,
  type QaItem,
  type QaTaskName,
} from "./qaData.js";
import { qaObjective, type QaLevelBatch } from "./qaObjective.js";
import { linearWarmupDecay } from "./schedule.js";
import { loadTrainState, RunClock, saveModel, saveTrainState } from "./state.js";
import { makeOptimizerStep, type ModelState } from "./step.js";
import { stopRequested, TrainingStopped } from "./stop.js";
import { checkRunFolder, finishedNote, prepareRunFolder, runJson } from "./runFolder.js";

export interface QaSettings {
  nCrop: number;
  docStride: number;
  maxQueryLength: number;
  maxAnswerLength: number;
  nBestSize: number;
  /** Distractor paragraphs per question (squad-distractor). */
  distractors: number;
  /** Evaluate with only the first m irrelevant units (null: all). */
  maxParagraphs: number | null;
}

export const QA_DEFAULTS: QaSettings = {
  nCrop: 0,
  docStride: 128,
  maxQueryLength: 64,
  maxAnswerLength: 30,
  nBestSize: 20,
  distractors: 4,
  maxParagraphs: null,
};

type Params = SpanExtractorParams;

function levelBatch(features: QaFeature[], padId: number, padTo: number): QaLevelBatch {
  const longest = Math.max(...features.map((f) => f.input_ids.length));
  const starts = Int32Array.from(features, (f) => f.start_positions);
  const host = collate(features, starts, { padTo: Math.max(padTo, longest), padId });
  const { labels, ...inputs } = toDeviceBatch(host);
  const ends = np.array(
    Int32Array.from(features, (f) => f.end_positions),
    { dtype: np.int32 },
  );
  return { ...inputs, start_positions: labels, end_positions: ends };
}

/** The training window of an example: the first that holds the answer, else the first. */
function trainingWindow(features: QaFeature[]): QaFeature {
  return features.find((f) => f.start_positions > 0) ?? features[0];
}

type QaEvalOptions = {
  maxSeqLength: number;
  settings: QaSettings;
  batchSize: number;
  seed?: number;
  /**
   * Run every batch at one shape, [batchSize, maxSeqLength] (the last one filled with repeated windows whose
   * scores are dropped): on the wasm heap, whose freed buffers only serve the same sizes again, a second shape
   * would need memory of its own.
   */
  oneShape?: boolean;
};

/** Whether jax-js runs on its wasm backend (4 GiB heap, buffers reused only at the same size: heapFit.ts). */
const onWasmHeap = () => runtimeInfo()?.device === "wasm";

/** Number of parameters in a tree of arrays. */
const parameterCount = (params: Params) =>
  (tree.leaves(params) as np.Array[]).reduce((n, a) => n + a.size, 0);

/** Padded length of a batch whose longest window is `longest` tokens: a multiple of 32, or T (one shape). */
const paddedLength = (longest: number, maxSeqLength: number, oneShape: boolean) =>
  oneShape ? maxSeqLength : Math.min(maxSeqLength, Math.ceil(longest / 32) * 32);

/** Dev questions tokenised into windows once, ready to be scored any number of times. */
export interface QaDevSet {
  features: QaFeature[];
  contexts: string[];
  golds: Map<string, string[]>;
  count: number;
}

export interface QaScores {
  exact_match: number;
  f1: number;
  predictions: Map<string, string>;
}

/**
 * A reusable QA evaluator: dev sets are tokenised into windows once (`prepare`), and the forward pass is
 * compiled once per dropout power and padded length, so scoring every N steps, or one checkpoint at several
 * powers and context sizes, repeats neither. Call `dispose` when done.
 */
export function createQaEvaluator(
  cfg: Parameters<typeof applySpanExtractor>[2],
  separator: string,
  tokenizer: HfTokenizer,
  o: QaEvalOptions,
): {
  prepare: (items: QaItem[]) => QaDevSet;
  evaluate: (params: Params, dev: QaDevSet, forceDropout?: number) => Promise<QaScores>;
  dispose: () => void;
} {
  const forwards = new Map<number, ReturnType<typeof jit>>();
  const forwardAt = (power: number) => {
    let f = forwards.get(power);
    if (!f) {
      f = jit(
        consuming((p: Params, b: Omit<QaLevelBatch, "start_positions" | "end_positions">, k: np.Array) => {
          const out = applySpanExtractor(p, b, cfg, {
            powers: [power],
            key: power > 0 ? k : (k.dispose(), null),
            forwardOnly: true,
          });
          return [out.start_logits, out.end_logits];
        }),
      );
      forwards.set(power, f);
    }
    return f;
  };

  function prepare(items: QaItem[]): QaDevSet {
    const examples = items.map((it) => itemExample(it, separator));
    const features = buildQaFeatures(examples, tokenizer, {
      maxSeqLength: o.maxSeqLength,
      docStride: o.settings.docStride,
      maxQueryLength: o.settings.maxQueryLength,
    });
    return {
      features,
      contexts: examples.map((e) => e.context),
      golds: new Map(items.map((it) => [it.id, it.answers.map((a) => a.text)])),
      count: items.length,
    };
  }

  async function evaluate(params: Params, dev: QaDevSet, forceDropout = 0): Promise<QaScores> {
    const forward = forwardAt(forceDropout);
    const { features } = dev;
    let key = random.key(o.seed ?? 0);
    const starts: Float32Array[] = [];
    const ends: Float32Array[] = [];
    for (let i = 0; i < features.length; i += o.batchSize) {
      const chunk = features.slice(i, i + o.batchSize);
      const rows = o.oneShape
        ? [...chunk, ...Array.from({ length: o.batchSize - chunk.length }, () => chunk[0])]
        : chunk;
      const padTo = paddedLength(
        Math.max(...chunk.map((f) => f.input_ids.length)),
        o.maxSeqLength,
        !!o.oneShape,
      );
      const { start_positions, end_positions, ...inputs } = levelBatch(rows, tokenizer.padId, padTo);
      start_positions.dispose();
      end_positions.dispose();
      const T = inputs.input_ids.shape[1];
      const [stepKey, nextKey] = random.split(key, 2);
      key = nextKey;
      const [s, e] = forward(tree.ref(params), inputs, stepKey) as [np.Array, np.Array];
      const [sd, ed] = (await Promise.all([s.data(), e.data()])) as Float32Array[];
      chunk.forEach((f, b) => {
        starts.push(sd.subarray(b * T, b * T + f.input_ids.length));
        ends.push(ed.subarray(b * T, b * T + f.input_ids.length));
      });
    }
    key.dispose();
    const decoded = decodeQaPredictions(features, dev.contexts, starts, ends, {
      nBestSize: o.settings.nBestSize,
      maxAnswerLength: o.settings.maxAnswerLength,
    });
    const predictions = new Map([...decoded].map(([id, p]) => [id, p.text]));
    const scores = squadEvaluate(dev.golds, predictions);
    return { exact_match: scores.exact_match, f1: scores.f1, predictions };
  }
  return {
    prepare,
    evaluate,
    dispose: () => {
      for (const f of forwards.values()) f.dispose();
      forwards.clear();
    },
  };
}

/** Train extractive QA according to `config` + `settings`; the runtime must already be initialised. */
export async function trainQa(
  config: TrainConfig,
  settings: QaSettings,
  hooks: Pick<TrainHooks, "quiet" | "signal"> = {},
): Promise<TrainSummary> {
  const clock = new RunClock();
  const task = config.task as QaTaskName;
  // An earlier run in the folder is continued (--resume) or replaced (--overwrite) only when asked.
  const finished = checkRunFolder(config);
  if (finished) {
    if (!hooks.quiet) process.stderr.write(finishedNote(config.outputDir, finished) + "\n");
    return finished;
  }
  if (!config.dataDir) throw new Error(qaDataDirProblem(task, null)!);
  if (config.method === "rdrop")
    throw new Error(
      `--task ${task}: R-Drop is implemented for GLUE tasks; QA trains with --method ce or cmp`,
    );
  const data = await loadQaTask(task, config.dataDir, { distractors: settings.distractors });
  // Plain fine-tuning (ce, or cmp with c_drop = c_crop = 0): one pass with ordinary dropout, as for GLUE.
  const nDrop = config.method === "cmp" ? config.nDrop : 0;
  const nCrop = config.method === "cmp" ? settings.nCrop : 0;
  if (nCrop > 0 && data.train.every((it) => it.units.length < 2)) {
    throw new Error(
      `--n-crop ${settings.nCrop}: ${task} has no irrelevant context to crop; use squad-distractor or hotpot`,
    );
  }
  const source = await resolveModelSpec(config.model);
  if (source.kind !== "hf") {
    throw new Error(
      `--task ${task}: QA needs a Hugging Face model folder (its tokenizer gives character offsets), got preset ${config.model}`,
    );
  }
  const out = config.outputDir;
  const tokenizer = await HfTokenizer.fromFolder(source.dir);
  const lastPath = join(out, RUN_FILES.last);
  const [initKey, dropKey] = random.split(random.key(config.seed), 2);
  const loaded = loadHfSpanExtractor(source.dir, initKey);
  const model = loaded.config;
  if (config.maxSeqLength > maxInputLength(model)) {
    throw new Error(
      `--max-seq-length ${config.maxSeqLength}: the model has only ${maxInputLength(model)} positions`,
    );
  }
  const variants = nDrop + nCrop === 0 ? [{ cropLevel: 0, dropPower: 1 }] : variantPlan(nDrop, nCrop);
  // On CPU (wasm) every batch is padded to --max-seq-length and sized to fit the 4 GiB heap (heapFit.ts),
  // before anything is written: a run that cannot fit stops here, not at its first evaluation.
  const oneShape = onWasmHeap();
  const fit = oneShape
    ? fitTrainingBatches({
        model,
        paramCount: parameterCount(loaded.params),
        seqLen: config.maxSeqLength,
        rows: variants.length,
        batchSize: config.batchSize,
        examples: data.train.length,
        microBatchSize: config.microBatchSize,
        evalBatchSize: config.evalBatchSize,
      })
    : { microBatchSize: config.microBatchSize, evalBatchSize: config.evalBatchSize, notes: [] };
  // Only now, with the model and tokenizer read: a bad --model leaves no output folder behind.
  mkdirSync(out, { recursive: true });
  const notes = prepareRunFolder(config);
  let state: ModelState<Params> = {
    params: loaded.params,
    opt: adamwInit(loaded.params),
    key: dropKey,
    step: 0,
  };
  let best: { step: number; value: number } | null = null;
  // the step of the checkpoint on disk: what a divergence leaves to go back to
  let savedStep: number | null = null;
  const stepLog = new JsonlLog<StepRecord>(join(out, RUN_FILES.steps));
  const evalLog = new JsonlLog<EvalRecord>(join(out, RUN_FILES.evals));
  if (config.resume && existsSync(lastPath)) {
    if (storedMetricScale(out) !== 1) {
      throw new Error(
        `--resume: ${out} was started before QA EM/F1 became fractions (its logs hold 0–100, so a resumed ` +
          `curve would mix scales); start it again in a new --output-dir`,
      );
    }
    const template = initSpanExtractor(random.key(0), model);
    const restored = loadTrainState(lastPath, template as never);
    tree.dispose([template, state] as never);
    state = restored.state as unknown as ModelState<Params>;
    best = restored.best;
    clock.resumeFrom(restored.wallSeconds);
    savedStep = state.step;
    notes.push(`resuming at step ${state.step}`, ...truncateLogs([stepLog, evalLog], state.step));
  } else {
    if (config.resume)
      throw new Error(`--resume: expected ${lastPath} from an earlier run, but it does not exist`);
    writeFileAtomic(
      join(out, RUN_FILES.run),
      runJson({ config, settings, model, pretrained: source.dir, metricScale: QA_METRIC_SCALE }),
    );
    stepLog.truncateAfter(-1);
    evalLog.truncateAfter(-1);
  }

  const featureOptions = {
    maxSeqLength: config.maxSeqLength,
    docStride: settings.docStride,
    maxQueryLength: settings.maxQueryLength,
  };
  const stepper = makeOptimizerStep(
    (p: Params, levels: QaLevelBatch[], key: np.Array) =>
      qaObjective(p, levels, key, { model, variants, loss: lossOptions(config) }),
    {
      adamw: { ...ADAMW_DEFAULTS, weightDecay: config.weightDecay },
      maxGradNorm: config.maxGradNorm,
      jit: config.jit,
      microBatchSize: fit.microBatchSize,
    },
  );
  const stepsPerEpoch = Math.ceil(data.train.length / config.batchSize);
  const totalSteps = config.maxSteps ?? config.epochs * stepsPerEpoch;
  const warmup = Math.round(config.warmupRatio * totalSteps);
  const devItems = limitContext(data.dev, settings.maxParagraphs);
  const progress = new Progress(totalSteps, state.step, hooks.quiet);
  progress.note(
    `cmploss: ${task} · ${config.model} · variants ${variants.map((v) => `(crop ${v.cropLevel}, drop ${v.dropPower})`).join(" ")} · ` +
      `${data.train.length} train / ${devItems.length} dev questions · ${totalSteps} steps` +
      [...notes, ...microBatchNote(config), ...fit.notes].map((n) => ` · ${n}`).join(""),
  );
  for (const note of data.notes) progress.note(`cmploss: ${note}`);
  let final: TrainSummary["final"] = { step: state.step, value: NaN, loss: NaN, scores: {} };
  const names = variants.map((v) =>
    variants.length === 1
      ? "model"
      : v.cropLevel + v.dropPower === 0
        ? "full"
        : [v.cropLevel ? `crop ${v.cropLevel}` : "", v.dropPower ? `drop ${v.dropPower}` : ""]
            .filter(Boolean)
            .join("+"),
  );
  const meter = new StepMeter(stepLog, progress, names);
  let order: Int32Array | null = null;
  let orderEpoch = -1;
  const evaluator = createQaEvaluator(model, data.separator, tokenizer, {
    maxSeqLength: config.maxSeqLength,
    settings,
    batchSize: fit.evalBatchSize,
    oneShape,
  });
  const dev = evaluator.prepare(devItems);
  let stopped = false;
  let lastLr = config.lr;
  const context = (lr: number): DivergenceContext => {
    lastLr = lr;
    return { step: state.step, lr, variants: names, checkpoint: lastPath, savedStep };
  };
  try {
    while (state.step < totalSteps) {
      const s = state.step;
      const epoch = Math.floor(s / stepsPerEpoch);
      if (epoch !== orderEpoch) {
        order = epochOrder(data.train.length, config.seed, epoch);
        orderEpoch = epoch;
      }
      const within = s % stepsPerEpoch;
      const batchItems = Array.from(
        order!.subarray(within * config.batchSize, (within + 1) * config.batchSize),
      ).map((i) => data.train[i]);
      // Crop levels: level 0 is the full context; counts are drawn per example and epoch (SPEC §7).
      const levelCount = nCrop + 1;
      const perLevel: QaFeature[][] = Array.from({ length: levelCount }, () => []);
      for (const item of batchItems) {
        const crops = planCrops(item.units, {
          mode: "train",
          levels: nCrop,
          seed: mixSeed(config.seed, epoch, hashString(item.id)),
        });
        const keeps = [item.units.map((_, i) => i), ...crops.kept];
        keeps.forEach((kept, l) => {
          const ex = itemExample(item, data.separator, kept);
          perLevel[l].push(trainingWindow(buildQaFeatures([ex], tokenizer, featureOptions)));
        });
      }
      const levels = perLevel.map((fs) =>
        levelBatch(
          fs,
          tokenizer.padId,
          paddedLength(Math.max(...fs.map((f) => f.input_ids.length)), config.maxSeqLength, oneShape),
        ),
      );
      const lr = linearWarmupDecay(s, config.lr, warmup, totalSteps);
      const t0 = performance.now();
      const r = await stepper.step(state, levels, lr);
      const dt = (performance.now() - t0) / 1000;
      state = r.state;
      const at = context(lr);
      assertStepHealthy(at, r);
      meter.record({ step: state.step, epoch, lr }, r, batchItems.length, dt);
      if (state.step % config.evalSteps === 0 || state.step === totalSteps) {
        const ev = await evaluator.evaluate(state.params, dev);
        assertDeviceHealthy(`train: evaluation at step ${state.step}`);
        const isBest = best === null || ev.f1 > best.value;
        const scores = { f1: ev.f1, exact_match: ev.exact_match };
        if (isBest) {
          await savingFinite(at, () =>
            saveModel(join(out, RUN_FILES.best), state.params as never, { step: at.step, f1: ev.f1, model }),
          );
          best = { step: state.step, value: ev.f1 };
        }
        evalLog.append({ step: state.step, metric: "f1", value: ev.f1, scores, loss: NaN, best: isBest });
        final = { step: state.step, value: ev.f1, loss: NaN, scores };
        progress.note(
          `step ${state.step}: dev f1 ${ev.f1.toFixed(4)}, exact_match ${ev.exact_match.toFixed(4)}${isBest ? " ★ best" : ""}`,
        );
        await savingFinite(at, () =>
          saveTrainState(lastPath, state as never, { best, model, wallSeconds: clock.seconds() }),
        );
        savedStep = state.step;
      }
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
  const stoppedAt = state.step;
  if (stopped) {
    await savingFinite(context(lastLr), () =>
      saveTrainState(lastPath, state as never, { best, model, wallSeconds: clock.seconds() }),
    );
  }
  tree.dispose(state as never);
  if (stopped) throw new TrainingStopped(stoppedAt, totalSteps, lastPath);
  const summary: TrainSummary = {
    task,
    metric: "f1",
    best,
    final,
    steps: totalSteps,
    examples_per_s: meter.examplesPerSecond,
    wall_s: clock.seconds(),
    output_dir: out,
  };
  writeFileAtomic(join(out, RUN_FILES.metrics), JSON.stringify(summary, null, 2) + "\n");
  writeFileAtomic(join(out, RUN_FILES.curves), trainingCurvesSvg(stepLog.read(), evalLog.read(), "F1"));
  return summary;
}

/** One score of `evaluateQaRun`: the checkpoint at dropout power `forceDropout` with `maxParagraphs` kept. */
export interface QaRunScore {
  maxParagraphs: number | null;
  forceDropout: number;
  rate: number;
  exact_match: number;
  f1: number;
  count: number;
}

/**
 * Score a QA run folder's best (or last) weights on its dev questions at every combination of context size
 * (`maxParagraphs`: only the first m distractors; null: all) and dropout power (SPEC §8), loading the data,
 * tokenizer and weights once and tokenising each context size once.
 */
export async function evaluateQaRun(options: {
  outputDir: string;
  checkpoint: "best" | "last";
  maxParagraphs: (number | null)[];
  forceDropout: number[];
  seed: number;
  batchSize: number;
}): Promise<QaRunScore[]> {
  const { run, tokenizer, params } = await openQaRun(options.outputDir, options.checkpoint);
  let data;
  try {
    data = await loadQaTask(run.config.task as QaTaskName, run.config.dataDir!, {
      distractors: run.settings.distractors,
    });
  } catch (err) {
    tree.dispose(params);
    throw err;
  }
  const oneShape = onWasmHeap();
  const evaluator = createQaEvaluator(run.model, data.separator, tokenizer, {
    maxSeqLength: run.config.maxSeqLength,
    settings: run.settings,
    batchSize: oneShape
      ? fitEvalBatch({
          model: run.model,
          paramCount: parameterCount(params),
          seqLen: run.config.maxSeqLength,
          batchSize: options.batchSize,
          dropout: options.forceDropout.some((k) => k > 0),
        })
      : options.batchSize,
    seed: options.seed,
    oneShape,
  });
  const scores: QaRunScore[] = [];
  try {
    for (const maxParagraphs of options.maxParagraphs) {
      const dev = evaluator.prepare(limitContext(data.dev, maxParagraphs));
      for (const power of options.forceDropout) {
        const ev = await evaluator.evaluate(params, dev, power);
        assertDeviceHealthy("eval");
        scores.push({
          maxParagraphs,
          forceDropout: power,
          rate: nestedRate(run.model.hidden_dropout_prob, power),
          exact_match: ev.exact_match,
          f1: ev.f1,
          count: dev.count,
        });
      }
    }
  } finally {
    evaluator.dispose();
    tree.dispose(params);
  }
  return scores;
}
