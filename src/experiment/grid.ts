/**
 * The experiment grid: tasks × methods × seeds, each cell one training run in its own folder. Finished runs
 * (metrics.json present) are skipped and interrupted ones resume, so a long grid continues where it stopped.
 */
import { spawn, type StdioOptions } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../io/atomic.js";
import type { TrainConfig } from "../train/config.js";
import type { TrainSummary } from "../train/loop.js";
import { GRID_RUN_FILES, RUN_FILES } from "../train/runFiles.js";
import { QA_DEFAULTS, type QaSettings } from "../tasks/qa/data.js";
import { isQaTask, isRankingTask } from "../tasks/registry.js";
import type { PrfSettings } from "../train/prfFamily.js";
import { checkpointWallSeconds } from "../train/state.js";

/** What a method fixes in every run of the grid, and which tasks it applies to. */
export interface MethodSpec {
  config: Partial<TrainConfig>;
  /** QA settings it fixes (QA tasks only). */
  qa?: Partial<QaSettings>;
  /** "qa": extractive QA tasks only; "glue": GLUE tasks only. */
  tasks: "any" | "glue" | "qa";
  /** Ablation counts that must be ≥ 1 (set by --n-drop / --n-crop). */
  needs?: readonly ("nDrop" | "nCrop")[];
}

/**
 * Methods compared in the paper's spirit: plain fine-tuning, R-Drop, the comparative loss (with the c_drop /
 * c_crop the flags give), and for QA the paper's ablation study: CmpDrop alone, CmpCrop alone, both.
 */
export const METHODS = {
  ce: { config: { method: "ce" }, qa: { nCrop: 0 }, tasks: "any" },
  rdrop: { config: { method: "rdrop" }, tasks: "glue" },
  cmp: { config: { method: "cmp" }, tasks: "any" },
  "cmp-listwise": { config: { method: "cmp", listwise: true }, tasks: "any" },
  "cmp-drop": { config: { method: "cmp" }, qa: { nCrop: 0 }, tasks: "qa", needs: ["nDrop"] },
  "cmp-crop": { config: { method: "cmp", nDrop: 0 }, tasks: "qa", needs: ["nCrop"] },
  "cmp-both": { config: { method: "cmp" }, tasks: "qa", needs: ["nDrop", "nCrop"] },
} as const satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof METHODS;

export interface GridCell {
  task: string;
  method: MethodName;
  seed: number;
  outputDir: string;
}

/** One run's settings: the training config, QA settings for QA tasks, PRF settings for the prf task. */
export interface CellSettings {
  config: TrainConfig;
  qa: QaSettings | null;
  prf?: PrfSettings | null;
}

/** The methods a ranking (PRF) task trains with: ce is λ_cr = 0, cmp the comparative regulariser (SPEC §9). */
const RANKING_METHODS: readonly string[] = ["ce", "cmp"];

export interface GridOptions {
  tasks: string[];
  methods: MethodName[];
  seeds: number[];
  root: string;
  /**
   * Settings shared by every run of a task (model, steps, lr, …, and QA settings for QA tasks); task, method,
   * seed and folder are set per cell. A plain TrainConfig serves every task (QA tasks get QA_DEFAULTS).
   */
  base: TrainConfig | ((task: string) => CellSettings);
  /** Data folder per task; tasks without one use the bundled data (SST-2 only). */
  dataDirs: Record<string, string>;
}

export function gridCells(o: Pick<GridOptions, "tasks" | "methods" | "seeds" | "root">): GridCell[] {
  const cells: GridCell[] = [];
  for (const method of o.methods) {
    if (!Object.hasOwn(METHODS, method)) {
      throw new RangeError(
        `experiment: unknown method "${method}"; expected ${Object.keys(METHODS).join(", ")}`,
      );
    }
    const scope: MethodSpec["tasks"] = METHODS[method].tasks;
    for (const task of o.tasks) {
      if (isRankingTask(task) && !RANKING_METHODS.includes(method))
        throw new RangeError(
          `experiment: ${task} trains with ${RANKING_METHODS.join(" or ")} (ce: λ_cr 0), not ${method}`,
        );
      if (!isRankingTask(task) && scope !== "any" && (scope === "qa") !== isQaTask(task))
        throw new RangeError(
          `experiment: method ${method} applies to ${scope === "qa" ? "QA" : "GLUE"} tasks only, not ${task}`,
        );
    }
  }
  // Seeds outermost: an interrupted grid (a time-limited GPU call, a session's end) has comparable numbers of
  // runs for every task and method.
  for (const seed of o.seeds) {
    for (const task of o.tasks) {
      for (const method of o.methods) {
        cells.push({ task, method, seed, outputDir: join(o.root, task, method, `seed${seed}`) });
      }
    }
  }

  return cells;
}

