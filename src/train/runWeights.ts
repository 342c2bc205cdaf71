/** The weights of a finished (or interrupted) run folder: its best model or its last checkpoint's parameters. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tree } from "@jax-js/jax";
import type { ParamTree } from "../util/treePaths.js";
import { RUN_FILES } from "./runFiles.js";
import { loadModel, loadTrainState } from "./state.js";

/** Which weights: the best by the dev metric, or the last checkpoint. */
export type RunCheckpoint = "best" | "last";

/**
 * The weights file of `checkpoint` in run folder `dir`. With `fallback`, a run without a best model (stopped
 * before its first evaluation) uses its last checkpoint, and `note` says so.
 * @throws Error naming the missing file when there is none.
 */
export function runWeightsFile(
  dir: string,
  checkpoint: RunCheckpoint,
  fallback = false,
): { path: string; checkpoint: RunCheckpoint; note: string | null } {
  const best = join(dir, RUN_FILES.best);
  const last = join(dir, RUN_FILES.last);
  if (checkpoint === "best" && existsSync(best)) return { path: best, checkpoint, note: null };
  if (checkpoint === "best" && fallback && existsSync(last)) {
    return {
      path: last,
      checkpoint: "last",
      note: `${best} does not exist (the run stopped before its first evaluation); using ${last}`,
    };
  }
  const path = checkpoint === "best" ? best : last;
  if (!existsSync(path)) {
    throw new Error(
      `${path}: expected the ${checkpoint} weights of a run written by cmploss train, it does not exist`,
    );
  }
  return { path, checkpoint, note: null };
}

/**
 * The parameters in weights file `path` (a best model, or a train-state checkpoint whose optimizer moments and
 * key are dropped), shaped like `template`. Borrows `template`.
 */
export function loadRunParams<P extends ParamTree>(path: string, checkpoint: RunCheckpoint, template: P): P {
  if (checkpoint === "best") return loadModel(path, template).params;
  const { state } = loadTrainState(path, template);
  tree.dispose([state.opt, state.key]);
  return state.params;
}
