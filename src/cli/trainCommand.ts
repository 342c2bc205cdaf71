/** `cmploss train`: flags (kebab-case mirrors of the reference's) → TrainConfig → train(). */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { JsonSyntaxError, parseJson } from "../io/jsonText.js";
import { LOSS_TARGETS, PRIMARY_LOSSES } from "../loss/index.js";
import { BERT_PRESETS } from "../models/bert/config.js";
import { backendLine, initRuntime } from "../runtime/index.js";
import { BUNDLED_GLUE_TASKS, getGlueTask } from "../tasks/index.js";
import { qaDataDirProblem, QA_DEFAULTS, type QaSettings } from "../tasks/qa/data.js";
import { isQaTask, isRankingTask, QA_TASKS, TASK_NAMES } from "../tasks/registry.js";
import { PRF_POOLINGS } from "../models/prfReformulator.js";
import { PRF_MEASURES } from "../train/prfEvaluate.js";
import { PRF_DEFAULTS, type PrfSettings } from "../train/prfFamily.js";
import { lossFlagConflict, TRAIN_DEFAULTS, type TrainConfig } from "../train/config.js";
import { train } from "../train/loop.js";
import { modelSpecProblem } from "../train/modelSource.js";
import { RUN_FILES } from "../train/runFiles.js";
import { runFolderConflict } from "../train/runFolder.js";
import { TrainingStopped } from "../train/stop.js";
import {
  camel,
  checkSetting,
  flagName,
  formatHelp,
  parseFlags,
  UsageError,
  type FlagSpec,
  type FlagTable,
} from "./args.js";
import { DEVICE_FLAG, THREADS_FLAG } from "./runtimeFlags.js";
import { handleStopSignals } from "./stopSignals.js";

const PRETRAINED_LR = 5e-5;

