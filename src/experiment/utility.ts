/** Utility curves: a run's best checkpoint scored with dropout forced on at powers k (cached per run). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { runCli } from "./grid.js";
import type { UtilityPoint } from "./report.js";

/** Evaluated in a child process (`cmploss eval --json`), for the same heap reason as the runs themselves. */
export async function utilityCurve(
  runDir: string,
  powers: number[],
  seed = 0,
  threads: number | null = null,
  device = "auto",
): Promise<UtilityPoint[]> {
  const cache = join(runDir, "utility.json");
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, "utf8")) as UtilityPoint[];
    if (cached.map((p) => p.power).join() === powers.join()) return cached;
  }
  const args = [
    "eval",
    "--output-dir",
    runDir,
    "--force-dropout",
    powers.join(","),
    "--seed",
    String(seed),
    "--json",
    "--device",
    device,
  ];
  const { code, stdout } = await runCli(args, threads, "pipe");
  if (code !== 0)
    throw new Error(`experiment: evaluating ${runDir} under forced dropout failed (exit ${code})`);
  const rows = JSON.parse(stdout) as { forceDropout: number; rate: number; value: number; loss: number }[];
  const points = rows.map((r) => ({ power: r.forceDropout, rate: r.rate, value: r.value, loss: r.loss }));
  writeFileAtomic(cache, JSON.stringify(points, null, 2) + "\n");
  return points;
}
