/**
 * The extractive-QA task family (kind `span`, SPEC §7): questions over context units (SQuAD, the distractor
 * benchmark, HotpotQA), a pretrained Hugging Face encoder with a `qa_outputs` head and its own tokenizer,
 * c_crop nested crops per example (fresh random counts every epoch) and c_drop dropout powers in the
 * reference's interleaved order, the official EM/F1 on dev, and an `AutoModelForQuestionAnswering` export.
 */
import { random, tree } from "@jax-js/jax";
import { planCrops } from "../ablation/cmpCrop.js";
import { hashString, mixSeed } from "../util/hostRng.js";
import { trainedVariants } from "../ablation/plan.js";
import { maxInputLength } from "../models/bert/config.js";
import { loadHfSpanExtractor } from "../models/hf/load.js";
import { initSpanExtractor, type SpanExtractorParams } from "../models/spanExtractor.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import {
  itemExample,
  limitContext,
  loadQaTask,
  qaDataDirProblem,
  QA_DEFAULTS,
  type QaSettings,
} from "../tasks/qa/data.js";
import { buildQaFeatures, type QaFeature } from "../tasks/qa/features.js";
import type { QaTaskName } from "../tasks/registry.js";
import { lossOptions, type TrainConfig } from "./config.js";
import { exportHfQaModel } from "./export.js";
import type { OpenedTask, RunModel, RunRecord } from "./family.js";
import { onWasmHeap, sessionBatches } from "./heapFit.js";
import { QA_METRIC_SCALE } from "./metricScale.js";
import { resolveModelSpec, storeHfTokenizer } from "./modelSource.js";
import { ADAMW_DEFAULTS } from "./optimizer.js";
import { createQaEvaluator, levelBatch, paddedLength, trainingWindow } from "./qaEvaluate.js";
import { qaObjective, type QaLevelBatch } from "./qaObjective.js";
import { qaRunTokenizer, type QaRunInfo } from "./qaRun.js";
import { makeOptimizerStep } from "./step.js";

export { QA_DEFAULTS, type QaSettings };

/**
 * The QA settings that must not change on --resume, by their run.json field: all of them (crops, windows,
 * distractors, and the dev scoring that picks the best checkpoint).
 */
export function qaFrozenSettings(settings: QaSettings): Record<string, Record<string, unknown>> {
  return { settings: { ...settings } };
}