export const TRAIN_FLAGS: FlagTable = {
  task: {
    kind: "string",
    help: "GLUE, QA or ranking (prf) task (all but sst2 need --data-dir)",
    values: [...TASK_NAMES],
  },
  "data-dir": {
    kind: "string",
    help: "GLUE: folder with train.tsv and dev.tsv; QA: the official JSON file or folder",
    nullable: true,
    defaultText: "the bundled SST-2",
  },
  "output-dir": {
    kind: "string",
    help: `where checkpoints, logs, ${RUN_FILES.metrics} and ${RUN_FILES.curves} go`,
  },
  model: {
    kind: "string",
    help: `a preset (${Object.keys(BERT_PRESETS).join(", ")}), a Hugging Face model folder, or a Hub id org/name`,
  },
  "max-seq-length": {
    kind: "number",
    help: "truncate inputs to this many tokens",
    integer: true,
    min: 4,
    max: 512,
  },
  "pad-multiple": {
    kind: "number",
    help: "pad batches to a multiple of this (1: batch maximum)",
    integer: true,
    min: 1,
  },
  "group-by-length": { kind: "boolean", help: "batch examples of similar length (seeded)" },
  "batch-size": { kind: "number", help: "examples per step", integer: true, min: 1 },
  "eval-batch-size": { kind: "number", help: "examples per evaluation batch", integer: true, min: 1 },
  lr: { kind: "number", help: `peak learning rate (AdamW); ${PRETRAINED_LR} for pretrained models`, min: 0 },
  epochs: { kind: "number", help: "passes over the training split", integer: true, min: 1 },
  "max-steps": {
    kind: "number",
    help: "stop after this many steps (overrides --epochs)",
    integer: true,
    min: 1,
    nullable: true,
  },
  "warmup-ratio": { kind: "number", help: "fraction of steps with linear warm-up", min: 0, max: 1 },
  "weight-decay": { kind: "number", help: "AdamW decoupled weight decay (not on biases/LayerNorm)", min: 0 },
  "max-grad-norm": {
    kind: "number",
    help: "clip the global gradient norm (0 or none: off)",
    min: 0,
    nullable: true,
  },
  seed: { kind: "number", help: "seed for init, data order and dropout", integer: true, min: 0 },
  "eval-steps": { kind: "number", help: "evaluate on dev every N steps", integer: true, min: 1 },
  "save-steps": {
    kind: "number",
    help: "also write the resumable checkpoint every N steps, so that a killed run loses at most N (none: only at evaluations)",
    integer: true,
    min: 1,
    nullable: true,
  },
  method: { kind: "string", help: "training objective", values: ["cmp", "ce", "rdrop"] },
  "rdrop-alpha": { kind: "number", help: "R-Drop weight of the symmetric KL (with --method rdrop)", min: 0 },
  "n-drop": {
    kind: "number",
    help: "CmpDrop ablations c (0: plain fine-tuning)",
    integer: true,
    min: 0,
    max: 16,
  },
  "just-cmp": { kind: "boolean", help: "comparative loss alone, with the dummy model (SPEC §3)" },
  "loss-target": { kind: "string", help: "dummy baseline", values: LOSS_TARGETS },
  "loss-primary": {
    kind: "string",
    help: "primary loss with --no-just-cmp",
    values: PRIMARY_LOSSES,
  },
  "cr-temp": { kind: "number", help: "temperature of the comparison", min: 1e-6 },
  "cr-weight": { kind: "number", help: "weight of the ranking term with --no-just-cmp", min: 0 },
  "cr-schedule": { kind: "boolean", help: "skip the ranking term while the primary loss > 1.1" },
  listwise: { kind: "boolean", help: "ListMLE instead of the pairwise hinge" },
  "min-word-freq": { kind: "number", help: "vocabulary: keep words seen this often", integer: true, min: 1 },
  "ablation-mode": {
    kind: "string",
    help: "variants in one pass (fastest), one by one, or accumulate: one by one with one variant's activations in memory (about twice the time)",
    values: ["batched", "sequential", "accumulate"],
  },
  "micro-batch-size": {
    kind: "number",
    help: "differentiate each batch in micro-batches of at most this many examples: the same gradient in less memory",
    integer: true,
    min: 1,
    nullable: true,
  },
  jit: { kind: "boolean", help: "compile the train step with jax-js jit" },
  device: DEVICE_FLAG,
  threads: { ...THREADS_FLAG, nullable: true },
  resume: { kind: "boolean", help: `continue from <output-dir>/${RUN_FILES.last}` },
  overwrite: { kind: "boolean", help: "delete the run already in --output-dir and start again" },
  config: {
    kind: "string",
    help: "start from the settings in a JSON file (a run's run.json works); flags override",
  },
  "n-crop": {
    kind: "number",
    help: "QA: CmpCrop levels c_crop (irrelevant context removed)",
    integer: true,
    min: 0,
    max: 8,
  },
  "doc-stride": {
    kind: "number",
    help: "QA: tokens shared by consecutive context windows",
    integer: true,
    min: 0,
  },
  "max-query-length": { kind: "number", help: "QA: question tokens kept", integer: true, min: 1 },
  "max-answer-length": {
    kind: "number",
    help: "QA: longest predicted answer in tokens",
    integer: true,
    min: 1,
  },
  "n-best-size": { kind: "number", help: "QA: start/end candidates per window", integer: true, min: 1 },
  distractors: {
    kind: "number",
    help: "squad-distractor: paragraphs from other articles per question",
    integer: true,
    min: 0,
  },
  "max-paragraphs": {
    kind: "number",
    help: "QA: evaluate with only the first m distractors",
    integer: true,
    min: 0,
    nullable: true,
    defaultText: "all",
  },
  "train-questions": {
    kind: "number",
    help: "QA: train on a fixed seeded subset of this many training questions (the same for every seed)",
    integer: true,
    min: 1,
    nullable: true,
    defaultText: "all",
  },
  "dev-questions": {
    kind: "number",
    help: "QA: score a fixed seeded subset of this many dev questions",
    integer: true,
    min: 1,
    nullable: true,
    defaultText: "all",
  },
  "first-stage": {
    kind: "string",
    help: "prf: the first-stage TREC run (cmploss retrieve) holding every train and dev query",
  },
  "n-prf": { kind: "number", help: "prf: feedback passages K", integer: true, min: 0, max: 32 },
  "n-compare": {
    kind: "number",
    help: "prf: ablated variants c (fewer feedback passages; 0: plain training)",
    integer: true,
    min: 0,
    max: 32,
  },
  "shuffle-prf": { kind: "boolean", help: "prf: draw the feedback list at random from the top K per epoch" },
  pooling: {
    kind: "string",
    help: "prf: query vector as the base retriever pools (mean + L2), or LoL's LayerNorm(Linear(h_CLS))",
    values: PRF_POOLINGS,
  },
  "score-scale": { kind: "number", help: "prf: cosine scores × this before the softmax", min: 1e-6 },
  "max-query-tokens": { kind: "number", help: "prf: query tokens kept", integer: true, min: 1 },
  "max-passage-tokens": { kind: "number", help: "prf: tokens per feedback passage", integer: true, min: 1 },
  "doc-max-length": {
    kind: "number",
    help: "prf: tokens per document for the frozen corpus vectors",
    integer: true,
    min: 4,
    max: 512,
  },
  "select-metric": {
    kind: "string",
    help: "prf: the dev measure that picks the best checkpoint",
    values: PRF_MEASURES,
  },
  "train-queries": {
    kind: "number",
    help: "prf: train on a seeded subset of this many train queries",
    integer: true,
    min: 1,
    nullable: true,
    defaultText: "all",
  },
  "embedding-cache-dir": {
    kind: "string",
    help: "prf: where the base encoder's corpus vectors are cached",
    nullable: true,
    defaultText: "the --first-stage file's folder",
  },
};