/** The full settings of one cell. */
export function cellSettings(cell: GridCell, o: GridOptions): CellSettings {
  const shared =
    typeof o.base === "function"
      ? o.base(cell.task)
      : { config: o.base, qa: isQaTask(cell.task) ? QA_DEFAULTS : null };
  const spec: MethodSpec = METHODS[cell.method];
  // A checkpoint resumes; without one (a fresh cell, or a run that failed before its first checkpoint) the
  // cell starts again, deleting what such a run left. Finished cells (metrics.json) are not trained.
  const resume = existsSync(join(cell.outputDir, RUN_FILES.last));
  const config: TrainConfig = {
    ...shared.config,
    ...spec.config,
    task: cell.task,
    seed: cell.seed,
    outputDir: cell.outputDir,
    dataDir: o.dataDirs[cell.task] ?? shared.config.dataDir,
    resume,
    overwrite: !resume,
  };
  const qa = shared.qa && { ...shared.qa, ...spec.qa };
  // PRF's plain baseline keeps its 1 + c variants and drops the regulariser (LoL's λ_cr = 0).
  if (isRankingTask(cell.task) && config.method === "ce") config.crWeight = 0;
  for (const need of spec.needs ?? []) {
    const value = need === "nDrop" ? config.nDrop : (qa?.nCrop ?? 0);
    if (value < 1)
      throw new RangeError(
        `experiment: method ${cell.method} needs ${need === "nDrop" ? "--n-drop" : "--n-crop"} ≥ 1`,
      );
  }
  return { config, qa, prf: shared.prf ?? null };
}

/**
 * Every cell and its settings, checked before anything runs: a grid that cannot run fails before its first
 * run, not halfway through. Throws RangeError on a bad grid.
 */
export function planGrid(o: GridOptions): { cells: GridCell[]; settings: CellSettings[] } {
  const cells = gridCells(o);
  return { cells, settings: cells.map((cell) => cellSettings(cell, o)) };
}

/** A run finished in this sitting: its whole training time (a resumed run counts what its checkpoint held). */
export interface TimedRun {
  task: string;
  method: string;
  seconds: number;
}

/**
 * Seconds left for `remaining` cells, from the wall times of cells trained so far: the mean of the same
 * method's runs where there are any (methods differ in cost: CmpDrop c = 2 runs three variants), else of all.
 * NaN before any cell has been timed.
 */
export function gridEta(timed: readonly Omit<TimedRun, "task">[], remaining: GridCell[]): number {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  if (timed.length === 0) return remaining.length === 0 ? 0 : NaN;
  const overall = mean(timed.map((t) => t.seconds));
  return remaining.reduce((sum, cell) => {
    const same = timed.filter((t) => t.method === cell.method).map((t) => t.seconds);
    return sum + (same.length ? mean(same) : overall);
  }, 0);
}

/**
 * "deferred": not started, as it would not finish before the deadline or the grid was told to stop; "stopped":
 * in flight at the deadline or the stop (an unfinished run resumes from its last checkpoint when the grid is run
 * again).
 */
export type CellStatus = "done" | "trained" | "resumed" | "skipped" | "failed" | "deferred" | "stopped";

/** Thrown by work that a grid's deadline stopped. */
export class GridStopped extends Error {
  constructor() {
    super("stopped at the grid's time limit");
  }
}

/**
 * Expected seconds of a cell's slot (training and its curves): the mean slot time of this sitting's runs of the
 * same task and method, else the mean training time (metrics.json wall_s) of earlier sittings' finished runs of
 * the same task and method — measured on whatever machine and load those had — else null (unknown). Both are
 * whole runs' times; a cell resuming from a checkpoint that holds `done` seconds of training needs that much
 * less.
 */
