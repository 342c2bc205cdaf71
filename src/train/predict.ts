/**
 * Predictions of a trained run on new text, as HF run_glue's `--do_predict` and run_qa's prediction file: a GLUE
 * run labels TSV/JSONL rows (one JSON line each: id, label and class probabilities, or STS-B's score); a QA
 * run answers SQuAD-format questions (`{ "<question id>": "answer text" }`). The run is reopened exactly as
 * `cmploss eval` reopens it (`openGlueRun`, `openQaRun`); rows are read and checked whole before the model
 * runs, then scored in chunks, with progress on stderr.
 */
import { tree } from "@jax-js/jax";
import { assertDeviceHealthy } from "../runtime/deviceErrors.js";
import { readUnlabelled, type UnlabelledRow } from "../tasks/glue/unlabelled.js";
import { readSquad } from "../tasks/qa/squad.js";
import { encodeSplit } from "./data.js";
import { createEvaluator } from "./evaluate.js";
import { openGlueRun } from "./evaluateRun.js";
import { Progress } from "./log.js";
import { squadItem } from "../tasks/qa/data.js";
import { createQaEvaluator } from "./qaEvaluate.js";
import { openQaRun } from "./qaRun.js";
import type { RunCheckpoint } from "./runWeights.js";
import { stopRequested } from "./stop.js";

/** Where predictions go: lines in order, kept only when `commit` is reached (a file appears whole or not at all). */
export interface PredictionSink {
  write(text: string): void | Promise<void>;
  commit(): void;
  abort(): void;
}

/** One GLUE prediction line: the row's id and its label with every class's probability, or its score (STS-B). */
export type GluePrediction =
  | { index: string | number; label: string; probabilities: Record<string, number> }
  | { index: string | number; score: number };

export interface PredictOptions {
  outputDir: string;
  input: string;
  /** Examples per forward pass (QA: windows per pass). */
  batchSize: number;
  /** Opens the output once the input has been read and checked. */
  open: (kind: "jsonl" | "json") => PredictionSink;
  quiet?: boolean;
  /** Stops between chunks (Ctrl-C, SIGTERM): the output is dropped and `PredictionStopped` thrown. */
  signal?: AbortSignal;
}

/** Thrown when a prediction run was stopped through its signal; nothing was written. */
export class PredictionStopped extends Error {
  constructor(
    readonly done: number,
    readonly total: number,
  ) {
    super(`stopped after ${done} of ${total}; no predictions written`);
  }
}

/** Between chunks: throw `PredictionStopped` when the signal asks to stop. */
async function checkStop(signal: AbortSignal | undefined, done: number, total: number): Promise<void> {
  if (done < total && (await stopRequested(signal))) throw new PredictionStopped(done, total);
}

export interface PredictSummary {
  task: string;
  /** Rows (GLUE) or questions (QA) predicted. */
  count: number;
  checkpoint: RunCheckpoint;
  seconds: number;
}

/** Rows per chunk, in batches: a chunk is tokenised, grouped by length and scored at once. */
const CHUNK_BATCHES = 8;

function rowsProgress(total: number, quiet: boolean) {
  const progress = new Progress(total, 0, quiet);
  const start = performance.now();
  return {
    progress,
    update(done: number, unit: string) {
      const rate = done / Math.max(1e-9, (performance.now() - start) / 1000);
      progress.update(done, `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s`);
    },
  };
}

/** Label the rows of a GLUE run's input with its best weights (its last checkpoint when it has no best). */
export async function predictGlue(o: PredictOptions): Promise<PredictSummary> {
  const t0 = performance.now();
  const { run, task, tok, params, checkpoint, note } = await openGlueRun(o.outputDir, "best", true);
  let sink: PredictionSink | null = null;
  const evaluator = createEvaluator(run.model, task.lossKind, {
    batchSize: o.batchSize,
    probabilities: true,
  });
  try {
    const rows = await readUnlabelled(task, o.input);
    const { progress, update } = rowsProgress(rows.length, o.quiet ?? false);
    if (note) progress.note(`cmploss: ${note}`);
    progress.note(
      `cmploss: predicting ${rows.length} ${task.name} rows of ${o.input} (${checkpoint} weights)`,
    );
    sink = o.open("jsonl");
    const chunk = o.batchSize * CHUNK_BATCHES;
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      // The labels feed only the evaluator's loss, which prediction ignores.
      const split = encodeSplit(
        part.map((r) => ({ textA: r.textA, textB: r.textB, label: 0 })),
        tok.tokenizer,
        {
          maxLength: run.config.maxSeqLength,
          lossKind: task.lossKind,
          padMultiple: run.config.padMultiple,
          padId: tok.padId,
        },
      );
      const out = await evaluator.evaluate(params, split);
      assertDeviceHealthy("predict");
      let text = "";
      part.forEach((row, i) => (text += JSON.stringify(glueLine(task, row, out, i)) + "\n"));
      await sink.write(text);
      update(start + part.length, "rows");
      await checkStop(o.signal, start + part.length, rows.length);
    }
    progress.finish();
    sink.commit();
    return { task: task.name, count: rows.length, checkpoint, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    sink?.abort();
    throw err;
  } finally {
    evaluator.dispose();
    tree.dispose(params);
  }
}

function glueLine(
  task: Awaited<ReturnType<typeof openGlueRun>>["task"],
  row: UnlabelledRow,
  out: { predictions: number[]; probabilities?: Float32Array[] },
  i: number,
): GluePrediction {
  if (task.lossKind === "mse") return { index: row.id, score: out.predictions[i] };
  const probs = out.probabilities![i];
  return {
    index: row.id,
    label: task.labels[out.predictions[i]],
    probabilities: Object.fromEntries(task.labels.map((l, k) => [l, probs[k]])),
  };
}

/** Answer the SQuAD-format questions of a QA run's input with its best weights (else its last checkpoint). */
export async function predictQa(o: PredictOptions): Promise<PredictSummary> {
  const t0 = performance.now();
  const { run, tokenizer, params, checkpoint, note } = await openQaRun(o.outputDir, "best", true);
  let sink: PredictionSink | null = null;
  // Each question is one context unit, so nothing is joined and no separator is needed.
  const evaluator = createQaEvaluator(run.model, "", tokenizer, {
    maxSeqLength: run.config.maxSeqLength,
    settings: run.settings,
    batchSize: o.batchSize,
  });
  try {
    const items = (await readSquad(o.input)).examples.map(squadItem);
    const { progress, update } = rowsProgress(items.length, o.quiet ?? false);
    if (note) progress.note(`cmploss: ${note}`);
    progress.note(`cmploss: answering ${items.length} questions of ${o.input} (${checkpoint} weights)`);
    if (items.length === 0) throw new Error(`${o.input}: expected at least one question, got none`);
    const answers: Record<string, string> = Object.create(null) as Record<string, string>;
    const chunk = o.batchSize * CHUNK_BATCHES;
    for (let start = 0; start < items.length; start += chunk) {
      const part = items.slice(start, start + chunk);
      const { predictions } = await evaluator.evaluate(params, evaluator.prepare(part));
      assertDeviceHealthy("predict");
      for (const item of part) answers[item.id] = predictions.get(item.id) ?? "";
      update(start + part.length, "questions");
      await checkStop(o.signal, start + part.length, items.length);
    }
    progress.finish();
    sink = o.open("json");
    await sink.write(JSON.stringify(answers, null, 2) + "\n");
    sink.commit();
    return {
      task: run.config.task,
      count: items.length,
      checkpoint,
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    sink?.abort();
    throw err;
  } finally {
    evaluator.dispose();
    tree.dispose(params);
  }
}
