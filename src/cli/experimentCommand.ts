/** `cmploss experiment`: a resumable grid of training runs (tasks × methods × seeds) and its reports. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  gridTimeLimit,
  inPool,
  METHODS,
  planGrid,
  runGrid,
  threadsPerJob,
  type CellSettings,
  type GridCell,
  type GridOptions,
  type MethodName,
  type TimedRun,
} from "../experiment/grid.js";
import { majorityBaseline, type MajorityBaseline } from "../experiment/baseline.js";
import { toResult, writeReports, type RunResult } from "../experiment/report.js";
import { cachedContext, cachedUtility, contextCurve, utilityCurve } from "../experiment/utility.js";
import { TRAIN_DEFAULTS } from "../train/config.js";
import { GRID_RUN_FILES, RUN_FILES } from "../train/runFiles.js";
import { QA_DEFAULTS, type QaSettings } from "../tasks/qa/data.js";
import { isQaTask, isRankingTask, TASK_NAMES } from "../tasks/registry.js";
import { formatHelp, parseFlags, UsageError, type FlagTable } from "./args.js";
import { errorLine } from "./errorLine.js";
import { GridProgress } from "./gridProgress.js";
import { handleStopSignals } from "./stopSignals.js";
import {
  kebab,
  PRF_FLAG_NAMES,
  prfSettingsFromArgs,
  QA_FLAG_NAMES,
  qaSettingsFromArgs,
  TRAIN_FLAGS,
  trainConfigFromArgs,
  unbundledTaskWithoutData,
} from "./trainCommand.js";

const OWN_FLAGS: FlagTable = {
  tasks: {
    kind: "string",
    help: "comma-separated tasks: GLUE (e.g. sst2,rte,mrpc,cola), QA (squad-distractor, hotpot, squad) or prf (ranking: methods ce, cmp)",
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
    help: "task=path pairs, comma-separated: a GLUE folder, a QA file/folder or a ranking folder for prf (SST-2 defaults to the bundled copy)",
  },
  "utility-powers": { kind: "string", help: "forced-dropout powers for the utility curves" },
  jobs: {
    kind: "number",
    help: `runs trained (and evaluated) at once, each in its own process with cores/jobs wasm threads unless --threads is given (on a GPU they share it); each run's output goes to its ${GRID_RUN_FILES.console} (with one job, also to this terminal)`,
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
    help: "QA: distractor paragraphs kept for the context-size curve",
    defaultText: "k, k/2, 0 for squad-distractor's k; 6,4,2,0 for hotpot",
  },
};
const PER_CELL = new Set(["task", "output-dir", "seed", "method", "resume", "overwrite", "data-dir"]);
const SHARED_FLAGS: FlagTable = Object.fromEntries(
  Object.entries(TRAIN_FLAGS)
    .filter(([k]) => !PER_CELL.has(k))
    .map(([k, spec]) => [k, k === "threads" ? { ...spec, defaultText: "cores / --jobs" } : spec]),
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
    { ...QA_DEFAULTS, ...TRAIN_DEFAULTS, ...DEFAULTS },
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
  for (const t of tasks) {
    if (!TASK_NAMES.includes(t))
      throw new UsageError(`--tasks: unknown task "${t}"; expected ${TASK_NAMES.join(", ")}`);
  }
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
    const own = isQaTask(task) ? withoutFlags(shared, PRF_FLAG_NAMES) : withoutQaFlags(shared);
    const argv = [...(isRankingTask(task) ? own : withoutFlags(own, PRF_FLAG_NAMES)), "--task", task];
    const config = trainConfigFromArgs(argv);
    if ((isQaTask(task) || isRankingTask(task)) && !dataDirs[task])
      throw new UsageError(`--data-dirs: ${task} needs its data (${task}=<file or folder>)`);
    const unbundled = dataDirs[task] ? null : unbundledTaskWithoutData(config);
    if (unbundled)
      throw new UsageError(
        `--data-dirs: ${task} needs its data (${task}=<its glue_data/${unbundled} folder>)`,
      );
    if (isRankingTask(task)) config.dataDir = dataDirs[task];
    bases.set(task, { config, qa: qaSettingsFromArgs(argv, task), prf: prfSettingsFromArgs(argv, task) });
  }
  if (!tasks.some(isRankingTask)) {
    const prfFlag = shared.find((arg) => withoutFlags([arg], PRF_FLAG_NAMES).length === 0)?.split("=")[0];
    if (prfFlag) throw new UsageError(`${prfFlag} only applies to --task prf`);
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
  if (flags.partialRuns && flags.timeLimit === null)
    throw new UsageError("--partial-runs only applies with --time-limit");
  const timed: TimedRun[] = [];
  const device = (task: string) => bases.get(task)!.config.device;
  const deadline =
    flags.timeLimit === null ? undefined : gridTimeLimit(cells, device, timed, flags.timeLimit);
  const userStop = handleStopSignals(
    "stopping the runs in flight after their step, then writing the reports",
  );
  const progress = new GridProgress(cells, jobs, timed, deadline, () => userStop.signal.aborted);
  try {
    // what ends the grid early: --time-limit or a signal
    const stop = AbortSignal.any([userStop.signal, ...(deadline ? [deadline.signal] : [])]);
    // Each run's best checkpoint scored again (cached in its folder): right after its training, in its slot, so
    // that a grid cut short (a time-limited GPU call) has the curves of every run it finished.
    const curves = async (cell: GridCell, signal?: AbortSignal) => {
      const { config, qa } = bases.get(cell.task)!;
      // PRF runs have no dropout curve; their feedback-count curve is `cmploss eval --n-prf` on the run.
      if (isRankingTask(cell.task)) return { utility: [], context: [] };
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
    const grid = await runGrid(options, progress.onCell, {
      train: !flags.reportOnly,
      jobs,
      keepGoing: flags.keepGoing,
      afterTrain: async (cell, _i, signal) => void (await curves(cell, signal)),
      onError: (_cell, err) => process.stderr.write(`${errorLine(err)}\n`),
      deadline,
      partialRuns: flags.partialRuns,
      signal: userStop.signal,
    });
    const summary = progress.summary(flags.timeLimit);
    if (summary) process.stderr.write(`${summary}\n`);
    const { failed } = progress;
    const failures = () =>
      new Error(`experiment: ${failed.length} run(s) failed: ${failed.join("; ")} (rerun to resume them)`);
    if (grid.length === 0) {
      console.log(`none of the grid's ${cells.length} run(s) has finished yet: nothing to report`);
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
    // Each classification task's majority-class line, from its dev labels. A dev file that cannot be read has
    // already failed that task's runs (with its file and line); the reports then go without its line.
    const baselines: MajorityBaseline[] = [];
    for (const task of tasks) {
      try {
        const base = await majorityBaseline(task, dataDirs[task] ?? bases.get(task)!.config.dataDir);
        if (base) baselines.push(base);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        process.stderr.write(`${task}: reported without its majority-class line: ${why}\n`);
      }
    }
    writeReports(
      flags.outputDir,
      results,
      `cmploss experiment: ${flags.tasks} × ${flags.methods}`,
      baselines,
    );
    console.log(`wrote ${flags.outputDir}/results.json, results.md and report.html (${results.length} runs)`);
    if (failed.length > 0) throw failures();
    return userStop.exitCode() ?? 0;
  } finally {
    userStop.dispose();
  }
}

/** Drop QA flags (and their values) from a flag list. */
function withoutQaFlags(argv: string[]): string[] {
  return withoutFlags(argv, QA_FLAG_NAMES);
}

/** Drop the flags of settings `keys` (and their values; booleans and --no- forms have none) from a flag list. */
function withoutFlags(argv: string[], keys: readonly string[]): string[] {
  const names = new Set(keys.map(kebab));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].split("=")[0].replace(/^--no-/, "--");
    if (!names.has(name)) out.push(argv[i]);
    else if (!argv[i].includes("=") && TRAIN_FLAGS[name.slice(2)]?.kind !== "boolean") i++;
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