export function slotEstimate(
  cell: Pick<GridCell, "task" | "method">,
  timed: readonly TimedRun[],
  earlier: readonly { task: string; method: string; wallSeconds: number }[],
  done = 0,
): number | null {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const same = <T extends { task: string; method: string }>(xs: readonly T[]) =>
    xs.filter((x) => x.task === cell.task && x.method === cell.method);
  const whole = mean(same(timed).map((t) => t.seconds)) ?? mean(same(earlier).map((e) => e.wallSeconds));
  return whole === null ? null : Math.max(0, whole - done);
}

/**
 * A wall-clock limit for a grid: `at` in `now()` milliseconds, `signal` aborted then (what stops the runs in
 * flight and any other work bound to the limit); `estimate` as `slotEstimate`.
 */
export interface GridDeadline {
  at: number;
  signal: AbortSignal;
  estimate: (cell: GridCell) => number | null;
  now?: () => number;
}

/** A deadline `seconds` from now. */
export function gridDeadline(seconds: number, estimate: GridDeadline["estimate"]): GridDeadline {
  return { at: Date.now() + seconds * 1000, signal: AbortSignal.timeout(seconds * 1000), estimate };
}

/**
 * The grid's deadline, `seconds` from now. A cell's expected slot: this sitting's runs of its task and method
 * (`timed`, filled as runs finish), else the training time of earlier sittings' finished runs of both that asked
 * for the same `--device` (a CPU run's hours say nothing about a GPU run).
 */
export function gridTimeLimit(
  cells: GridCell[],
  device: (task: string) => string,
  timed: readonly TimedRun[],
  seconds: number,
): GridDeadline {
  const earlier = cells.flatMap((cell) => {
    const read = (file: string) => JSON.parse(readFileSync(join(cell.outputDir, file), "utf8")) as unknown;
    if (!existsSync(join(cell.outputDir, RUN_FILES.metrics))) return [];
    if (!existsSync(join(cell.outputDir, RUN_FILES.run))) return [];
    const { wall_s } = read(RUN_FILES.metrics) as { wall_s?: number };
    const run = read(RUN_FILES.run) as { config?: { device?: string } };
    if (typeof wall_s !== "number" || run.config?.device !== device(cell.task)) return [];
    return [{ task: cell.task, method: cell.method, wallSeconds: wall_s }];
  });
  return gridDeadline(seconds, (cell) => slotEstimate(cell, timed, earlier, trainedSeconds(cell)));
}

/** Training seconds a cell's unfinished run has in its last checkpoint (0 when it has none). */
export function trainedSeconds(cell: GridCell): number {
  const last = join(cell.outputDir, RUN_FILES.last);
  if (existsSync(join(cell.outputDir, RUN_FILES.metrics)) || !existsSync(last)) return 0;
  try {
    return checkpointWallSeconds(last);
  } catch {
    return 0; // unreadable: training will say so; the estimate treats the run as fresh
  }
}

function isPast(deadline: GridDeadline): boolean {
  return (deadline.now ?? Date.now)() >= deadline.at;
}

/** Whether a cell may start: its expected slot ends by the deadline, or nothing is known about it yet. */
export function fitsBefore(deadline: GridDeadline, cell: GridCell): boolean {
  if (isPast(deadline)) return false;
  const seconds = deadline.estimate(cell);
  return seconds === null || (deadline.now ?? Date.now)() + seconds * 1000 <= deadline.at;
}

/** The CLI entry next to this module (main.js when built, main.ts under tsx). */
function cliEntry(): string {
  const js = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL("../cli/main.ts", import.meta.url));
}

/**
 * Train one cell in a child process: jax-js's wasm heap only grows, so runs sharing a process would pile up
 * toward its 4 GiB limit. The child gets the cell's settings through `train --config`; its output is appended
 * to `log` (the run's `train.log`, kept with the run: GPU errors that jax-js only logs show there), and with
 * `echo` also shown on this terminal (one run at a time; runs side by side would mix their progress lines).
 */