export const PRF_FLAG_NAMES = [
  "firstStage",
  "nPrf",
  "nCompare",
  "shufflePrf",
  "pooling",
  "scoreScale",
  "maxQueryTokens",
  "maxPassageTokens",
  "docMaxLength",
  "selectMetric",
  "trainQueries",
  "embeddingCacheDir",
] as const satisfies readonly (keyof PrfSettings)[];

export const QA_FLAG_NAMES = [
  "nCrop",
  "docStride",
  "maxQueryLength",
  "maxAnswerLength",
  "nBestSize",
  "distractors",
  "maxParagraphs",
  "trainQuestions",
  "devQuestions",
] as const satisfies readonly (keyof QaSettings)[];

/** SQuAD-style settings (SPEC §10) where the GLUE defaults do not fit; flags and --config files override. */
const QA_TRAIN_DEFAULTS: Partial<TrainConfig> = { maxSeqLength: 384, batchSize: 16, evalBatchSize: 32 };

/** A config key as its flag: maxSeqLength → --max-seq-length. */
export const kebab = (key: string) => "--" + flagName(key);

/**
 * The schema of the settings in a `--config` file, from the flag table: a TrainConfig key is its flag's camelCase
 * name (all flags but --config and the QA flags), a QA setting (a run.json's `settings`) one of the QA flags.
 */
const fileSchema = (keys: (key: string) => boolean): ReadonlyMap<string, FlagSpec> =>
  new Map(
    Object.entries(TRAIN_FLAGS)
      .map(([flag, spec]) => [camel(flag), spec] as const)
      .filter(([key]) => keys(key)),
  );
const isQaKey = (key: string) => (QA_FLAG_NAMES as readonly string[]).includes(key);
const isPrfKey = (key: string) => (PRF_FLAG_NAMES as readonly string[]).includes(key);
export const CONFIG_SCHEMA = fileSchema((key) => key !== "config" && !isQaKey(key) && !isPrfKey(key));
export const QA_SCHEMA = fileSchema(isQaKey);
export const PRF_SCHEMA = fileSchema(isPrfKey);

/** The defaults of `cmploss train --task prf` where the GLUE ones do not fit (SPEC §9; flags override). */
const PRF_TRAIN_DEFAULTS: Partial<TrainConfig> = {
  maxSeqLength: 512,
  batchSize: 16,
  evalBatchSize: 32,
  lr: 1e-5,
  weightDecay: 0,
  warmupRatio: 0.1,
  nDrop: 0,
  justCmp: false,
  lossPrimary: "avg",
  crWeight: 1,
};

