/**
 * The experiment grid: tasks × methods × seeds, each cell one training run in its own folder. Finished runs
 * (metrics.json present) are skipped and interrupted ones resume, so a long grid continues where it stopped.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TrainConfig } from "../train/config.js";
import { RUN_FILES, train, type TrainSummary } from "../train/loop.js";

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

/**
 * Run every unfinished cell in order. `onCell` reports progress (cell index, status).
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
      await train(config);
      onCell(i, cells.length, cell, config.resume ? "resumed" : "trained");
    }
    out.push({ cell, summary: JSON.parse(readFileSync(metricsPath, "utf8")) as TrainSummary });
  }
  return out;
}
