/**
 * The experiment grid: tasks × methods × seeds, each cell one training run in its own folder. Finished runs
 * (metrics.json present) are skipped and interrupted ones resume, so a long grid continues where it stopped.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../io/atomic.js";
import type { TrainConfig } from "../train/config.js";
import { RUN_FILES, type TrainSummary } from "../train/loop.js";

/** Methods compared in the paper's spirit: plain fine-tuning, R-Drop, and the comparative loss. */
export const METHODS = {
  ce: { method: "ce" },
  rdrop: { method: "rdrop" },
  cmp: { method: "cmp" },
  "cmp-listwise": { method: "cmp", listwise: true },
} as const satisfies Record<string, Partial<TrainConfig>>;

export type MethodName = keyof typeof METHODS;

export interface GridCell {
  task: string;
  method: MethodName;
  seed: number;
  outputDir: string;
}

export interface GridOptions {
  tasks: string[];
  methods: MethodName[];
  seeds: number[];
  root: string;
  /** Settings shared by every run (model, steps, lr, …); task, method, seed and folder are set per cell. */
  base: TrainConfig;
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
  }
  // Seeds outermost within a task: an interrupted grid has comparable numbers of runs for every method.
  for (const task of o.tasks) {
    for (const seed of o.seeds) {
      for (const method of o.methods) {
        cells.push({ task, method, seed, outputDir: join(o.root, task, method, `seed${seed}`) });
      }
    }
  }

  return cells;
}

/** The full config of one cell. */
export function cellConfig(cell: GridCell, o: GridOptions): TrainConfig {
  return {
    ...o.base,
    ...METHODS[cell.method],
    task: cell.task,
    seed: cell.seed,
    outputDir: cell.outputDir,
    dataDir: o.dataDirs[cell.task] ?? o.base.dataDir,
    resume: existsSync(join(cell.outputDir, RUN_FILES.last)),
  };
}

export type CellStatus = "done" | "trained" | "resumed";

/** The CLI entry next to this module (main.js when built, main.ts under tsx). */
function cliEntry(): string {
  const js = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL("../cli/main.ts", import.meta.url));
}

/**
 * Train one cell in a child process: jax-js's wasm heap only grows, so runs sharing a process would pile up
 * toward its 4 GiB limit. The child gets the cell's settings through `train --config`.
 */
async function trainInChild(config: TrainConfig): Promise<void> {
  mkdirSync(config.outputDir, { recursive: true });
  const settings = join(config.outputDir, "grid-config.json");
  writeFileAtomic(settings, JSON.stringify(config, null, 2) + "\n");
  const { code } = await runCli(["train", "--config", settings], config.threads, "inherit");
  if (code !== 0)
    throw new Error(`experiment: the run in ${config.outputDir} failed (exit ${code}); rerun to resume it`);
}

/** Run a cmploss CLI command in a child process (same Node flags, e.g. a TypeScript loader). */
export async function runCli(
  args: string[],
  threads: number | null,
  stdout: "inherit" | "pipe",
): Promise<{ code: number; stdout: string }> {
  const env = { ...process.env };
  if (threads !== null) env.CMPLOSS_THREADS = String(threads);
  const child = spawn(process.execPath, [...process.execArgv, cliEntry(), ...args], {
    stdio: ["ignore", stdout, "inherit"],
    env,
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  return { code, stdout: out };
}

/**
 * Run every unfinished cell in order, each in its own process. `onCell` reports progress.
 * @returns the summaries of all cells, read back from their metrics.json.
 */
export async function runGrid(
  o: GridOptions,
  onCell: (i: number, total: number, cell: GridCell, status: CellStatus | "start") => void = () => {},
): Promise<{ cell: GridCell; summary: TrainSummary }[]> {
  const cells = gridCells(o);
  const out: { cell: GridCell; summary: TrainSummary }[] = [];
  for (const [i, cell] of cells.entries()) {
    const metricsPath = join(cell.outputDir, RUN_FILES.metrics);
    if (existsSync(metricsPath)) {
      onCell(i, cells.length, cell, "done");
    } else {
      const config = cellConfig(cell, o);
      onCell(i, cells.length, cell, "start");
      await trainInChild(config);
      onCell(i, cells.length, cell, config.resume ? "resumed" : "trained");
    }
    out.push({ cell, summary: JSON.parse(readFileSync(metricsPath, "utf8")) as TrainSummary });
  }
  return out;
}
