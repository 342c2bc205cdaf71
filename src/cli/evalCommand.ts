/** `cmploss eval`: score a trained run on a split, optionally with dropout forced on at power k (SPEC §8). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { JsonSyntaxError, parseJson } from "../io/jsonText.js";
import { backendLine, initRuntime } from "../runtime/index.js";
import { utilityCurveSvg } from "../train/plot.js";
import { distractorsLabel } from "../tasks/qa/distractor.js";
import { isQaTask, isRankingTask } from "../tasks/registry.js";
import { evaluatePrfRun, prfCurveSvg, readPrfRun } from "../train/prfRun.js";
import { evaluateQaRun } from "../train/qaEvaluate.js";
import { evaluateRun, type RunEvaluation } from "../train/evaluateRun.js";
import { evalProgress } from "../train/log.js";
import { DERIVED_FILES, RUN_FILES } from "../train/runFiles.js";
import { flagName, formatHelp, parseFlags, UsageError, type FlagTable } from "./args.js";
import { DEVICE_FLAG, THREADS_FLAG } from "./runtimeFlags.js";

const EVAL_FLAGS: FlagTable = {
  "output-dir": { kind: "string", help: "the run folder written by cmploss train (required)" },
  checkpoint: { kind: "string", help: "which weights", values: ["best", "last"] },
  "data-dir": { kind: "string", help: "task data folder", defaultText: "the one the run used" },
  split: {
    kind: "string",
    help: "split to score (test: ranking runs)",
    values: ["dev", "train", "dev_mismatched", "test"],
  },
  "force-dropout": {
    kind: "string",
    help: "dropout power k (rate 1-(1-p)^k) at every site; a list like 0,1,2,4 gives a utility curve",
  },
  seed: { kind: "number", help: "seed for the forced-dropout draws", integer: true, min: 0 },
  "batch-size": { kind: "number", help: "examples per batch", integer: true, min: 1 },
  "max-paragraphs": {
    kind: "string",
    help: "QA runs: keep only the first m distractor paragraphs; a list like 4,2,0 gives a context-size curve",
  },
  "n-prf": {
    kind: "string",
    help: "PRF runs: feedback passages read; a list like 0,1,2,3,4,5 gives the measures per count (a curve)",
    defaultText: "the run's --n-prf",
  },
  "first-stage": {
    kind: "string",
    help: "PRF runs: the first-stage TREC run holding the split's queries",
    defaultText: "the run's",
  },
  json: { kind: "boolean", help: "print the results as JSON" },
  device: DEVICE_FLAG,
  threads: THREADS_FLAG,
};

const EVAL_DEFAULTS = {
  checkpoint: "best",
  split: "dev",
  forceDropout: "0",
  seed: 0,
  batchSize: 128,
  json: false,
  device: "auto",
};

export function evalHelp(): string {
  return formatHelp(
    "Usage: cmploss eval --output-dir <run> [flags]\n\nScores a trained run; with --force-dropout k the model runs with dropout on at power k; a PRF run reads --n-prf k feedback passages.",
    EVAL_FLAGS,
    EVAL_DEFAULTS,
  );
}

function parseCounts(flag: string, text: string, max: number): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const counts = parts.map(Number);
  if (parts.some((s) => s === "") || counts.some((k) => !Number.isInteger(k) || k < 0 || k > max)) {
    throw new UsageError(`--${flag}: expected integers 0–${max} separated by commas, got "${text}"`);
  }
  return counts;
}

/** The task of the run in `dir`, from its run.json; a one-line error when `dir` is not a finished run's folder. */
export function readRunTask(dir: string): string {
  const path = join(dir, RUN_FILES.run);
  let run: unknown;
  try {
    run = parseJson(readFileSync(path, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      err instanceof JsonSyntaxError
        ? `${err.found} at line ${err.line}, column ${err.column}`
        : code === "ENOENT"
          ? "no such file"
          : (code ?? String(err));
    throw new UsageError(`${path}: expected the run.json of a folder written by cmploss train, got ${why}`);
  }
  const task = (run as { config?: { task?: unknown } } | null)?.config?.task;
  if (typeof task !== "string") throw new UsageError(`${path}: expected "config.task" in a cmploss run.json`);
  return task;
}

export async function runEval(argv: string[]): Promise<void> {
  const flags = { ...EVAL_DEFAULTS, ...parseFlags(argv, EVAL_FLAGS) } as typeof EVAL_DEFAULTS & {
    outputDir?: string;
    dataDir?: string;
    threads?: number;
    maxParagraphs?: string;
    nPrf?: string;
    firstStage?: string;
  };
  if (!flags.outputDir) throw new UsageError("eval: expected --output-dir <run folder>");
  const powers = parseCounts("force-dropout", String(flags.forceDropout), 64);
  const paragraphs =
    flags.maxParagraphs === undefined ? null : parseCounts("max-paragraphs", flags.maxParagraphs, 1000);
  const task = readRunTask(flags.outputDir);
  if (!isRankingTask(task)) {
    const stray = (["nPrf", "firstStage"] as const).find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`--${flagName(stray)} only applies to --task prf runs`);
    if (flags.split === "test")
      throw new UsageError("--split test only applies to --task prf runs (GLUE and QA score dev splits)");
  } else {
    if (paragraphs !== null || String(flags.forceDropout) !== "0")
      throw new UsageError("--max-paragraphs and --force-dropout do not apply to PRF runs; use --n-prf");
    if (flags.firstStage !== undefined && !existsSync(flags.firstStage))
      throw new UsageError(`--first-stage ${flags.firstStage}: expected a TREC run file, got no such file`);
  }
  const rt = await initRuntime({ device: flags.device as "auto", threads: flags.threads });
  if (!flags.json) process.stderr.write(`${backendLine(rt)}\n`);
  if (isRankingTask(task)) {
    await evalPrf(flags, flags.outputDir);
    return;
  }
  if (isQaTask(task)) {
    const scores = await evaluateQaRun({
      outputDir: flags.outputDir,
      checkpoint: flags.checkpoint as "best" | "last",
      maxParagraphs: paragraphs ?? [null],
      forceDropout: powers,
      seed: flags.seed,
      batchSize: Math.min(flags.batchSize, 32),
      progress: (pass) =>
        evalProgress(
          `dev windows (${distractorsLabel(pass.maxParagraphs)}, dropout power ${pass.forceDropout})`,
        ),
    });
    // The same row shape as GLUE's (value = the task metric; QA has no dev loss), EM/F1 as fractions.
    const rows = scores.map((r) => ({
      task,
      forceDropout: r.forceDropout,
      rate: r.rate,
      maxParagraphs: r.maxParagraphs,
      count: r.count,
      metric: "f1",
      value: r.f1,
      scores: { f1: r.f1, exact_match: r.exact_match },
      loss: null,
    }));
    const plot = paragraphs && paragraphs.length > 1 ? null : writeUtilityPlot(flags.outputDir, rows, "F1");
    if (flags.json) console.log(JSON.stringify(rows, null, 2));
    else {
      console.log(`${task} dev, ${flags.checkpoint} checkpoint of ${flags.outputDir}`);
      console.log("paragraphs  questions  power  EM       F1");
      for (const r of rows)
        console.log(
          [
            String(r.maxParagraphs ?? "all").padEnd(11),
            String(r.count).padEnd(10),
            String(r.forceDropout).padEnd(6),
            r.scores.exact_match.toFixed(4).padEnd(8),
            r.scores.f1.toFixed(4),
          ].join(" "),
        );
      if (plot) console.log(`utility curve: ${plot}`);
    }
    return;
  }
  if (paragraphs !== null) throw new UsageError("--max-paragraphs only applies to QA runs");
  const results: RunEvaluation[] = [];
  for (const power of powers) {
    results.push(
      await evaluateRun({
        outputDir: flags.outputDir,
        checkpoint: flags.checkpoint as "best" | "last",
        dataDir: flags.dataDir ?? null,
        split: flags.split as "dev" | "train" | "dev_mismatched",
        forceDropout: power,
        seed: flags.seed,
        batchSize: flags.batchSize,
      }),
    );
  }
  const plot = writeUtilityPlot(flags.outputDir, results, results[0].metric);
  if (flags.json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const head = results[0];
  console.log(
    `${head.task} ${head.split} (${head.count} examples), ${head.checkpoint} checkpoint of ${flags.outputDir}`,
  );
  const names = Object.keys(head.scores);
  console.log(["power", "rate   ", ...names.map((n) => n.padEnd(10)), "loss"].join(" "));
  for (const r of results) {
    const cells = names.map((n) => r.scores[n].toFixed(4).padEnd(10));
    console.log(
      [String(r.forceDropout).padEnd(5), r.rate.toFixed(3).padEnd(7), ...cells, r.loss.toFixed(4)].join(" "),
    );
  }
  if (plot) console.log(`utility curve: ${plot}`);
}

/** With several powers, the utility curve as a plot in the run folder (utility-curve.svg); its path, or null. */
function writeUtilityPlot(
  runDir: string,
  rows: { forceDropout: number; value: number; loss: number | null }[],
  metric: string,
): string | null {
  if (rows.length < 2) return null;
  const path = join(runDir, DERIVED_FILES.utilityCurve);
  const points = rows.map((r) => ({ power: r.forceDropout, value: r.value, loss: r.loss }));
  writeFileAtomic(path, utilityCurveSvg(points, metric));
  return path;
}

/** `cmploss eval` of a PRF run: the four measures per feedback count, a table (or JSON) and prf-curve.svg/json. */
async function evalPrf(
  flags: {
    checkpoint: string;
    split: string;
    batchSize: number;
    json: boolean;
    nPrf?: string;
    dataDir?: string;
    firstStage?: string;
  },
  outputDir: string,
): Promise<void> {
  const run = readPrfRun(outputDir);
  const counts = parseCounts("n-prf", flags.nPrf ?? String(run.settings.nPrf), 32);
  const rows = await evaluatePrfRun({
    outputDir,
    checkpoint: flags.checkpoint as "best" | "last",
    counts,
    split: flags.split,
    dataDir: flags.dataDir ?? null,
    firstStage: flags.firstStage ?? null,
    batchSize: Math.min(flags.batchSize, 32),
  });
  let plot: string | null = null;
  if (rows.length > 1) {
    writeFileAtomic(join(outputDir, DERIVED_FILES.prfCurve), JSON.stringify(rows, null, 2) + "\n");
    plot = join(outputDir, DERIVED_FILES.prfCurvePlot);
    writeFileAtomic(plot, prfCurveSvg(rows, `PRF: ${flags.split} measures per feedback count`));
  }
  if (flags.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(
    `prf ${flags.split} (${rows[0].queries} queries), ${rows[0].checkpoint} checkpoint of ${outputDir}`,
  );
  const names = Object.keys(rows[0].scores) as (keyof (typeof rows)[0]["scores"])[];
  console.log(["k ", ...names.map((n) => n.padEnd(10))].join(" "));
  for (const r of rows)
    console.log([String(r.nPrf).padEnd(2), ...names.map((n) => r.scores[n].toFixed(4).padEnd(10))].join(" "));
  if (plot) console.log(`feedback curve: ${plot}`);
}