/** Settings of the comparative loss that PRF fixes (SPEC §9: regulariser, primary avg, pairwise, T = 1). */
const PRF_FIXED = [
  "nDrop",
  "justCmp",
  "lossTarget",
  "lossPrimary",
  "crTemp",
  "crSchedule",
  "listwise",
  "rdropAlpha",
];

/** PRF settings from the flags and the --config file (PRF flags with another task are an error). */
export function prfSettingsFromArgs(argv: string[], task: string): PrfSettings | null {
  const { config: configFile, ...given } = parseFlags(argv, TRAIN_FLAGS);
  const prfGiven = PRF_FLAG_NAMES.filter((k) => k in given);
  if (!isRankingTask(task)) {
    if (prfGiven.length) throw new UsageError(`${kebab(prfGiven[0])} only applies to --task prf`);
    return null;
  }
  const fromFile = configFile ? settingsFile(String(configFile)).prf : {};
  const settings: PrfSettings = { ...PRF_DEFAULTS, ...fromFile };
  for (const k of prfGiven) (settings as unknown as Record<string, unknown>)[k] = given[k];
  if (!settings.firstStage) throw new UsageError("--task prf: expected --first-stage <a TREC run file>");
  if (!existsSync(settings.firstStage) || !statSync(settings.firstStage).isFile())
    throw new UsageError(`--first-stage ${settings.firstStage}: expected a TREC run file, got no such file`);
  if (settings.nCompare > settings.nPrf)
    throw new UsageError(
      `--n-compare ${settings.nCompare}: expected at most --n-prf ${settings.nPrf} (1 + c distinct feedback counts from 0…K)`,
    );
  return settings;
}

/** QA settings from the flags and the --config file (QA flags with a GLUE task are an error). */
export function qaSettingsFromArgs(argv: string[], task: string): QaSettings | null {
  const { config: configFile, ...given } = parseFlags(argv, TRAIN_FLAGS);
  const qaGiven = QA_FLAG_NAMES.filter((k) => k in given);
  if (!isQaTask(task)) {
    if (qaGiven.length)
      throw new UsageError(`${kebab(qaGiven[0])} only applies to QA tasks (${QA_TASKS.join(", ")})`);
    return null;
  }
  if ("ablationMode" in given && given.ablationMode !== "batched") {
    throw new UsageError("--ablation-mode only applies to GLUE tasks; QA runs its variants batched");
  }
  const fromFile = configFile ? settingsFile(String(configFile)).qa : {};
  const settings: QaSettings = { ...QA_DEFAULTS, ...fromFile };
  for (const k of qaGiven) (settings as unknown as Record<string, unknown>)[k] = given[k];
  return settings;
}

const USAGE = `Usage: cmploss train [flags]

Trains a BERT-style encoder with the cross-model comparative loss (CmpDrop). With no flags: bundled SST-2,
the ${TRAIN_DEFAULTS.model} preset, c = ${TRAIN_DEFAULTS.nDrop}, one epoch; prints dev accuracy at the end.
Ctrl-C (or SIGTERM) stops after the step in flight with a checkpoint; --resume goes on from it.`;

/** Flags of one method given with another are an error rather than silently ignored. */
function methodFlagConflict(config: TrainConfig, given: Record<string, unknown>): string | null {
  if (config.method !== "rdrop" && "rdropAlpha" in given)
    return "--rdrop-alpha only applies with --method rdrop";
  const cmpOnly = [
    "nDrop",
    "nCrop",
    "lossTarget",
    "listwise",
    "crTemp",
    "justCmp",
    "crWeight",
    "crSchedule",
    "lossPrimary",
  ];
  const stray = cmpOnly.filter((k) => k in given);
  if (config.method !== "cmp" && stray.length) {
    return `${kebab(stray[0])} only applies with --method cmp (got --method ${config.method})`;
  }
  return null;
}

