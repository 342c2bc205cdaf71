/**
 * Extractive-QA batches and evaluation (SPEC §7, §8): windows of one crop level as a device batch, the official
 * EM/F1 of the full model (or of dropout forced on at power k) on dev, and a run folder's scores at several
 * context sizes and dropout powers (`cmploss eval`, the experiment's curves).
 */
import { jit, numpy as np, random, tree } from "@jax-js/jax";
import { nestedRate } from "../ablation/cmpDrop.js";
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";
import { applySpanExtractor, type SpanExtractorParams } from "../models/spanExtractor.js";
import { collate, toDeviceBatch } from "../tasks/batch.js";
import type { HfTokenizer } from "../tasks/hfTokenizer.js";
import { itemExample, limitContext, loadQaTask, type QaItem, type QaSettings } from "../tasks/qa/data.js";
import { decodeQaPredictions } from "../tasks/qa/decode.js";
import { buildQaFeatures, type QaFeature } from "../tasks/qa/features.js";
import { squadEvaluate } from "../tasks/qa/metric.js";
import type { QaTaskName } from "../tasks/registry.js";
import { consuming } from "../util/own.js";
import { fitEvalBatch, onWasmHeap, parameterCount } from "./heapFit.js";
import type { EvalProgress } from "./log.js";
import type { QaLevelBatch } from "./qaObjective.js";
import { openQaRun } from "./qaRun.js";

/** One crop level's device batch of windows, padded to `padTo` (or the longest window). */
export function levelBatch(features: QaFeature[], padId: number, padTo: number): QaLevelBatch {
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
export function trainingWindow(features: QaFeature[]): QaFeature {
  return features.find((f) => f.start_positions > 0) ?? features[0];
}

type QaEvalOptions = {
  maxSeqLength: number;
  settings: QaSettings;
  batchSize: number;
  seed?: number;
  /**
   * Run every batch at one shape, [batchSize, maxSeqLength] (the last one filled with repeated windows whose
   * scores are dropped): on the wasm heap before engine patch 11 freed buffers served only the same sizes
   * again, so a second shape needed memory of its own. Kept on wasm so that QA runs (and their resumes) go on
   * computing what they computed.
   */
  oneShape?: boolean;
};

/** Padded length of a batch whose longest window is `longest` tokens: a multiple of 32, or T (one shape). */
export const paddedLength = (longest: number, maxSeqLength: number, oneShape: boolean) =>
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
  evaluate: (
    params: SpanExtractorParams,
    dev: QaDevSet,
    forceDropout?: number,
    onProgress?: EvalProgress,
  ) => Promise<QaScores>;
  dispose: () => void;
} {
  const forwards = new Map<number, ReturnType<typeof jit>>();
  const forwardAt = (power: number) => {
    let f = forwards.get(power);
    if (!f) {
      f = jit(
        consuming(
          (
            p: SpanExtractorParams,
            b: Omit<QaLevelBatch, "start_positions" | "end_positions">,
            k: np.Array,
          ) => {
            const out = applySpanExtractor(p, b, cfg, {
              powers: [power],
              key: power > 0 ? k : (k.dispose(), null),
              forwardOnly: true,
            });
            return [out.start_logits, out.end_logits];
          },
        ),
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

  async function evaluate(
    params: SpanExtractorParams,
    dev: QaDevSet,
    forceDropout = 0,
    onProgress?: EvalProgress,
  ): Promise<QaScores> {
    const forward = forwardAt(forceDropout);
    const { features } = dev;
    onProgress?.(0, features.length);
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
      onProgress?.(i + chunk.length, features.length);
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
  /** A progress reporter for each pass (context size × dropout power). */
  progress?: (pass: { maxParagraphs: number | null; forceDropout: number }) => EvalProgress;
}): Promise<QaRunScore[]> {
  const { run, tokenizer, params } = await openQaRun(options.outputDir, options.checkpoint);
  let data;
  try {
    data = await loadQaTask(run.config.task as QaTaskName, run.config.dataDir!, {
      distractors: run.settings.distractors,
      // scoring reads only the dev split; a run.json from before --dev-questions has none: every question
      trainQuestions: null,
      devQuestions: run.settings.devQuestions ?? null,
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
          modelConfig: run.model,
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
        const ev = await evaluator.evaluate(
          params,
          dev,
          power,
          options.progress?.({ maxParagraphs, forceDropout: power }),
        );
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
