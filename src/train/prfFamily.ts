/**
 * The ranking task family (kind `ranking`, task `prf`, SPEC §9, LoL): a pseudo-relevance-feedback query
 * reformulator. A pretrained encoder reads `[CLS] q [SEP] p1 [SEP] … pk [SEP]` (the top K of a first-stage
 * TREC run) and gives a query vector, pooled as the base retriever pools (or LoL's `cls-head`); documents are
 * the frozen base encoder's corpus vectors (the dense first stage's cache, copied into the run folder); the
 * objective (prfObjective.ts) ranks 1 + c nested feedback prefixes per query and epoch (planFeedback); dev
 * queries rank the whole corpus reading K passages, scored with trec_eval's measures.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { numpy as np, random, tree } from "@jax-js/jax";
import { planFeedback } from "../ablation/prfFeedback.js";
import { maxInputLength, type BertConfig } from "../models/bert/config.js";
import { initBert } from "../models/bert/params.js";
import { encoderOf } from "../models/classifier.js";
import type { HfConfigJson } from "../models/hf/config.js";
import { loadHfClassifier } from "../models/hf/load.js";
import { initPrfHead, type PrfPooling, type PrfReformulatorParams } from "../models/prfReformulator.js";
import { HfTokenizer } from "../tasks/hfTokenizer.js";
import { loadRankingData } from "../tasks/ranking/data.js";
import { readEmbeddingCache, writeEmbeddingCache, type EmbeddingKey } from "../tasks/ranking/dense.js";
import { readRun, type RankDoc } from "../tasks/ranking/formats.js";
import { prfQueries, trainable, type PrfQuery } from "../tasks/ranking/prfData.js";
import { encodePrfInput, prefixLength, type PrfInputOptions } from "../tasks/ranking/prfInput.js";
import { epochOrder } from "../tasks/batch.js";
import { hashString, mixSeed } from "../util/hostRng.js";
import type { TrainConfig } from "./config.js";
import type { OpenedTask, RunModel, RunRecord } from "./family.js";
import { sessionBatches } from "./heapFit.js";
import { resolveModelSpec, storeHfTokenizer } from "./modelSource.js";
import { ADAMW_DEFAULTS } from "./optimizer.js";
import { baseCorpusVectors, baseEmbeddingKey } from "./prfCorpus.js";
import { createPrfRetriever, evaluatePrf, padTo, prefixTokens, type PrfMeasure } from "./prfEvaluate.js";
import { prfObjective, type PrfBatch } from "./prfObjective.js";
import { PRF_RUN_FILES, RUN_TOKENIZER_DIR } from "./runFiles.js";
import { makeOptimizerStep } from "./step.js";

/** The PRF run's own settings (run.json `settings`; all frozen on --resume). */
export interface PrfSettings {
  /** The first-stage TREC run holding every train and dev query (its top K are the feedback passages). */
  firstStage: string;
  /** Feedback passages K read by the full model and at evaluation. */
  nPrf: number;
  /** Ablated variants c per query (fewer feedback passages); 0 = plain training. */
  nCompare: number;
  /** Draw each query's feedback list at random from the top K per epoch (LoL's shuffle_psgs). */
  shufflePrf: boolean;
  pooling: PrfPooling;
  /** Cosine scores are multiplied by this before the softmax (prfObjective.ts says why 20). */
  scoreScale: number;
  /** Query tokens (without special tokens). */
  maxQueryTokens: number;
  /** Tokens per feedback passage (without its separator). */
  maxPassageTokens: number;
  /** Tokens per document for the frozen corpus vectors (the dense first stage's --max-length). */
  docMaxLength: number;
  /** The dev metric that picks the best checkpoint. */
  selectMetric: PrfMeasure;
  /** Train on this many training queries (a seeded subset; null: all) — for short CPU runs. */
  trainQueries: number | null;
  /** Where the corpus vectors are cached (null: the first-stage run's folder, where `retrieve` caches). */
  embeddingCacheDir: string | null;
}

export const PRF_DEFAULTS: PrfSettings = {
  firstStage: "",
  nPrf: 5,
  nCompare: 1,
  shufflePrf: false,
  pooling: "mean",
  scoreScale: 20,
  maxQueryTokens: 128,
  maxPassageTokens: 128,
  docMaxLength: 256,
  selectMetric: "mrr@10",
  trainQueries: null,
  embeddingCacheDir: null,
};

