/** `cmploss experiment`: a resumable grid of training runs (tasks × methods × seeds) and its reports. */
import { METHODS, runGrid, type MethodName } from "../experiment/grid.js";
import { toResult, writeReports } from "../experiment/report.js";
import { utilityCurve } from "../experiment/utility.js";
import { formatHelp, parseFlags, UsageError, type FlagTable } from "./args.js";
import { TRAIN_FLAGS, trainConfigFromArgs } from "./trainCommand.js";

const OWN_FLAGS: FlagTable = {
  tasks: { kind: "string", help: "comma-separated GLUE tasks (e.g. sst2,rte,mrpc,cola)" },
  methods: { kind: "string", help: `comma-separated methods: ${Object.keys(METHODS).join(", ")}` },
  seeds: { kind: "string", help: "comma-separated seeds" },
  "output-dir": {
    kind: "string",
    help: "root folder: <root>/<task>/<method>/seed<k>, results.*, report.html",
  },
  "data-dirs": {
    kind: "string",
    help: "task=folder pairs, comma-separated (SST-2 defaults to the bundled copy)",
  },
  "utility-powers": { kind: "string", help: "forced-dropout powers for the utility curves" },
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
  utilityPowers: "0,1,2,4,8",
};

export function experimentHelp(): string {
  return formatHelp(
    "Usage: cmploss experiment [flags] [training flags]\n\n" +
      "Runs every task × method × seed (finished runs are skipped, interrupted ones resume), then writes\n" +
      "results.json, results.md and report.html. Training flags (model, steps, lr, …) apply to every run.",
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

export async function runExperiment(argv: string[]): Promise<void> {
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
  const flags = { ...DEFAULTS, ...parseFlags(own, OWN_FLAGS) } as typeof DEFAULTS & { dataDirs?: string };
  const base = trainConfigFromArgs(shared);
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
  const powers = ints("utility-powers", flags.utilityPowers);
  const grid = await runGrid(
    {
      tasks: list("tasks", flags.tasks),
      methods,
      seeds: ints("seeds", flags.seeds),
      root: flags.outputDir,
      base,
      dataDirs,
    },
    (i, total, cell, status) => {
      if (status !== "start")
        process.stderr.write(
          `[${i + 1}/${total}] ${cell.task} ${cell.method} seed ${cell.seed}: ${status}\n`,
        );
    },
  );
  const results = [];
  for (const { cell, summary } of grid)
    results.push(
      toResult(cell, summary, await utilityCurve(cell.outputDir, powers, 0, base.threads, base.device)),
    );
  writeReports(flags.outputDir, results, `cmploss experiment: ${flags.tasks} × ${flags.methods}`);
  console.log(`wrote ${flags.outputDir}/results.json, results.md and report.html (${results.length} runs)`);
}
