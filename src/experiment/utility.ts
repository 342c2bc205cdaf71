/**
 * A run's best checkpoint scored again, in a child process (`cmploss eval --json`, for the same heap reason as
 * the runs themselves), cached in the run folder:
 * - utility curve (utility.json): dropout forced on at powers k (SPEC §8);
 * - context curve (context.json, QA): only the first m distractor paragraphs kept (the paper's 6/4/2/0 study).
 * The point with nothing ablated (power 0, every paragraph) is the best evaluation the run itself logged
 * (eval_log.jsonl) — the same weights scored the same way — so it is read, not recomputed: on the QA study that
 * saves two of the six dev passes after each run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { storedMetricScale } from "../train/metricScale.js";
import { DERIVED_FILES, RUN_FILES } from "../train/runFiles.js";
import { runCli } from "./grid.js";
import type { ContextPoint, UtilityPoint } from "./report.js";

/** One row of `cmploss eval --json` (GLUE and QA alike; QA has no dev loss). */
interface EvalRow {
  forceDropout: number;
  rate: number;
  maxParagraphs?: number | null;
  value: number;
  loss: number | null;
}

/**
 * The run's best logged evaluation when it scored the whole dev set (every paragraph of a QA run), i.e. what
 * `cmploss eval` at power 0 without --max-paragraphs would compute; else null. QA's `paragraphs` is how many
 * distractors every dev question has (squad-distractor), null when they vary.
 */
export function recordedBest(
  runDir: string,
): { value: number; loss: number | null; paragraphs: number | null } | null {
  const logPath = join(runDir, RUN_FILES.evals);
  const runPath = join(runDir, RUN_FILES.run);
  if (!existsSync(logPath) || !existsSync(runPath)) return null;
  const run = JSON.parse(readFileSync(runPath, "utf8")) as {
    config: { task: string };
    settings?: { maxParagraphs: number | null; distractors: number };
  };
  if (run.settings && run.settings.maxParagraphs !== null) return null;
  const best = readFileSync(logPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { value: number; loss: number | null; best: boolean })
    .filter((r) => r.best)
    .at(-1);
  if (!best || !Number.isFinite(best.value)) return null;
  return {
    value: best.value,
    loss: typeof best.loss === "number" && Number.isFinite(best.loss) ? best.loss : null,
    paragraphs: run.config.task === "squad-distractor" && run.settings ? run.settings.distractors : null,
  };
}

/** How a curve's missing points are scored: `cmploss eval` in a child process. */
export interface ScoringOptions {
  /** Wasm threads of the child (null: its default). */
  threads?: number | null;
  device?: string;
  /** Stops the child (a grid's time limit); the curve is then not written. */
  signal?: AbortSignal;
}

async function evalRows(
  runDir: string,
  args: string[],
  { threads = null, device = "auto", signal }: ScoringOptions,
) {
  const { code, stdout } = await runCli(
    ["eval", "--output-dir", runDir, "--json", "--device", device, ...args],
    threads,
    "pipe",
    signal,
  );
  if (code !== 0)
    throw new Error(`experiment: evaluating ${runDir} (${args.join(" ")}) failed (exit ${code})`);
  // `cmploss eval` scores as fractions; a QA run from before EM/F1 were fractions keeps its folder in 0–100
  // (its recorded best and old caches), so its curves are stored on that scale and divided once, in toResult.
  const scale = storedMetricScale(runDir);
  return (JSON.parse(stdout) as EvalRow[]).map((r) => ({ ...r, value: r.value * scale }));
}

function cached<T>(path: string, matches: (cache: T[]) => boolean): T[] | null {
  if (!existsSync(path)) return null;
  const cache = JSON.parse(readFileSync(path, "utf8")) as T[];
  return matches(cache) ? cache : null;
}

/** The cached utility curve at exactly `powers`, or null (no cache, or other powers). */
export function cachedUtility(runDir: string, powers: number[]): UtilityPoint[] | null {
  return cached<UtilityPoint>(
    join(runDir, DERIVED_FILES.utility),
    (c) => c.map((p) => p.power).join() === powers.join(),
  );
}

/** The cached context curve at exactly `sizes`, or null. */
export function cachedContext(runDir: string, sizes: number[]): ContextPoint[] | null {
  if (sizes.length === 0) return [];
  return cached<ContextPoint>(
    join(runDir, DERIVED_FILES.context),
    (c) => c.map((p) => p.maxParagraphs).join() === sizes.join(),
  );
}

export async function utilityCurve(
  runDir: string,
  powers: number[],
  { seed = 0, ...scoring }: ScoringOptions & { seed?: number } = {},
): Promise<UtilityPoint[]> {
  const hit = cachedUtility(runDir, powers);
  if (hit) return hit;
  const recorded = recordedBest(runDir);
  const known = new Map<number, UtilityPoint>();
  if (recorded) known.set(0, { power: 0, rate: 0, value: recorded.value, loss: recorded.loss });
  const missing = powers.filter((k) => !known.has(k));
  if (missing.length > 0) {
    const rows = await evalRows(
      runDir,
      ["--force-dropout", missing.join(","), "--seed", String(seed)],
      scoring,
    );
    for (const r of rows)
      known.set(r.forceDropout, { power: r.forceDropout, rate: r.rate, value: r.value, loss: r.loss });
  }
  const points = powers.map((k) => known.get(k)!);
  writeFileAtomic(join(runDir, DERIVED_FILES.utility), JSON.stringify(points, null, 2) + "\n");
  return points;
}

export async function contextCurve(
  runDir: string,
  sizes: number[],
  scoring: ScoringOptions = {},
): Promise<ContextPoint[]> {
  const hit = cachedContext(runDir, sizes);
  if (hit) return hit;
  const recorded = recordedBest(runDir);
  const known = new Map<number, number>();
  if (recorded?.paragraphs != null)
    for (const m of sizes) if (m >= recorded.paragraphs) known.set(m, recorded.value);
  const missing = sizes.filter((m) => !known.has(m));
  if (missing.length > 0) {
    const rows = await evalRows(runDir, ["--max-paragraphs", missing.join(",")], scoring);
    for (const r of rows) known.set(r.maxParagraphs!, r.value);
  }
  const points = sizes.map((m) => ({ maxParagraphs: m, value: known.get(m)! }));
  writeFileAtomic(join(runDir, DERIVED_FILES.context), JSON.stringify(points, null, 2) + "\n");
  return points;
}
