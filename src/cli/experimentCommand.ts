/** `cmploss experiment`: a resumable grid of training runs (tasks × methods × seeds) and its reports. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  gridEta,
  inPool,
  METHODS,
  planGrid,
  runGrid,
  gridDeadline,
  slotEstimate,
  type CellSettings,
  type GridCell,
  type GridDeadline,
  type GridOptions,
  type MethodName,
  threadsPerJob,
} from "../experiment/grid.js";
import { toResult, writeReports, type RunResult } from "../experiment/report.js";
import { cachedContext, cachedUtility, contextCurve, utilityCurve } from "../experiment/utility.js";
import { formatDuration } from "../train/log.js";
import { RUN_FILES } from "../train/loop.js";
import { checkpointWallSeconds } from "../train/state.js";
import { isQaTask } from "../train/qaData.js";
import type { QaSettings } from "../train/qaLoop.js";
import { formatHelp, parseFlags, UsageError, type FlagTable } from "./args.js";
import { errorLine } from "./errorLine.js";
import { handleStopSignals } from "./stopSignals.js";
import {
  kebab,
  QA_FLAG_NAMES,
  qaSettingsFromArgs,
  TRAIN_FLAGS,
  trainConfigFromArgs,
} from "./trainCommand.js";

const OWN_FLAGS: FlagTable = {
  tasks: {
    kind: "string",
    help: "comma-separated tasks: GLUE (e.g. sst2,rte,mrpc,cola) or QA (squad-distractor, hotpot, squad)",
  },
  methods: {
    kind: "string",
    help:
      `comma-separated methods: ${Object.keys(METHODS).join(", ")} (cmp uses --n-drop and, for QA, ` +
      `--n-crop; cmp-drop, cmp-crop and cmp-both are QA's ablation study; rdrop is GLUE only)`,
  },
  seeds: { kind: "string", help: "comma-separated seeds" },
  "output-dir": {
    kind: "string",
    help: "root folder: <root>/<task>/<method>/seed<k>, results.*, report.html",
  },
  "data-dirs": {
    kind: "string",
    help: "task=path pairs, comma-separated: a GLUE folder or a QA file/folder (SST-2 defaults to the bundled copy)",
  },
  "utility-powers": { kind: "string", help: "forced-dropout powers for the utility curves" },
  jobs: {
    kind: "number",
    help: "runs trained (and evaluated) at once, each in its own process with cores/jobs wasm threads unless --threads is given (on a GPU they share it); their output goes to <run>/train.log",
    integer: true,
    min: 1,
  },
  "report-only": {
    kind: "boolean",
    help: "train nothing: write the reports from the runs finished so far (e.g. while the grid runs elsewhere)",
  },
  "keep-going": {
    kind: "boolean",
    help: "when a run fails, go on with the others (reports are written from the finished runs; exit status 1)",
  },
  "time-limit": {
    kind: "number",
    help: "seconds the grid may take: a run expected to end later (from this grid's finished runs of the same task, method and --device) is not started, and the runs in flight at the limit are stopped (rerun to resume them); for time-limited machines",
    min: 1,
    nullable: true,
  },
  "partial-runs": {
    kind: "boolean",
    help: "with --time-limit: once no run left would finish in time, start the others anyway; the limit stops them with a checkpoint at their last step and the next call resumes them (for a machine that keeps its files between calls)",
  },
  "context-sizes": {
    kind: "string",
    help: "QA: distractor paragraphs kept for the context-size curve (default: k, k/2, 0 for squad-distractor's k; 6,4,2,0 for hotpot)",
  },
};
const PER_CELL = new Set(["task", "output-dir", "seed", "method", "resume", "data-dir"]);
const SHARED_FLAGS: FlagTable = Object.fromEntries(
  Object.entries(TRAIN_FLAGS).filter(([k]) => !PER_CELL.has(k)),
);
const DEFAULTS = {
  tasks: "sst2",
  methods: "ce,rdrop,cmp",
  seeds: "1,2,3,4,5",
  outputDir: "runs/experiment",
  reportOnly: false,
  keepGoing: false,
  jobs: 1,
  utilityPowers: "0,1,2,4,8",
  timeLimit: null as number | null,
  partialRuns: false,
};

export function experimentHelp(): string {
  return formatHelp(
    "Usage: cmploss experiment [flags] [training flags]\n\n" +
      "Runs every task × method × seed (finished runs are skipped, interrupted ones resume), then writes\n" +
      "results.json, results.md and report.html. Training flags (model, steps, lr, …) apply to every run.\n" +
      "Ctrl-C stops the runs in flight after their step (with checkpoints) and writes the reports.",
    { ...OWN_FLAGS, ...SHARED_FLAGS },
    DEFAULTS,
  );
}

function list(flag: string, text: string): string[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${flag}: expected a comma-separated list, got "${text}"`);
  return items;
}

function ints(flag: string, text: string): number[] {
  return list(flag, text).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag}: expected integers ≥ 0, got "${s}"`);
    return n;
  });
}

/** @returns the exit code: 0, or 128 + the signal's number when Ctrl-C or SIGTERM stopped the grid. */
export async function runExperiment(argv: string[]): Promise<number> {
  const own: string[] = [];
  const shared: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--(no-)?/, "").split("=")[0];
    const isOwn = Object.hasOwn(OWN_FLAGS, name);
    if (!isOwn && PER_CELL.has(name))
      throw new UsageError(`--${name} is set per run by the experiment; remove it`);
    const target = isOwn ? own : shared;
    target.push(argv[i]);
    const spec = OWN_FLAGS[name] ?? TRAIN_FLAGS[name];
    if (spec && spec.kind !== "boolean" && !argv[i].includes("=") && i + 1 < argv.length)
      target.push(argv[++i]);
  }
  const flags = { ...DEFAULTS, ...parseFlags(own, OWN_FLAGS) } as typeof DEFAULTS & {
    dataDirs?: string;
    contextSizes?: string;
  };
  const tasks = list("tasks", flags.tasks);
  const methods = list("methods", flags.methods) as MethodName[];
  for (const m of methods) {
    if (!Object.hasOwn(METHODS, m))
      throw new UsageError(`--methods: unknown method "${m}"; expected ${Object.keys(METHODS).join(", ")}`);
  }
  const dataDirs: Record<string, string> = {};
  for (const pair of flags.dataDirs ? list("data-dirs", flags.dataDirs) : []) {
    const [task, dir] = pair.split("=");
    if (!task || !dir) throw new UsageError(`--data-dirs: expected task=folder, got "${pair}"`);
    dataDirs[task] = dir;
  }
  // Each task's shared settings as `cmploss train --task <task> <shared flags>` would have them (QA tasks get
  // QA's defaults; GLUE tasks do not see the QA flags).
  const bases = new Map<string, CellSettings>();
  for (const task of tasks) {
    const argv = [...(isQaTask(task) ? shared : withoutQaFlags(shared)), "--task", task];
    const config = trainConfigFromArgs(argv);
    if (isQaTask(task) && !dataDirs[task])
      throw new UsageError(`--data-dirs: ${task} needs its data (${task}=<file or folder>)`);
    bases.set(task, { config, qa: qaSettingsFromArgs(argv, task) });
  }
  if (!tasks.some(isQaTask)) {
    const qaFlag = shared.find((arg) => withoutQaFlags([arg]).length === 0)?.split("=")[0];
    const stray = qaFlag ?? (flags.contextSizes !== undefined ? "--context-sizes" : null);
    if (stray) throw new UsageError(`${stray} only applies to QA tasks`);
  }
  const powers = ints("utility-powers", flags.utilityPowers);
  const options: GridOptions = {
    tasks,
    methods,
    seeds: ints("seeds", flags.seeds),
    root: flags.outputDir,
    base: (task) => bases.get(task)!,
    dataDirs,
  };
  let cells;
  try {
    cells = planGrid(options).cells;
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const jobs = flags.jobs;
  const timed: { task: string; method: string; seconds: number }[] = [];
  // when each run's slot started, and the training seconds its checkpoint already held then (a resumed run)
  const started = new Map<number, { at: number; done: number }>();
  const failed: string[] = [];
  const deferred: string[] = [];
  const stopped: string[] = [];
  const device = (task: string) => bases.get(task)!.config.device;
  if (flags.partialRuns && flags.timeLimit === null)
    throw new UsageError("--partial-runs only applies with --time-limit");
  const deadline = flags.timeLimit === null ? undefined : timeLimit(cells, device, timed, flags.timeLimit);
  const userStop = handleStopSignals(
    "stopping the runs in flight after their step, then writing the reports",
  );
  try {
    // what ends the grid early: --time-limit or a signal
    const stop = AbortSignal.any([userStop.signal, ...(deadline ? [deadline.signal] : [])]);
    // Each run's best checkpoint scored again (cached in its folder): right after its training, in its slot, so
    // that a grid cut short (a time-limited GPU call) has the curves of every run it finished.
    const curves = async (cell: GridCell, signal?: AbortSignal) => {
      const { config, qa } = bases.get(cell.task)!;
      const sizes = qa ? contextSizes(cell.task, qa, flags.contextSizes) : [];
      const weights = existsSync(join(cell.outputDir, RUN_FILES.best));
      if (!weights || stop.aborted) {
        // Brought back without its weights (scripts/gpu-experiment.sh), or no time left to score it: only the
        // curves computed earlier are known.
        const utility = cachedUtility(cell.outputDir, powers);
        const context = cachedContext(cell.outputDir, sizes);
        const why = !weights
          ? `no ${RUN_FILES.best}`
          : deadline?.signal.aborted
            ? "--time-limit reached"
            : "stopped";
        if (!utility || !context)
          process.stderr.write(`${cell.outputDir}: ${why}: reported without its curves\n`);
        return { utility: utility ?? [], context: context ?? [] };
      }
      const scoring = { threads: threadsPerJob(config.threads, jobs), device: config.device, signal };
      const utility = await utilityCurve(cell.outputDir, powers, scoring);
      const context = await contextCurve(cell.outputDir, sizes, scoring);
      return { utility, context };
    };
    const grid = await runGrid(
      options,
      (i, total, cell, status) => {
        const name = `[${i + 1}/${total}] ${cell.task} ${cell.method} seed ${cell.seed}`;
        if (status === "start") {
          started.set(i, { at: performance.now(), done: trainedSeconds(cell) });
          if (jobs > 1)
            process.stderr.write(`${name}: started (log: ${join(cell.outputDir, "train.log")})\n`);
          return;
        }
        let note = "";
        if (status === "trained" || status === "resumed") {
          const { at, done } = started.get(i)!;
          const seconds = (performance.now() - at) / 1000;
          // a whole run's time, as if this slot had trained it from the start
          timed.push({ task: cell.task, method: cell.method, seconds: seconds + done });
          const left = cells.filter((c) => !existsSync(join(c.outputDir, RUN_FILES.metrics)));
          const eta = gridEta(timed, left) / jobs;
          // the slot's time: training and then the run's curves (afterTrain)
          note = ` and scored in ${formatDuration(seconds)}; ${left.length} to go, about ${formatDuration(eta)}`;
        }
        const label = `${cell.task} ${cell.method} seed ${cell.seed}`;
        if (status === "failed") failed.push(label);
        if (status === "deferred") {
          deferred.push(label);
          if (deadline && !userStop.signal.aborted) {
            const need = deadline.estimate(cell);
            const left = Math.max(0, (deadline.at - Date.now()) / 1000);
            note = `: ${need === null ? "" : `about ${formatDuration(need)} needed, `}${formatDuration(left)} left`;
          }
        }
        if (status === "stopped") stopped.push(label);
        process.stderr.write(`${name}: ${status}${note}\n`);
      },
      {
        train: !flags.reportOnly,
        jobs,
        keepGoing: flags.keepGoing,
        afterTrain: async (cell, _i, signal) => void (await curves(cell, signal)),
        onError: (_cell, err) => process.stderr.write(`${errorLine(err)}\n`),
        deadline,
        partialRuns: flags.partialRuns,
        signal: userStop.signal,
      },
    );
    if (deferred.length + stopped.length > 0) {
      const cause = userStop.signal.aborted ? "stopped on request" : `--time-limit ${flags.timeLimit} s`;
      const unstarted = userStop.signal.aborted
        ? "not started"
        : "not started (they would not have finished)";
      process.stderr.write(
        `experiment: ${cause}: ${stopped.length} run(s) stopped with a checkpoint, ` +
          `${deferred.length} ${unstarted}; rerun to go on\n`,
      );
    }
    const failures = () =>
      new Error(`experiment: ${failed.length} run(s) failed: ${failed.join("; ")} (rerun to resume them)`);
    if (grid.length === 0) {
      console.log(`no finished runs in ${flags.outputDir} yet: nothing to report`);
      if (failed.length > 0) throw failures();
      return userStop.exitCode() ?? 0;
    }
    // Grid order is seed-major; reports read best task by task, method by method.
    const rank = ({ cell }: { cell: GridCell }) =>
      [tasks.indexOf(cell.task), methods.indexOf(cell.method), cell.seed] as const;
    grid.sort((a, b) => {
      const [x, y] = [rank(a), rank(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
    const results = new Array<RunResult>(grid.length);
    // Curves still missing (runs of earlier sittings) are scored now, within what is left of --time-limit.
    await inPool(grid, jobs, async ({ cell, summary }, i) => {
      const { utility, context } = await curves(cell, stop).catch((err: unknown) => {
        if (!stop.aborted) throw err;
        return curves(cell); // stopped meanwhile: the cached curves only
      });
      results[i] = toResult(cell, summary, utility, context);
    });
    writeReports(flags.outputDir, results, `cmploss experiment: ${flags.tasks} × ${flags.methods}`);
    console.log(`wrote ${flags.outputDir}/results.json, results.md and report.html (${results.length} runs)`);
    if (failed.length > 0) throw failures();
    return userStop.exitCode() ?? 0;
  } finally {
    userStop.dispose();
  }
}

/**
 * The grid's deadline, `seconds` from now. A cell's expected slot: this sitting's runs of its task and method
 * (`timed`, filled as runs finish), else the training time of earlier sittings' finished runs of both that asked
 * for the same `--device` (a CPU run's hours say nothing about a GPU run).
 */
function timeLimit(
  cells: GridCell[],
  device: (task: string) => string,
  timed: { task: string; method: string; seconds: number }[],
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
function trainedSeconds(cell: GridCell): number {
  const last = join(cell.outputDir, RUN_FILES.last);
  if (existsSync(join(cell.outputDir, RUN_FILES.metrics)) || !existsSync(last)) return 0;
  try {
    return checkpointWallSeconds(last);
  } catch {
    return 0; // unreadable: training will say so; the estimate treats the run as fresh
  }
}

/** Drop QA flags (and their values) from a flag list. */
function withoutQaFlags(argv: string[]): string[] {
  const qaFlags = new Set(QA_FLAG_NAMES.map(kebab));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].split("=")[0];
    if (!qaFlags.has(name)) out.push(argv[i]);
    else if (!argv[i].includes("=")) i++;
  }
  return out;
}

/** The distractor counts of the context-size curve: given, or k, k/2, 0 (squad-distractor), 6/4/2/0 (hotpot). */
function contextSizes(task: string, qa: QaSettings, given: string | undefined): number[] {
  if (given !== undefined) return ints("context-sizes", given);
  if (task === "hotpot") return [6, 4, 2, 0];
  if (task === "squad-distractor") return [...new Set([qa.distractors, Math.floor(qa.distractors / 2), 0])];
  return [];
}
