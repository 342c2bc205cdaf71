/**
 * A run's best checkpoint scored again, in a child process (`cmploss eval --json`, for the same heap reason as
 * the runs themselves), cached in the run folder:
 * - utility curve (utility.json): dropout forced on at powers k (SPEC §8);
 * - context curve (context.json, QA): only the first m distractor paragraphs kept (the paper's 6/4/2/0 study).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { runCli } from "./grid.js";
import type { ContextPoint, UtilityPoint } from "./report.js";

/** One row of `cmploss eval --json` (GLUE and QA alike; QA has no dev loss). */
interface EvalRow {
  forceDropout: number;
  rate: number;
  value: number;
  loss: number | null;
}

async function evalRows(runDir: string, args: string[], threads: number | null, device: string) {
  const { code, stdout } = await runCli(
    ["eval", "--output-dir", runDir, "--json", "--device", device, ...args],
    threads,
    "pipe",
  );
  if (code !== 0)
    throw new Error(`experiment: evaluating ${runDir} (${args.join(" ")}) failed (exit ${code})`);
  return JSON.parse(stdout) as EvalRow[];
}

function cached<T>(path: string, matches: (cache: T[]) => boolean): T[] | null {
  if (!existsSync(path)) return null;
  const cache = JSON.parse(readFileSync(path, "utf8")) as T[];
  return matches(cache) ? cache : null;
}

/** The cached utility curve at exactly `powers`, or null (no cache, or other powers). */
export function cachedUtility(runDir: string, powers: number[]): UtilityPoint[] | null {
  return cached<UtilityPoint>(
    join(runDir, "utility.json"),
    (c) => c.map((p) => p.power).join() === powers.join(),
  );
}

/** The cached context curve at exactly `sizes`, or null. */
export function cachedContext(runDir: string, sizes: number[]): ContextPoint[] | null {
  if (sizes.length === 0) return [];
  return cached<ContextPoint>(
    join(runDir, "context.json"),
    (c) => c.map((p) => p.maxParagraphs).join() === sizes.join(),
  );
}

export async function utilityCurve(
  runDir: string,
  powers: number[],
  seed = 0,
  threads: number | null = null,
  device = "auto",
): Promise<UtilityPoint[]> {
  const hit = cachedUtility(runDir, powers);
  if (hit) return hit;
  const path = join(runDir, "utility.json");
  const rows = await evalRows(
    runDir,
    ["--force-dropout", powers.join(","), "--seed", String(seed)],
    threads,
    device,
  );
  const points = rows.map((r) => ({ power: r.forceDropout, rate: r.rate, value: r.value, loss: r.loss }));
  writeFileAtomic(path, JSON.stringify(points, null, 2) + "\n");
  return points;
}

export async function contextCurve(
  runDir: string,
  sizes: number[],
  threads: number | null = null,
  device = "auto",
): Promise<ContextPoint[]> {
  const hit = cachedContext(runDir, sizes);
  if (hit) return hit;
  const path = join(runDir, "context.json");
  const points: ContextPoint[] = [];
  for (const m of sizes) {
    const [row] = await evalRows(runDir, ["--max-paragraphs", String(m)], threads, device);
    points.push({ maxParagraphs: m, value: row.value });
  }
  writeFileAtomic(path, JSON.stringify(points, null, 2) + "\n");
  return points;
}
