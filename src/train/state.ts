/** Saving and restoring the whole training state (params, AdamW moments, PRNG key, step) and best models. */
import { tree } from "@jax-js/jax";
import { adamwInit } from "./optimizer.js";
import {
  loadTensorMetadata,
  loadTensors,
  saveTensors,
  tensorToArray,
  tensorsToTree,
  treeToTensors,
} from "./checkpoint.js";
import { assertFiniteTensors } from "./guard.js";
import type { ParamTree } from "../util/treePaths.js";
import type { TrainState } from "./step.js";

const FORMAT = "cmploss-train-state-v1";

type Best = { step: number; value: number } | null;

/** A run's wall time across resumes: this process's time plus what the checkpoint it resumed from recorded. */
export class RunClock {
  private readonly started = performance.now();
  private before = 0;
  /** Continue from a checkpoint's `wallSeconds`. */
  resumeFrom(seconds: number): void {
    this.before = seconds;
  }
  seconds(): number {
    return this.before + (performance.now() - this.started) / 1000;
  }
}

/**
 * Write the model tensors (HF names) and `metadata` atomically. Borrows `params`. Throws `NonFiniteWeights`,
 * writing nothing, if a weight is NaN or infinite.
 */
export async function saveModel(
  path: string,
  params: ParamTree,
  metadata: Record<string, unknown>,
): Promise<void> {
  const tensors = await treeToTensors(params);
  assertFiniteTensors(tensors);
  saveTensors(path, tensors, { format: "cmploss-model-v1", ...metadata });
}

/** Read model tensors shaped like `template`. Borrows `template`. */
export function loadModel<P extends ParamTree>(
  path: string,
  template: P,
): { params: P; metadata: Record<string, string> } {
  const { tensors, metadata } = loadTensors(path);
  return { params: tensorsToTree(template, tensors, "", path), metadata };
}

/**
 * Checkpoint everything a bit-identical resume needs, and the run's wall time so far (so that a resumed run's
 * wall_s is the whole run's, not its last part's). Borrows `state`. Throws `NonFiniteWeights`, writing nothing,
 * if a weight or moment is NaN or infinite.
 */
export async function saveTrainState<P extends ParamTree>(
  path: string,
  state: TrainState<P>,
  extra: { best: Best; model: unknown; wallSeconds: number },
): Promise<void> {
  const tensors = await treeToTensors(state.params);
  for (const [name, t] of await treeToTensors(state.opt.mu, "optimizer.mu.")) tensors.set(name, t);
  for (const [name, t] of await treeToTensors(state.opt.nu, "optimizer.nu.")) tensors.set(name, t);
  for (const [name, t] of await treeToTensors(state.key, "rng.key")) tensors.set(name, t);
  assertFiniteTensors(tensors);
  saveTensors(path, tensors, {
    format: FORMAT,
    step: state.step,
    best: extra.best,
    model: extra.model,
    wall_s: extra.wallSeconds,
  });
}

/** Restore a state written by `saveTrainState`. Borrows `template` (for structure and shapes). */
export function loadTrainState<P extends ParamTree>(
  path: string,
  template: P,
): { state: TrainState<P>; best: Best; wallSeconds: number } {
  const { tensors, metadata } = loadTensors(path);
  if (metadata.format !== FORMAT) {
    throw new Error(`${path}: expected a ${FORMAT} checkpoint, got format ${metadata.format ?? "(none)"}`);
  }
  const params = tensorsToTree(template, tensors, "", path);
  const zeros = adamwInit(template);
  const mu = tensorsToTree(zeros.mu, tensors, "optimizer.mu.", path);
  const nu = tensorsToTree(zeros.nu, tensors, "optimizer.nu.", path);
  tree.dispose(zeros);
  const keyTensor = tensors.get("rng.key");
  if (!keyTensor) throw new Error(`${path}: expected tensor rng.key, it is missing`);
  const step = Number(JSON.parse(metadata.step));
  return {
    state: { params, opt: { mu, nu }, key: tensorToArray(keyTensor), step },
    best: JSON.parse(metadata.best ?? "null") as Best,
    wallSeconds: savedWallSeconds(metadata),
  };
}

/** The training seconds a `saveTrainState` checkpoint holds, read from its header alone. */
export function checkpointWallSeconds(path: string): number {
  return savedWallSeconds(loadTensorMetadata(path));
}

// checkpoints written before wall_s was recorded count from the resume
const savedWallSeconds = (metadata: Record<string, string>) =>
  metadata.wall_s === undefined ? 0 : Number(JSON.parse(metadata.wall_s));