async function trainInChild(
  { config, qa, prf }: CellSettings,
  log: string,
  echo: boolean,
  signal?: AbortSignal,
): Promise<void> {
  mkdirSync(config.outputDir, { recursive: true });
  const settings = join(config.outputDir, "grid-config.json");
  // run.json's shape: `train --config` reads QA settings from `settings`. --overwrite goes on the command line,
  // not into the file, so that repeating a cell's settings with --config never deletes a run unasked.
  const saved = { ...config, overwrite: false };
  const file = qa ? { config: saved, settings: qa } : prf ? { config: saved, settings: prf } : saved;
  writeFileAtomic(settings, JSON.stringify(file, null, 2) + "\n");
  const logStart = existsSync(log) ? statSync(log).size : 0; // the log is appended to by every sitting
  const { code } = await runCli(
    ["train", "--config", settings, ...(config.overwrite ? ["--overwrite"] : [])],
    config.threads,
    log,
    signal,
    echo,
  );
  if (signal?.aborted) throw new GridStopped();
  if (code !== 0) {
    // the child's one-line error, from its log
    const why = errorLineOf(readFileSync(log).subarray(logStart).toString("utf8"));
    throw new Error(
      `experiment: the run in ${config.outputDir} failed (exit ${code})${why ? `: ${why}` : ""}; its output: ${log}`,
    );
  }
}

/**
 * The error a failed run's output ends with (its last line, `cmploss: …`, as the CLI prints it), without the
 * prefix; null when it ends otherwise (e.g. killed by a signal).
 */
export function errorLineOf(output: string): string | null {
  const last = output.trimEnd().split("\n").pop() ?? "";
  return last.startsWith("cmploss: ") ? last.slice("cmploss: ".length) : null;
}

/**
 * Run a cmploss CLI command in a child process (same Node flags, e.g. a TypeScript loader). `output`:
 * "inherit" shares this terminal, "pipe" collects stdout (stderr shared), a path appends both to that file
 * (and with `echo`, to this process's stdout and stderr as well).
 * `signal` stops the child (SIGTERM); its files are written atomically, so what it leaves is consistent.
 */