/** Read and check a QA task's data for `config` and `settings` (nothing is written). */
export async function openQaTask(
  config: TrainConfig,
  settings: QaSettings,
): Promise<OpenedTask<SpanExtractorParams, QaLevelBatch[]>> {
  const task = config.task as QaTaskName;
  if (!config.dataDir) throw new Error(qaDataDirProblem(task, null)!);
  if (config.method === "rdrop")
    throw new Error(
      `--task ${task}: R-Drop is implemented for GLUE tasks; QA trains with --method ce or cmp`,
    );
  const data = await loadQaTask(task, config.dataDir, {
    distractors: settings.distractors,
    trainQuestions: settings.trainQuestions,
    devQuestions: settings.devQuestions,
  });
  // Plain fine-tuning (ce, or cmp with c_drop = c_crop = 0): one pass with ordinary dropout, as for GLUE.
  const nDrop = config.method === "cmp" ? config.nDrop : 0;
  const nCrop = config.method === "cmp" ? settings.nCrop : 0;
  if (nCrop > 0 && data.train.every((it) => it.units.length < 2)) {
    throw new Error(
      `--n-crop ${settings.nCrop}: ${task} has no irrelevant context to crop; use squad-distractor or hotpot`,
    );
  }
  const variants = trainedVariants(nDrop, nCrop);
  const names = variants.map((v) =>
    variants.length === 1
      ? "model"
      : v.cropLevel + v.dropPower === 0
        ? "full"
        : [v.cropLevel ? `crop ${v.cropLevel}` : "", v.dropPower ? `drop ${v.dropPower}` : ""]
            .filter(Boolean)
            .join("+"),
  );
  const featureOptions = {
    maxSeqLength: config.maxSeqLength,
    docStride: settings.docStride,
    maxQueryLength: settings.maxQueryLength,
  };
  const devItems = limitContext(data.dev, settings.maxParagraphs);

  const runModel = (
    record: Omit<QaRunInfo, "config">,
    params: SpanExtractorParams,
    tokenizer: HfTokenizer,
    notes: string[],
    store: RunModel<SpanExtractorParams, QaLevelBatch[]>["store"],
  ): RunModel<SpanExtractorParams, QaLevelBatch[]> => ({
    params,
    record: record as unknown as RunRecord,
    notes,
    store,
    session: async () => {
      const modelConfig = record.model;
      // On CPU (wasm) every batch is padded to --max-seq-length and sized to fit the 4 GiB heap (heapFit.ts),
      // before anything is written: a run that cannot fit stops here, not at its first evaluation.
      const oneShape = onWasmHeap();
      const fit = sessionBatches(config, {
        modelConfig,
        params,
        seqLen: config.maxSeqLength,
        rows: variants.length,
        examples: data.train.length,
        tail: "equal",
      });
      const stepper = makeOptimizerStep(
        (p: SpanExtractorParams, levels: QaLevelBatch[], key) =>
          qaObjective(p, levels, key, { modelConfig, variants, loss: lossOptions(config) }),
        {
          adamw: { ...ADAMW_DEFAULTS, weightDecay: config.weightDecay },
          maxGradNorm: config.maxGradNorm,
          jit: config.jit,
          microBatchSize: fit.microBatchSize,
        },
      );
      const evaluator = createQaEvaluator(modelConfig, data.separator, tokenizer, {
        maxSeqLength: config.maxSeqLength,
        settings,
        batchSize: fit.evalBatchSize,
        oneShape,
      });
      const dev = evaluator.prepare(devItems);
      const shown = variants.map((v) => `(crop ${v.cropLevel}, drop ${v.dropPower})`).join(" ");
      return {
        trainCount: data.train.length,
        trainLengths: null,
        describe: `variants ${shown} · ${data.train.length} train / ${devItems.length} dev questions`,
        notes: fit.notes,
        warnings: data.notes,
        variantNames: names,
        batch: (indices, epoch) => {
          const batchItems = indices.map((i) => data.train[i]);
          // Crop levels: level 0 is the full context; counts are drawn per example and epoch (SPEC §7).
          const perLevel: QaFeature[][] = Array.from({ length: nCrop + 1 }, () => []);
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
          return perLevel.map((fs) =>
            levelBatch(
              fs,
              tokenizer.padId,
              paddedLength(Math.max(...fs.map((f) => f.input_ids.length)), config.maxSeqLength, oneShape),
            ),
          );
        },
        stepper,
        evaluate: async (p, onProgress) => {
          const ev = await evaluator.evaluate(p, dev, 0, onProgress);
          return { scores: { f1: ev.f1, exact_match: ev.exact_match }, loss: null };
        },
        dispose: () => evaluator.dispose(),
      };
    },
  });

  return {
    name: task,
    metric: "f1",
    curveLabel: "F1",
    fresh: async (key) => {
      const source = await resolveModelSpec(config.model);
      if (source.kind !== "hf") {
        key.dispose();
        throw new Error(
          `--task ${task}: QA needs a Hugging Face model folder (its tokenizer gives character offsets), got preset ${config.model}`,
        );
      }
      const tokenizer = await HfTokenizer.fromFolder(source.dir);
      const loaded = loadHfSpanExtractor(source.dir, key);
      if (config.maxSeqLength > maxInputLength(loaded.config)) {
        tree.dispose(loaded.params);
        throw new Error(
          `--max-seq-length ${config.maxSeqLength}: the model has only ${maxInputLength(loaded.config)} positions`,
        );
      }
      const record = {
        settings,
        model: loaded.config,
        pretrained: source.dir,
        metricScale: QA_METRIC_SCALE,
        tokenizer: "hf" as const,
        hfConfig: loaded.raw,
      };
      return runModel(
        record,
        loaded.params,
        tokenizer,
        [`pretrained ${loaded.config.model_type} from ${source.dir}`],
        async (runDir) => storeHfTokenizer(source.dir, runDir),
      );
    },
    reopen: async (runDir, record) => {
      const run = record as unknown as QaRunInfo;
      const tokenizer = await qaRunTokenizer(runDir, run);
      const template = initSpanExtractor(random.key(0), run.model);
      return runModel(run, template, tokenizer, [], async () => {});
    },
    export: async (runDir) => {
      await exportHfQaModel(runDir);
    },
  };
}
