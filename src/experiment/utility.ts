/** Utility curves: a run's best checkpoint scored with dropout forced on at powers k (cached per run). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { evaluateRun } from "../train/evaluateRun.js";
import type { UtilityPoint } from "./report.js";

export async function utilityCurve(runDir: string, powers: number[], seed = 0): Promise<UtilityPoint[]> {
  const cache = join(runDir, "utility.json");
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, "utf8")) as UtilityPoint[];
    if (cached.map((p) => p.power).join() === powers.join()) return cached;
  }
  const points: UtilityPoint[] = [];
  for (const power of powers) {
    const r = await evaluateRun({
      outputDir: runDir,
      checkpoint: "best",
      dataDir: null,
      split: "dev",
      forceDropout: power,
      seed,
      batchSize: 128,
    });
    points.push({ power, rate: r.rate, value: r.value, loss: r.loss });
  }
  writeFileAtomic(cache, JSON.stringify(points, null, 2) + "\n");
  return points;
}
