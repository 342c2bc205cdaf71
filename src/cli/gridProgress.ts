/** What `cmploss experiment` prints while its grid runs, and the tallies its closing lines need. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  gridEta,
  trainedSeconds,
  type CellStatus,
  type GridCell,
  type GridDeadline,
  type TimedRun,
} from "../experiment/grid.js";
import { formatDuration } from "../train/log.js";
import { GRID_RUN_FILES, RUN_FILES } from "../train/runFiles.js";

export class GridProgress {
  readonly failed: string[] = [];
  readonly deferred: string[] = [];
  readonly stopped: string[] = [];
  /** when each run's slot started, and the training seconds its checkpoint already held then */
  private readonly started = new Map<number, { at: number; done: number }>();

  /**
   * @param timed this sitting's finished runs, appended to as they finish (the deadline's estimates read it)
   * @param stoppedOnRequest whether a signal, not the deadline, ended the grid
   */
  constructor(
    private readonly cells: readonly GridCell[],
    private readonly jobs: number,
    private readonly timed: TimedRun[],
    private readonly deadline: GridDeadline | undefined,
    private readonly stoppedOnRequest: () => boolean,
  ) {}

  /** `runGrid`'s progress callback: one line per cell and status on stderr. */
  readonly onCell = (i: number, total: number, cell: GridCell, status: CellStatus | "start"): void => {
    const name = `[${i + 1}/${total}] ${cell.task} ${cell.method} seed ${cell.seed}`;
    if (status === "start") {
      this.started.set(i, { at: performance.now(), done: trainedSeconds(cell) });
      if (this.jobs > 1)
        process.stderr.write(`${name}: started (log: ${join(cell.outputDir, GRID_RUN_FILES.console)})\n`);
      return;
    }
    const label = `${cell.task} ${cell.method} seed ${cell.seed}`;
    let note = "";
    if (status === "trained" || status === "resumed") note = this.finished(i, cell);
    if (status === "failed") this.failed.push(label);
    if (status === "stopped") this.stopped.push(label);
    if (status === "deferred") {
      this.deferred.push(label);
      if (this.deadline && !this.stoppedOnRequest()) note = this.wouldNotFit(cell, this.deadline);
    }
    process.stderr.write(`${name}: ${status}${note}\n`);
  };

  /** The closing line when runs were stopped or not started (null when none were), naming the cause. */
  summary(timeLimit: number | null): string | null {
    if (this.deferred.length + this.stopped.length === 0) return null;
    const onRequest = this.stoppedOnRequest();
    const cause = onRequest ? "stopped on request" : `--time-limit ${timeLimit} s`;
    const unstarted = onRequest ? "not started" : "not started (they would not have finished)";
    return (
      `experiment: ${cause}: ${this.stopped.length} run(s) stopped with a checkpoint, ` +
      `${this.deferred.length} ${unstarted}; rerun to go on`
    );
  }

  private finished(i: number, cell: GridCell): string {
    const { at, done } = this.started.get(i)!;
    const seconds = (performance.now() - at) / 1000;
    // a whole run's time, as if this slot had trained it from the start
    this.timed.push({ task: cell.task, method: cell.method, seconds: seconds + done });
    const left = this.cells.filter((c) => !existsSync(join(c.outputDir, RUN_FILES.metrics)));
    const eta = gridEta(this.timed, left) / this.jobs;
    // the slot's time: training and then the run's curves (afterTrain)
    return ` and scored in ${formatDuration(seconds)}; ${left.length} to go, about ${formatDuration(eta)}`;
  }

  private wouldNotFit(cell: GridCell, deadline: GridDeadline): string {
    const need = deadline.estimate(cell);
    const left = Math.max(0, (deadline.at - Date.now()) / 1000);
    return `: ${need === null ? "" : `about ${formatDuration(need)} needed, `}${formatDuration(left)} left`;
  }
}
