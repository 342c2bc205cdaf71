/** Everything a training run needs, with the defaults of the embedded run (`cmploss train` with no flags). */
import { variantPowers } from "../ablation/plan.js";
import type { ComparativeLossOptions, LossTarget, PrimaryLoss } from "../loss/index.js";

export interface TrainConfig {
  task: string;
  /** Folder with the task's train/dev files; default: the SST-2 copy bundled with the package. */
  dataDir: string | null;
  outputDir: string;
  /** Preset name (see BERT_PRESETS). */
  model: string;
  maxSeqLength: number;
  /** Pad batches to a multiple of this many tokens (1: exactly the batch maximum). */
  padMultiple: number;
  /** Batch examples of similar length together (seeded; HF's group_by_length). */
  groupByLength: boolean;
  batchSize: number;
  evalBatchSize: number;
  lr: number;
  epochs: number;
  /** Stop after this many steps (overrides epochs); null: epochs × steps per epoch. */
  maxSteps: number | null;
  warmupRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  seed: number;
  evalSteps: number;
  /**
   * Also write the resumable checkpoint every N steps between evaluations, so that a killed process loses at
   * most N steps; null: only at evaluations (and when stopped by a signal).
   */
  saveSteps: number | null;
  /**
   * "cmp": comparative loss over c = nDrop CmpDrop variants; "ce": plain fine-tuning with ordinary dropout;
   * "rdrop": R-Drop with weight `rdropAlpha`.
   */
  method: "cmp" | "ce" | "rdrop";
  rdropAlpha: number;
  /** CmpDrop ablations c (0: plain fine-tuning with ordinary dropout). */
  nDrop: number;
  justCmp: boolean;
  lossTarget: LossTarget;
  lossPrimary: PrimaryLoss;
  crTemp: number;
  crWeight: number;
  crSchedule: boolean;
  listwise: boolean;
  /** Vocabulary for from-scratch models: keep words seen at least this often in the training split. */
  minWordFreq: number;
  /** Batched (one pass over (c+1)·B rows) or sequential (c+1 passes) ablation variants. */
  ablationMode: "batched" | "sequential" | "accumulate";
  /**
   * Differentiate each batch in micro-batches of at most this many examples (the same gradient in a fraction
   * of the memory); null: the whole batch at once.
   */
  microBatchSize: number | null;
  jit: boolean;
  /** "auto": WebGPU on a hardware GPU adapter, else wasm (runtime/init.ts). */
  device: "auto" | "wasm" | "webgpu" | "cpu";
  /** wasm worker threads; null: all cores. */
  threads: number | null;
  resume: boolean;
  /** Delete an earlier run in `outputDir` and start again (without it, a folder holding a run is refused). */
  overwrite: boolean;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  task: "sst2",
  dataDir: null,
  outputDir: "runs/sst2-cmpdrop",
  model: "bert-L2-H128-A2",
  maxSeqLength: 64,
  padMultiple: 8,
  groupByLength: true,
  batchSize: 32,
  evalBatchSize: 128,
  lr: 1e-3,
  epochs: 1,
  maxSteps: null,
  warmupRatio: 0.06,
  weightDecay: 0.01,
  maxGradNorm: 1.0,
  seed: 42,
  evalSteps: 200,
  saveSteps: null,
  method: "cmp",
  rdropAlpha: 1,
  nDrop: 2,
  justCmp: true,
  lossTarget: "ultra",
  lossPrimary: "max",
  crTemp: 1,
  crWeight: 0,
  crSchedule: false,
  listwise: false,
  minWordFreq: 1,
  ablationMode: "batched",
  microBatchSize: null,
  jit: true,
  device: "auto",
  threads: null,
  resume: false,
  overwrite: false,
};

/** Whether a batch is differentiated in parts (a micro-batch smaller than the batch). */
function splitsBatches(config: Pick<TrainConfig, "microBatchSize" | "batchSize">): boolean {
  return config.microBatchSize !== null && config.microBatchSize < config.batchSize;
}

/** "micro-batches of m" when a batch is differentiated in parts, else nothing. */
export function microBatchNote(config: Pick<TrainConfig, "microBatchSize" | "batchSize">): string[] {
  return splitsBatches(config) ? [`micro-batches of ${config.microBatchSize}`] : [];
}

/** Dropout power of each variant a classification config runs (R-Drop: two ordinary passes). */
export function methodPowers(cfg: Pick<TrainConfig, "method" | "nDrop">): number[] {
  if (cfg.method === "rdrop") return [1, 1];
  return variantPowers(cfg.method === "ce" ? 0 : cfg.nDrop);
}

/**
 * The comparative-loss options the flags select: `--just-cmp` (default) gives `kind: "cmp"` with
 * `--loss-target`; `--no-just-cmp` gives `kind: "regulariser"` with `--loss-primary`, `--cr-weight` and
 * `--cr-schedule`; `--cr-temp` and `--listwise` go to both. The one place the flat flags meet the union.
 */
export function lossOptions(
  cfg: Pick<
    TrainConfig,
    "justCmp" | "lossTarget" | "lossPrimary" | "crTemp" | "crWeight" | "crSchedule" | "listwise"
  >,
): ComparativeLossOptions {
  const ranking = { temperature: cfg.crTemp, listwise: cfg.listwise };
  if (cfg.justCmp) return { kind: "cmp", target: cfg.lossTarget, ...ranking };
  return {
    kind: "regulariser",
    primary: cfg.lossPrimary,
    weight: cfg.crWeight,
    schedule: cfg.crSchedule,
    ...ranking,
  };
}

/**
 * Flags that have no effect in the chosen mode are an error, not silently ignored (the reference ignores
 * them). Returns the message, or null when consistent. `given` holds the options set explicitly.
 */
export function lossFlagConflict(
  cfg: TrainConfig,
  given: Partial<Record<keyof TrainConfig, unknown>>,
): string | null {
  if (cfg.justCmp) {
    const regulariserOnly = (["crWeight", "crSchedule", "lossPrimary"] as const).filter((k) => k in given);
    if (regulariserOnly.length) {
      const flags = regulariserOnly.map((k) => "--" + k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()));
      return `${flags.join(", ")} only apply with --no-just-cmp (regulariser mode, SPEC §5)`;
    }
  } else if ("lossTarget" in given) {
    return "--loss-target only applies with --just-cmp (the dummy model, SPEC §3)";
  }
  if (!cfg.justCmp && cfg.crSchedule && splitsBatches(cfg)) {
    return "--cr-schedule decides on the whole batch's mean loss, which --micro-batch-size never sees at once";
  }
  return null;
}