export function trainHelp(): string {
  return formatHelp(USAGE, TRAIN_FLAGS, { ...PRF_DEFAULTS, ...QA_DEFAULTS, ...TRAIN_DEFAULTS });
}

/**
 * Settings from a JSON file: a bare TrainConfig object, or a run.json / experiment cell file
 * (`{ config, settings }`, where `settings` holds a QA run's QA settings). Every value is checked against its
 * flag's kind, range, choices and nullability (CONFIG_SCHEMA, QA_SCHEMA) before anything runs.
 * @throws UsageError naming the file and the setting.
 */
export function settingsFile(path: string): {
  config: Partial<TrainConfig>;
  qa: Partial<QaSettings>;
  prf: Partial<PrfSettings>;
} {
  const fail = (what: string): never => {
    throw new UsageError(`--config ${path}: ${what}`);
  };
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder" : (code ?? String(err));
    fail(`expected a JSON file of training settings, got ${why}`);
  }
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    fail(`expected JSON, got ${err.found} at line ${err.line}, column ${err.column}`);
  }
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  if (!isObject(json))
    return fail(
      `expected a JSON object of training settings, got ${Array.isArray(json) ? "an array" : json}`,
    );
  const wrapped = isObject(json.config);
  const config = wrapped ? (json.config as Record<string, unknown>) : json;
  if (wrapped && "settings" in json && !isObject(json.settings))
    fail(`"settings" expected an object of QA settings, got ${JSON.stringify(json.settings)}`);
  const inner = wrapped && isObject(json.settings) ? json.settings : {};
  const prfRun = typeof config.task === "string" && isRankingTask(config.task);
  const qa = prfRun ? {} : inner;
  const prf = prfRun ? inner : {};
  for (const [what, obj, schema, prefix] of [
    ["settings", config, CONFIG_SCHEMA, ""],
    ["QA settings", qa, QA_SCHEMA, "settings."],
    ["PRF settings", prf, PRF_SCHEMA, "settings."],
  ] as const) {
    const unknown = Object.keys(obj).filter((k) => !schema.has(k));
    if (unknown.length) fail(`unknown ${what} ${unknown.slice(0, 5).join(", ")}`);
    for (const [key, value] of Object.entries(obj)) {
      const problem = checkSetting(schema.get(key)!, value);
      if (problem) fail(`"${prefix}${key}" ${problem}`);
    }
  }
  return {
    config: config as Partial<TrainConfig>,
    qa: qa as Partial<QaSettings>,
    prf: prf as Partial<PrfSettings>,
  };
}

/** Parse flags into a full config (defaults filled in). */
export function trainConfigFromArgs(argv: string[]): TrainConfig {
  const { config: configFile, ...flags } = parseFlags(argv, TRAIN_FLAGS);
  // QA flags are QA settings (qaSettingsFromArgs), not part of TrainConfig.
  const given = Object.fromEntries(
    Object.entries(flags).filter(([k]) => !isQaKey(k) && !isPrfKey(k)),
  ) as Partial<Record<keyof TrainConfig, unknown>>;
  const fromFile = configFile ? settingsFile(String(configFile)).config : {};
  const config = { ...TRAIN_DEFAULTS, ...fromFile, ...given } as TrainConfig;
  const chosen = (key: keyof TrainConfig) => key in given || key in fromFile;
  const pretrained = !Object.hasOwn(BERT_PRESETS, config.model);
  // From-scratch presets want a large step; pretrained encoders the usual fine-tuning rate.
  if (pretrained && !chosen("lr")) config.lr = PRETRAINED_LR;
  // Pretrained encoders are wide: smaller evaluation batches keep jax-js's wasm heap well under its 4 GiB.
  if (pretrained && !chosen("evalBatchSize")) config.evalBatchSize = 32;
  if (isQaTask(config.task)) {
    for (const [key, value] of Object.entries(QA_TRAIN_DEFAULTS) as [keyof TrainConfig, never][])
      if (!chosen(key)) config[key] = value;
  }
  if (isRankingTask(config.task)) {
    const fixed = PRF_FIXED.filter((k) => k in given);
    if (fixed.length)
      throw new UsageError(
        `${kebab(fixed[0])} does not apply to --task prf (regulariser mode, primary avg, pairwise, temperature 1, SPEC §9; set --cr-weight and --n-compare)`,
      );
    if (config.method === "rdrop")
      throw new UsageError("--task prf trains with --method cmp or ce (ce: λ_cr 0)");
    for (const [key, value] of Object.entries(PRF_TRAIN_DEFAULTS) as [keyof TrainConfig, never][])
      if (!(key in given) && !(key in fromFile && !PRF_FIXED.includes(key))) config[key] = value;
    if (config.method === "ce") config.crWeight = 0;
  }
  // Clipping off: 0 or none from the flag, null from a run.json (where JSON writes Infinity as null).
  if (config.maxGradNorm === 0 || config.maxGradNorm === null) config.maxGradNorm = Infinity;
  // A resumed run reopens its model and tokenizer from its own folder: its --model folder may be gone by now.
  const reopens = config.resume && existsSync(join(config.outputDir, RUN_FILES.run));
  const modelProblem = reopens ? null : modelSpecProblem(config.model);
  if (modelProblem) throw new UsageError(modelProblem);
  const conflict = isRankingTask(config.task)
    ? methodFlagConflict(config, flags)
    : (lossFlagConflict(config, given) ?? methodFlagConflict(config, flags));
  if (conflict) throw new UsageError(conflict);
  return config;
}