/** The corpus vectors a PRF run keeps in its folder (safetensors, with their cache key as metadata). */
const PRF_CORPUS_FILE = PRF_RUN_FILES.corpus;

/** run.json of a PRF run, beside `config`. */
export interface PrfRunInfo {
  config: TrainConfig;
  settings: PrfSettings;
  model: BertConfig;
  pretrained: string;
  tokenizer: "hf";
  hfConfig: HfConfigJson;
  /** The key the corpus vectors in PRF_CORPUS_FILE were made under (the base encoder's). */
  corpusKey: EmbeddingKey;
}

/** Settings frozen on --resume, by run.json field. The cache folder only says where vectors are looked up. */
export function prfFrozenSettings(settings: PrfSettings): Record<string, Record<string, unknown>> {
  const { embeddingCacheDir: _where, ...frozen } = settings;
  return { settings: frozen };
}

/** What the run's model needs from the ranking data, read once. */
export interface PrfData {
  corpus: RankDoc[];
  train: PrfQuery[];
  dev: PrfQuery[];
  devQrels: Map<string, Map<string, number>>;
  /** What loading found worth saying (a training subset). */
  notes: string[];
}

/** Read a ranking folder and the first-stage run for `settings`: the training and dev queries with feedback. */
export async function loadPrfData(dataDir: string, settings: PrfSettings, seed: number): Promise<PrfData> {
  const [trainData, devData] = [
    await loadRankingData(dataDir, "train"),
    await loadRankingData(dataDir, "dev"),
  ];
  const run = await readRun(settings.firstStage);
  let train = trainable(prfQueries(trainData, run, settings.firstStage, settings.nPrf));
  const dev = prfQueries(devData, run, settings.firstStage, settings.nPrf);
  const notes: string[] = [];
  const all = train.length;
  if (settings.trainQueries !== null && settings.trainQueries < train.length) {
    const order = epochOrder(train.length, mixSeed(seed, hashString("prf-train-subset")), 0);
    const keep = new Set(Array.from(order.subarray(0, settings.trainQueries)));
    train = train.filter((_, i) => keep.has(i));
    notes.push(`training on a seeded subset of ${train.length} of ${all} train queries (--train-queries)`);
  }
  const short = train.find((q) => q.feedback.length < settings.nCompare);
  if (short)
    throw new Error(
      `${settings.firstStage}: query ${short.qid} has ${short.feedback.length} documents, fewer than --n-compare ${settings.nCompare} needs for distinct feedback counts`,
    );
  return { corpus: trainData.corpus, train, dev, devQrels: devData.qrels, notes };
}

/** The input layout options of `settings` with `config.maxSeqLength` in all. */
export function prfInputOptions(
  config: TrainConfig,
  settings: PrfSettings,
): PrfInputOptions & { maxLength: number } {
  return {
    maxLength: config.maxSeqLength,
    maxQueryTokens: settings.maxQueryTokens,
    maxPassageTokens: settings.maxPassageTokens,
  };
}

/** A template of a PRF run's params (for reading its checkpoints). */
export function prfTemplate(modelConfig: BertConfig, pooling: PrfPooling): PrfReformulatorParams {
  const [enc, head] = random.split(random.key(0), 2);
  const params: PrfReformulatorParams = {
    [modelConfig.model_type]: initBert(enc, modelConfig, { pooler: false }),
  };
  if (pooling === "cls-head") params.head = initPrfHead(head, modelConfig);
  else head.dispose();
  return params;
}

/** The run's corpus vectors from its folder. @throws Error naming the file when absent or made otherwise. */
export function readRunCorpus(runDir: string, run: PrfRunInfo, corpus: readonly RankDoc[]): Float32Array {
  const file = join(runDir, PRF_CORPUS_FILE);
  const v = readEmbeddingCache(file, run.corpusKey, corpus);
  if (!v)
    throw new Error(
      `${file}: expected the run's corpus vectors for this corpus (${corpus.length} documents), ${existsSync(file) ? "it holds another corpus's" : "no such file"}`,
    );
  return v;
}

function variantNames(c: number): string[] {
  if (c === 0) return ["model"];
  return ["most feedback", ...Array.from({ length: c }, (_, i) => `fewer ${i + 1}`)];
}

