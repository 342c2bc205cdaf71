/** Run logs: JSONL step/eval records and a progress line with ETA on stderr. */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";

export interface StepRecord {
  step: number;
  epoch: number;
  lr: number;
  loss: number;
  /** Mean task loss per variant: [full, ablated 1..c]. */
  variant_losses: number[];
  grad_norm: number;
  examples_per_s: number;
}

export interface EvalRecord {
  step: number;
  /** The task's headline metric (selects the best checkpoint) and its value. */
  metric: string;
  value: number;
  /** Every metric the task reports (e.g. F1 and accuracy for MRPC). */
  scores: Record<string, number>;
  loss: number;
  best: boolean;
}

/**
 * Append-only JSONL file. On resume, records after the checkpoint's step are dropped first. A final line without
 * its newline that is not JSON is a write cut short (a kill -9, a power cut) and is dropped; any other line
 * that is not a record is an error naming the file and line.
 */
export class JsonlLog<T extends { step: number }> {
  constructor(readonly path: string) {}

  /**
   * Keep only records with step ≤ `step` (atomically rewrites the file; `step` < 0 empties it without reading
   * it). Returns whether a torn final line was dropped.
   */
  truncateAfter(step: number): { tornLine: boolean } {
    if (!existsSync(this.path)) return { tornLine: false };
    if (step < 0) {
      writeFileAtomic(this.path, "");
      return { tornLine: false };
    }
    const { records, tornLine } = this.#parse();
    const kept = records.filter((r) => r.step <= step);
    writeFileAtomic(this.path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
    return { tornLine };
  }

  append(record: T): void {
    appendFileSync(this.path, JSON.stringify(record) + "\n");
  }

  read(): T[] {
    if (!existsSync(this.path)) return [];
    return this.#parse().records;
  }

  #parse(): { records: T[]; tornLine: boolean } {
    const lines = readFileSync(this.path, "utf8").split("\n");
    const records: T[] = [];
    let tornLine = false;
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        // the last element of split("\n") is the text after the final newline: an unfinished append
        if (i === lines.length - 1) return void (tornLine = true);
        const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
        throw new Error(`${this.path}:${i + 1}: expected a JSON record, got ${JSON.stringify(shown)}`);
      }
      if (typeof (record as { step?: unknown } | null)?.step !== "number") {
        throw new Error(`${this.path}:${i + 1}: expected a JSON record with a numeric "step"`);
      }
      records.push(record as T);
    });
    return { records, tornLine };
  }
}

/**
 * On resume: drop every log's records after the checkpoint's `step`. Returns a note for each torn final line
 * dropped (a write cut short).
 */
export function truncateLogs(logs: JsonlLog<{ step: number }>[], step: number): string[] {
  return logs.flatMap((log) =>
    log.truncateAfter(step).tornLine
      ? [`dropped a torn last line of ${basename(log.path)} (a write cut short)`]
      : [],
  );
}

/** h:mm:ss, or mm:ss under an hour. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * A progress bar on stderr: redrawn in place on a TTY, a plain line every few seconds otherwise (none before
 * `plainAfter` seconds, so that short work leaves no lines in a log).
 */
export class Progress {
  #start = performance.now();
  #lastPlain = 0;
  readonly #tty = Boolean(process.stderr.isTTY);

  constructor(
    readonly total: number,
    readonly first: number,
    readonly quiet = false,
    readonly plainAfter = 0,
  ) {}

  update(step: number, fields: string): void {
    if (this.quiet) return;
    const done = step - this.first;
    const elapsed = (performance.now() - this.#start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - step) : Infinity;
    const frac = this.total > 0 ? step / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const line = `${bar} ${step}/${this.total} ${fields} elapsed ${formatDuration(elapsed)} eta ${formatDuration(eta)}`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
    } else if (
      elapsed >= this.plainAfter &&
      (performance.now() - this.#lastPlain > 5000 || step === this.total)
    ) {
      this.#lastPlain = performance.now();
      process.stderr.write(line + "\n");
    }
  }

  /** Print a message on its own line without breaking the bar. */
  note(message: string): void {
    if (this.quiet) return;
    if (this.#tty) process.stderr.write(`\r\x1b[2K${message}\n`);
    else process.stderr.write(message + "\n");
  }

  finish(): void {
    if (!this.quiet && this.#tty) process.stderr.write("\n");
  }

  /** Erase the bar (on a TTY), leaving the line to what comes next. */
  clear(): void {
    if (!this.quiet && this.#tty) process.stderr.write("\r\x1b[2K");
  }
}

/** Called after each evaluation batch: `done` of `total` items (examples, windows, queries) scored. */
export type EvalProgress = (done: number, total: number) => void;

/**
 * An `EvalProgress` that draws `label` as a progress bar like the steps', timed from its first call: in place
 * on a TTY (erased when done), else a plain line every few seconds once the pass has taken 5 s (a dev pass of a
 * QA run on CPU takes minutes; a short one prints nothing).
 */
export function evalProgress(label: string, quiet = false): EvalProgress {
  let bar: Progress | null = null;
  return (done, total) => {
    bar ??= new Progress(total, done, quiet, 5);
    bar.update(done, label);
    if (done >= total) bar.clear();
  };
}

/** What a train step reports: its loss, each variant's mean task loss and the gradient norm. */
export interface StepOutcome {
  loss: number;
  variantLosses: number[];
  gradNorm: number;
}

/** Examples per second for the progress line: whole numbers from 10 up, one decimal below (R-Drop on CPU: 1.3). */
function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/**
 * The record of a run's train steps: each step's JSONL line and progress update, and the examples/s of the
 * steps this call ran (evaluations and checkpoints excluded). `variants` names the per-variant losses (full
 * model first); a legend saying which number is which is printed once, before the first step's.
 */
export class StepMeter {
  #examples = 0;
  #seconds = 0;
  #legend = false;

  constructor(
    readonly log: JsonlLog<StepRecord>,
    readonly progress: Progress,
    readonly variants: string[],
  ) {}

  record(
    at: { step: number; epoch: number; lr: number },
    outcome: StepOutcome,
    examples: number,
    seconds: number,
  ) {
    this.#examples += examples;
    this.#seconds += seconds;
    this.log.append({
      ...at,
      loss: outcome.loss,
      variant_losses: outcome.variantLosses,
      grad_norm: outcome.gradNorm,
      examples_per_s: examples / seconds,
    });
    if (!this.#legend) {
      this.#legend = true;
      this.progress.note(
        `progress: loss = objective [${this.variants.join(", ")}] (mean task loss per variant)`,
      );
    }
    const variants = outcome.variantLosses.map((l) => l.toFixed(3)).join(" ");
    this.progress.update(
      at.step,
      `loss ${outcome.loss.toFixed(4)} [${variants}] ${formatRate(this.examplesPerSecond)} ex/s`,
    );
  }

  get examplesPerSecond(): number {
    return this.#examples / Math.max(1e-9, this.#seconds);
  }
}