/** The GLUE name of the config's task when it has no data folder and none ships with cmploss, else null. */
export function unbundledTaskWithoutData(config: TrainConfig): string | null {
  if (isQaTask(config.task) || isRankingTask(config.task) || config.dataDir !== null) return null;
  const { name } = getGlueTask(config.task);
  return BUNDLED_GLUE_TASKS.includes(name) ? null : name;
}

/** @returns the exit code: 0, or 128 + the signal's number when a signal stopped the run early. */
export async function runTrain(argv: string[]): Promise<number> {
  const config = trainConfigFromArgs(argv);
  const unbundled = unbundledTaskWithoutData(config);
  if (unbundled) {
    throw new UsageError(
      `--task ${config.task}: expected --data-dir <its glue_data/${unbundled} folder> ` +
        `(only ${BUNDLED_GLUE_TASKS.join(", ")} ships with cmploss)`,
    );
  }
  const qa = qaSettingsFromArgs(argv, config.task);
  const prf = prfSettingsFromArgs(argv, config.task);
  if (prf && config.dataDir === null)
    throw new UsageError("--task prf: expected --data-dir <a BEIR or MS MARCO ranking folder>");
  const qaData = isQaTask(config.task) ? qaDataDirProblem(config.task, config.dataDir) : null;
  if (qaData) throw new UsageError(qaData);
  const conflict = runFolderConflict(config); // before anything is written
  if (conflict) throw new UsageError(conflict);
  const rt = await initRuntime({ device: config.device, threads: config.threads ?? undefined });
  process.stderr.write(`${backendLine(rt)}\n`);
  const stop = handleStopSignals("stopping after this step, with a checkpoint");
  let summary;
  try {
    const hooks = { signal: stop.signal };
    summary = await train(config, hooks, qa ?? undefined, prf ?? undefined);
  } catch (err) {
    if (!(err instanceof TrainingStopped)) throw err;
    process.stderr.write(`train: ${err.message}; rerun the same command with --resume to go on from there\n`);
    return stop.exitCode() ?? 1;
  } finally {
    stop.dispose();
  }
  const best = summary.best ? `${summary.best.value.toFixed(4)} at step ${summary.best.step}` : "n/a";
  console.log(
    `dev ${summary.metric}: ${summary.final.value.toFixed(4)} (final, step ${summary.final.step}); best ${best}; ` +
      `${summary.examples_per_s.toFixed(1)} train examples/s; ${summary.wall_s.toFixed(0)} s`,
  );
  console.log(
    `outputs in ${summary.output_dir} (${RUN_FILES.metrics}, ${RUN_FILES.curves}, ${RUN_FILES.best})`,
  );
  return 0;
}