/** Read and check the PRF task's data for `config` and `settings` (nothing is written). */
export async function openPrfTask(
  config: TrainConfig,
  settings: PrfSettings,
): Promise<OpenedTask<PrfReformulatorParams, PrfBatch>> {
  if (!config.dataDir) throw new Error("--task prf: expected --data-dir <a BEIR or MS MARCO folder>");
  if (!settings.firstStage)
    throw new Error("--task prf: expected --first-stage <a TREC run file of the train queries>");
  const data = await loadPrfData(config.dataDir, settings, config.seed);
  const input = prfInputOptions(config, settings);
  const weight = config.method === "ce" ? 0 : config.crWeight;
  const loss = { kind: "regulariser" as const, primary: "avg" as const, weight };
  const N = data.corpus.length;
  const docIds = data.corpus.map((d) => d.id);

  const runModel = (
    record: Omit<PrfRunInfo, "config">,
    params: PrfReformulatorParams,
    tokenizer: HfTokenizer,
    docs: Float32Array,
    notes: string[],
    store: RunModel<PrfReformulatorParams, PrfBatch>["store"],
  ): RunModel<PrfReformulatorParams, PrfBatch> => ({
    params,
    record: record as unknown as RunRecord,
    notes,
    store,
    session: async () => {
      const modelConfig = record.model;
      const H = modelConfig.hidden_size;
      const docArray = np.array(docs).reshape([N, H]);
      const cfg = {
        modelConfig,
        pooling: settings.pooling,
        scale: settings.scoreScale,
        loss,
        docs: docArray,
      };
      const V = settings.nCompare + 1;
      // a query's V feedback levels are V model rows, each up to the input's length
      const fit = sessionBatches(config, {
        modelConfig,
        params,
        seqLen: input.maxLength,
        rows: V,
        examples: data.train.length,
        tail: "any",
      });
      const stepper = makeOptimizerStep(
        (p: PrfReformulatorParams, b: PrfBatch, key) => prfObjective(p, b, key, cfg),
        {
          adamw: { ...ADAMW_DEFAULTS, weightDecay: config.weightDecay },
          maxGradNorm: config.maxGradNorm,
          jit: config.jit,
          microBatchSize: fit.microBatchSize,
        },
      );
      const retriever = createPrfRetriever({
        modelConfig,
        pooling: settings.pooling,
        tokenizer,
        input,
        batchSize: fit.evalBatchSize,
        padMultiple: config.padMultiple,
      });
      const lambda = weight === 0 ? "λ_cr 0 (plain)" : `λ_cr ${weight}`;
      return {
        trainCount: data.train.length,
        trainLengths: null,
        describe:
          `PRF K=${settings.nPrf} c=${settings.nCompare} ${lambda}, ${settings.pooling} pooling, scale ${settings.scoreScale}` +
          `${settings.shufflePrf ? ", shuffled feedback" : ""} · ${data.train.length} train / ${data.dev.length} dev queries · ${N} documents`,
        notes: fit.notes,
        warnings: data.notes,
        variantNames: variantNames(settings.nCompare),
        batch: (indices, epoch) => {
          const qs = indices.map((i) => data.train[i]);
          const encs = qs.map((q) => {
            const plan = planFeedback(q.feedback.length, {
              nCompare: settings.nCompare,
              seed: mixSeed(config.seed, epoch, hashString(q.qid)),
              shuffle: settings.shufflePrf,
            });
            const enc = encodePrfInput(
              tokenizer,
              q.text,
              plan.order.map((i) => q.feedback[i]),
              input,
            );
            return { enc, lengths: plan.counts.map((k) => prefixLength(enc, k)) };
          });
          const B = qs.length;
          const T = padTo(Math.max(...encs.flatMap((e) => e.lengths)), config.padMultiple, input.maxLength);
          const host = prefixTokens(
            encs.flatMap((e) => e.lengths.map(() => e.enc)),
            encs.flatMap((e) => e.lengths),
            B * V,
            T,
            tokenizer.padId,
          );
          const relevant = new Float32Array(B * N);
          qs.forEach((q, b) => q.relevant.forEach((d) => (relevant[b * N + d] = 1)));
          const shape = [B, V, T];
          return {
            input_ids: np.array(host.input_ids, { dtype: np.int32 }).reshape(shape),
            attention_mask: np.array(host.attention_mask, { dtype: np.int32 }).reshape(shape),
            token_type_ids: np.array(host.token_type_ids, { dtype: np.int32 }).reshape(shape),
            relevant: np.array(relevant).reshape([B, N]),
          };
        },
        stepper,
        evaluate: async (p, onProgress) => {
          const scores = await evaluatePrf(
            retriever,
            p,
            data.dev,
            data.devQrels,
            docs,
            docIds,
            settings.nPrf,
            onProgress,
          );
          return { scores: { ...scores }, loss: null };
        },
        dispose: () => {
          retriever.dispose();
          docArray.dispose();
        },
      };
    },
  });

  return {
    name: "prf",
    metric: settings.selectMetric,
    curveLabel: `dev ${settings.selectMetric}`,
    fresh: async (key) => {
      const source = await resolveModelSpec(config.model);
      if (source.kind !== "hf") {
        key.dispose();
        throw new Error(
          `--task prf: expected a pretrained encoder (a Hugging Face folder or Hub id), got preset ${config.model}`,
        );
      }
      const tokenizer = await HfTokenizer.fromFolder(source.dir);
      const [loadKey, headKey] = random.split(key, 2);
      const loaded = loadHfClassifier(source.dir, 1, loadKey);
      const positions = maxInputLength(loaded.config);
      const tooLong = [
        ["--max-seq-length", config.maxSeqLength],
        ["--doc-max-length", settings.docMaxLength],
      ].find(([, n]) => (n as number) > positions);
      const { classifier, ...encoders } = loaded.params;
      tree.dispose(classifier as never);
      const encoder = encoderOf({ ...encoders, classifier }, loaded.config.model_type);
      if (tooLong) {
        tree.dispose(encoder as never);
        headKey.dispose();
        throw new Error(`${tooLong[0]} ${tooLong[1]}: expected at most the model's ${positions} positions`);
      }
      const { pooler, ...withoutPooler } = encoder;
      if (pooler) tree.dispose(pooler as never);
      const corpusKey = baseEmbeddingKey(source.dir, settings.docMaxLength);
      const cacheDir = settings.embeddingCacheDir ?? dirname(settings.firstStage);
      const corpus = await baseCorpusVectors({
        params: withoutPooler,
        modelConfig: loaded.config,
        tokenizer,
        corpus: data.corpus,
        key: corpusKey,
        cacheDir,
        batchSize: 16,
        onProgress: (done, total) => {
          if (done === total || done % 1024 === 0)
            process.stderr.write(`embedding the corpus: ${done}/${total}\n`);
        },
      });
      const params: PrfReformulatorParams = { [loaded.config.model_type]: withoutPooler };
      if (settings.pooling === "cls-head") params.head = initPrfHead(headKey, loaded.config);
      else headKey.dispose();
      const record: Omit<PrfRunInfo, "config"> = {
        settings,
        model: loaded.config,
        pretrained: source.dir,
        tokenizer: "hf",
        hfConfig: loaded.raw,
        corpusKey,
      };
      return runModel(
        record,
        params,
        tokenizer,
        corpus.vectors,
        [
          `pretrained ${loaded.config.model_type} from ${source.dir}`,
          `corpus vectors ${corpus.cached ? "from" : "cached in"} ${corpus.file}`,
        ],
        async (runDir) => {
          storeHfTokenizer(source.dir, runDir);
          writeEmbeddingCache(
            join(runDir, PRF_CORPUS_FILE),
            corpus.vectors,
            loaded.config.hidden_size,
            corpusKey,
            data.corpus,
          );
        },
      );
    },
    reopen: async (runDir, record) => {
      const run = record as unknown as PrfRunInfo;
      const tokenizer = await HfTokenizer.fromFolder(join(runDir, RUN_TOKENIZER_DIR));
      const docs = readRunCorpus(runDir, run, data.corpus);
      return runModel(run, prfTemplate(run.model, run.settings.pooling), tokenizer, docs, [], async () => {});
    },
    // PRF runs keep their best weights (HF names) in model-best.safetensors; there is no Hugging Face
    // AutoModel class for a query reformulator to export to.
    export: async () => {},
  };
}