export async function runCli(
  args: string[],
  threads: number | null,
  output: "inherit" | "pipe" | string,
  signal?: AbortSignal,
  echo = false,
): Promise<{ code: number; stdout: string }> {
  const env = { ...process.env };
  if (threads !== null) env.CMPLOSS_THREADS = String(threads);
  const fd = output === "inherit" || output === "pipe" ? null : openSync(output, "a");
  const tee = fd !== null && echo;
  try {
    const stdio =
      fd === null ? ["ignore", output, "inherit"] : tee ? ["ignore", "pipe", "pipe"] : ["ignore", fd, fd];
    const child = spawn(process.execPath, [...process.execArgv, cliEntry(), ...args], {
      stdio: stdio as StdioOptions,
      env,
      signal,
    });
    child.on("error", () => {}); // an abort surfaces as "error" before "close"; the caller checks the signal
    let out = "";
    if (tee) {
      // both streams into the file in the order they arrive, and each onto this process's own
      const copy = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
        writeSync(fd, chunk);
        to.write(chunk);
      };
      child.stdout?.on("data", copy(process.stdout));
      child.stderr?.on("data", copy(process.stderr));
    } else child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
    return { code, stdout: out };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Call `fn` on every item with at most `jobs` calls in flight, items appended to `items` meanwhile included.
 * After a failure no new item starts; those in flight finish, then the first error is thrown.
 */
export async function inPool<T>(
  items: readonly T[],
  jobs: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        if (!failed) [failed, failure] = [true, err];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  if (failed) throw failure;
}

/**
 * Wasm threads per run when `jobs` runs share the machine: the given count, or the cores split between the
 * runs (null, all cores, for a single job).
 */
export function threadsPerJob(threads: number | null, jobs: number): number | null {
  if (threads !== null || jobs <= 1) return threads;
  return Math.max(1, Math.floor(availableParallelism() / jobs));
}

/** How `runGrid` runs the grid. */
export interface RunGridOptions {
  /** false: train nothing; unfinished cells are skipped (a report of what is done so far). Default true. */
  train?: boolean;
  /** Runs at once, each in its own process. Default 1. */
  jobs?: number;
  /**
   * Go on with the other cells when one fails (its error goes to `onError`, then `onCell` hears "failed")
   * instead of stopping. Default false: no new cell starts after a failure, and the first error is thrown once
   * the runs in flight finish.
   */
  keepGoing?: boolean;
  /**
   * Work on a freshly trained cell in its slot, e.g. its utility curve, so a grid cut short still has it; the
   * cell is reported trained once this is done, so progress and ETA count the whole slot.
   */
  afterTrain?: (cell: GridCell, index: number, signal: AbortSignal) => Promise<void>;
  onError?: (cell: GridCell, error: unknown) => void;
  /**
   * Stop by this time: a cell whose expected slot would end later is not started ("deferred"; a later cell
   * that fits may start instead), and when its signal aborts the runs in flight are stopped ("stopped"). Default:
   * none.
   */
  deadline?: GridDeadline;
  /**
   * With `deadline`: once no unfinished cell would finish in time, start the others anyway, in grid order; the
   * deadline stops them with a checkpoint at their last step and they resume on the next call. For a machine
   * that keeps its files between calls (on one that loses them the time would be spent for nothing).
   */
  partialRuns?: boolean;
  /** Stop now: the runs in flight stop (with their checkpoints) and no other starts. */
  signal?: AbortSignal;
}

/**
 * Train every unfinished cell, each in its own process, `jobs` at a time (in grid order). `onCell` reports
 * progress.
 * @returns the summaries of all finished cells, in grid order, read back from their metrics.json.
 */
export async function runGrid(
  o: GridOptions,
  onCell: (i: number, total: number, cell: GridCell, status: CellStatus | "start") => void = () => {},
  {
    train = true,
    jobs = 1,
    keepGoing = false,
    afterTrain,
    onError,
    deadline,
    partialRuns,
    signal,
  }: RunGridOptions = {},
): Promise<{ cell: GridCell; summary: TrainSummary }[]> {
  const { cells, settings } = planGrid(o);
  const metricsPath = (cell: GridCell) => join(cell.outputDir, RUN_FILES.metrics);
  // `partial`: a second turn, for a cell that would not finish in time (partialRuns)
  const todo: { i: number; partial: boolean }[] = [];
  cells.forEach((cell, i) => {
    if (existsSync(metricsPath(cell))) onCell(i, cells.length, cell, "done");
    else if (!train) onCell(i, cells.length, cell, "skipped");
    else todo.push({ i, partial: false });
  });
  const stop = AbortSignal.any([deadline?.signal, signal].filter((s) => s !== undefined));
  await inPool(todo, jobs, async ({ i, partial }) => {
    const cell = cells[i];
    const { config, qa, prf } = settings[i];
    const late = stop.aborted || (deadline !== undefined && isPast(deadline));
    if (late || (deadline && !partial && !fitsBefore(deadline, cell))) {
      // after the cells that fit (inPool takes items appended while it runs)
      if (partialRuns && !late) return void todo.push({ i, partial: true });
      return onCell(i, cells.length, cell, "deferred");
    }
    onCell(i, cells.length, cell, "start");
    const threads = threadsPerJob(config.threads, jobs);
    const finished = config.resume ? "resumed" : "trained";
    try {
      // every run keeps its console output (train.log), shown here too when it runs alone
      await trainInChild(
        { config: { ...config, threads }, qa, prf },
        join(cell.outputDir, GRID_RUN_FILES.console),
        jobs === 1,
        stop,
      );
      await afterTrain?.(cell, i, stop);
      onCell(i, cells.length, cell, finished);
    } catch (err) {
      if (stop.aborted) {
        // trained, and stopped while its curves were scored: a finished run (reported without them)
        return onCell(i, cells.length, cell, existsSync(metricsPath(cell)) ? finished : "stopped");
      }
      if (!keepGoing) throw err;
      onError?.(cell, err);
      onCell(i, cells.length, cell, "failed");
    }
  });
  return cells
    .filter((cell) => existsSync(metricsPath(cell)))
    .map((cell) => ({ cell, summary: JSON.parse(readFileSync(metricsPath(cell), "utf8")) as TrainSummary }));
}
