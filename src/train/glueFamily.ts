/**
 * The GLUE task family (kinds `classification` and `regression`): TSV splits, a word vocabulary or a pretrained
 * tokenizer, a sequence-classifier head, the comparative (or R-Drop / plain) objective of
 * classifierObjective.ts, the task's GLUE metrics on dev, and an `AutoModelForSequenceClassification` export.
 */
import { random } from "@jax-js/jax";
import { initSequenceClassifier, type SequenceClassifierParams } from "../models/classifier.js";
import { scoreAll } from "../tasks/metrics.js";
import { makeTrainStep, type TrainBatch } from "./classifierObjective.js";
import { lossOptions, methodPowers, type TrainConfig } from "./config.js";
import { encodeSplit } from "./data.js";
import { createEvaluator } from "./evaluate.js";
import { exportHfModel } from "./export.js";
import type { OpenedTask, RunModel, RunRecord } from "./family.js";
import { sessionBatches } from "./heapFit.js";
import { prepareFreshModel, reopenTokenizer, type RunModelInfo, type RunTokenizer } from "./modelSource.js";
import { ADAMW_DEFAULTS } from "./optimizer.js";
import { loadTaskData } from "./taskData.js";

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

/** Read and check a GLUE task's train and dev splits for `config` (nothing is written). */
export async function openGlueTask(
  config: TrainConfig,
): Promise<OpenedTask<SequenceClassifierParams, TrainBatch>> {
  const { task, train: trainExamples, dev: devExamples } = await loadTaskData(config.task, config.dataDir);

  const runModel = (
    info: RunModelInfo,
    params: SequenceClassifierParams,
    tok: RunTokenizer,
    notes: string[],
    store: RunModel<SequenceClassifierParams, TrainBatch>["store"],
  ): RunModel<SequenceClassifierParams, TrainBatch> => ({
    params,
    record: { task: task.name, ...info },
    notes,
    store,
    session: async () => {
      const encodeOptions = {
        maxLength: config.maxSeqLength,
        lossKind: task.lossKind,
        padMultiple: config.padMultiple,
        padId: tok.padId,
      };
      const trainData = encodeSplit(trainExamples, tok.tokenizer, encodeOptions);
      const devData = encodeSplit(devExamples, tok.tokenizer, encodeOptions);
      const powers = methodPowers(config);
      // On CPU (wasm) a batch whose variants do not fit the 4 GiB heap is differentiated in micro-batches and
      // the evaluation batch shrunk (heapFit.ts), sized for the longest padded length: engine patch 11 lets the
      // shorter lengths' programs run in the memory the longest one freed.
      const fit = sessionBatches(config, {
        modelConfig: info.model,
        params,
        seqLen: Math.max(trainData.longestPadded, devData.longestPadded),
        // accumulate mode keeps one variant's activations at a time
        rows: config.ablationMode === "accumulate" ? 1 : powers.length,
        examples: trainData.count,
        tail: "any",
      });
      const stepper = makeTrainStep({
        modelConfig: info.model,
        lossKind: task.lossKind,
        method: config.method === "rdrop" ? { kind: "rdrop", alpha: config.rdropAlpha } : { kind: "cmp" },
        powers,
        mode: config.ablationMode,
        loss: lossOptions(config),
        adamw: { ...ADAMW_DEFAULTS, weightDecay: config.weightDecay },
        maxGradNorm: config.maxGradNorm,
        jit: config.jit,
        microBatchSize: fit.microBatchSize,
      });
      const evaluator = createEvaluator(info.model, task.lossKind, { batchSize: fit.evalBatchSize });
      return {
        trainCount: trainData.count,
        trainLengths: Int32Array.from({ length: trainData.count }, (_, i) => trainData.length(i)),
        describe: `${describeMethod(config)} · ${trainData.count} train / ${devData.count} dev`,
        notes: fit.notes,
        warnings: [],
        variantNames: variantNames(config, powers),
        batch: (indices) => trainData.batch(indices),
        stepper,
        evaluate: async (p, onProgress) => {
          const ev = await evaluator.evaluate(p, devData, onProgress);
          return { scores: scoreAll(task, ev.predictions, devData.labels), loss: ev.loss };
        },
        dispose: () => evaluator.dispose(),
      };
    },
  });

  return {
    name: task.name,
    metric: task.metric,
    curveLabel: task.metric,
    fresh: async (key) => {
      const fresh = await prepareFreshModel({
        spec: config.model,
        task,
        trainExamples,
        minWordFreq: config.minWordFreq,
        maxSeqLength: config.maxSeqLength,
        key,
      });
      return runModel(fresh.info, fresh.params, fresh.tok, fresh.notes, fresh.store);
    },
    reopen: async (runDir: string, record: RunRecord) => {
      const info = record as unknown as RunModelInfo;
      const tok = await reopenTokenizer(runDir, info.tokenizer);
      const template = initSequenceClassifier(random.key(0), info.model, info.numLabels);
      return runModel(info, template, tok, [], async () => {});
    },
    export: async (runDir) => {
      await exportHfModel(runDir, task);
    },
  };
}
