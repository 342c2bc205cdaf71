/**
 * docs/RESULTS.md's tables recomputed from the archive: for each published GLUE grid (docs/results/<grid>/
 * results.json, and metrics.json of every run archived under <grid>/runs/), per task: best and final dev score
 * per method (mean ± std), the paired differences by seed on the best AND on the final score (per seed, mean ±
 * std, wins / ties / losses), the utility curves beside the majority class of the dev set (its score with the
 * task's metric and the class prior's entropy, from the dev labels), which runs have archived logs, and how many
 * dev evaluations each best was picked from. Numbers as points (× 100; MCC too).
 *
 *   npx tsx scripts/results-tables.ts [--glue <glue_data folder>] [<grid folder>…] [--pair <grid>/<method>,<grid>/<method>]…
 *
 * Defaults: every docs/results/* folder with a results.json (when no grid is named); --glue ../shared/data/glue (SST-2 is bundled). A
 * --pair compares two methods of two grids by seed (e.g. CE at 300 steps against CmpLoss at 150:
 * --pair docs/results/sst2-minilm-150steps/cmp,docs/results/sst2-minilm-ce300/ce).
 * The script fails if a run's metrics.json disagrees with its grid's results.json.
 *
 * --rewrite-md rewrites each grid's results.md from its results.json (as `cmploss experiment` writes it, with
 * the majority class, final-score pairs and the utility table) for grids whose runs were not archived, so
 * `--report-only` cannot rebuild them; their report.html stays as published (its curves over steps came from
 * logs that were not kept).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { majorityBaseline, type MajorityBaseline } from "../src/experiment/baseline.js";
import {
  meanStd,
  methodPairs,
  pairBySeed,
  resultsMarkdown,
  signedPoints,
  utilityTable,
  writeReports,
  type RunResult,
} from "../src/experiment/report.js";
import { writeFileAtomic } from "../src/io/atomic.js";
import { GRID_RUN_FILES, RUN_FILES } from "../src/train/runFiles.js";
import { storedMetricScale } from "../src/train/metricScale.js";

const args = process.argv.slice(2);
let glue = "../shared/data/glue";
let rewriteMd = false;
const grids: string[] = [];
const pairs: [string, string][] = [];
let combineInto: string | null = null;
let title: string | null = null;
const renames = new Map<string, string>();
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--glue") glue = args[++i];
  else if (args[i] === "--combine") combineInto = args[++i] ?? null;
  else if (args[i] === "--title") title = args[++i] ?? null;
  else if (args[i] === "--as") {
    const [from, to] = (args[++i] ?? "").split("=");
    if (!from || !to || !from.includes("/"))
      throw new Error(`--as: expected <grid>/<method>=<name>, got ${args[i]}`);
    renames.set(from.replace(/\/$/, ""), to);
  } else if (args[i] === "--rewrite-md") rewriteMd = true;
  else if (args[i] === "--pair") {
    const [a, b] = (args[++i] ?? "").split(",");
    if (!a || !b) throw new Error(`--pair: expected <grid>/<method>,<grid>/<method>, got ${args[i]}`);
    pairs.push([a, b]);
  } else grids.push(args[i].replace(/\/$/, ""));
}
if (grids.length === 0) {
  for (const name of readdirSync("docs/results").sort())
    if (existsSync(join("docs/results", name, "results.json"))) grids.push(join("docs/results", name));
}

const p = (x: number) => (100 * x).toFixed(2);

/** A grid's runs, each pointed at its archived folder (<grid>/runs/<task>/<method>/seed<N>) where there is one. */
function loadGrid(grid: string): RunResult[] {
  const results = JSON.parse(readFileSync(join(grid, "results.json"), "utf8")) as RunResult[];
  return results.map((r) => ({
    ...r,
    context: r.context ?? [], // grids written before QA had no context field
    outputDir: join(grid, "runs", ...r.outputDir.split("/").slice(-3)),
  }));
}

/** Checks each archived run's metrics.json against results.json; @returns how many runs were checked. */
function checkArchive(runs: RunResult[]): number {
  let checked = 0;
  for (const r of runs) {
    const file = join(r.outputDir, RUN_FILES.metrics);
    if (!existsSync(file)) continue;
    const m = JSON.parse(readFileSync(file, "utf8")) as {
      best: { value: number } | null;
      final: { value: number };
    };
    const scale = storedMetricScale(r.outputDir);
    const same = (a: number | null | undefined, b: number | null) =>
      a === b || (a != null && b !== null && Math.abs(a / scale - b) < 1e-12);
    if (!same(m.final.value, r.final) || !same(m.best?.value, r.best))
      throw new Error(
        `${file}: best/final ${m.best?.value}/${m.final.value} ≠ results.json ${r.best}/${r.final}`,
      );
    checked++;
  }
  return checked;
}

/** Paired differences by seed (points) of `a` − `b` on one score, as a line. */
function paired(a: RunResult[], b: RunResult[], score: (r: RunResult) => number | null): string {
  const d = pairBySeed(a, b, score);
  if (d.diffs.length === 0) return "no common seeds";
  const perSeed = d.seeds.map((seed, i) => `s${seed} ${signedPoints(d.diffs[i])}`).join(" ");
  return `${signedPoints(d.mean)} ± ${d.std.toFixed(2)}  ${d.tally.join(" / ")}  (${perSeed})`;
}

function evaluations(r: RunResult): number | null {
  const file = join(r.outputDir, RUN_FILES.evals);
  if (!existsSync(file)) return null;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim()).length;
}

const allBaselines: MajorityBaseline[] = [];
for (const grid of grids) {
  const runs = loadGrid(grid);
  const checked = checkArchive(runs);
  console.log(`\n# ${grid} (${runs.length} runs; ${checked} archived metrics.json agree with results.json)`);
  const baselines: MajorityBaseline[] = [];
  for (const task of new Set(runs.map((r) => r.task))) {
    const rs = runs.filter((r) => r.task === task);
    const methods = [...new Set(rs.map((r) => r.method))];
    console.log(`\n## ${task} (${rs[0].metric}, points)\n`);
    for (const m of methods) {
      const mr = rs.filter((r) => r.method === m);
      const best = meanStd(mr.map((r) => r.best ?? NaN));
      const fin = meanStd(mr.map((r) => r.final));
      const seeds = mr.map((r) => `s${r.seed} ${r.best === null ? "–" : p(r.best)}/${p(r.final)}`).join(" ");
      console.log(
        `${m.padEnd(6)} n ${best.n}  best ${p(best.mean)} ± ${p(best.std)}  final ${p(fin.mean)} ± ${p(fin.std)}` +
          `  best/final per seed: ${seeds}`,
      );
    }
    console.log("");
    for (const [m, b] of methodPairs(methods)) {
      const [ma, mb] = [rs.filter((r) => r.method === m), rs.filter((r) => r.method === b)];
      console.log(`${m} − ${b}  best:  ${paired(ma, mb, (r) => r.best)}`);
      console.log(`${m} − ${b}  final: ${paired(ma, mb, (r) => r.final)}`);
    }
    let baseline: MajorityBaseline | null = null;
    try {
      const name = task === "SST-2" ? null : join(glue, task);
      baseline = await majorityBaseline(task, name);
    } catch (err) {
      console.log(`\nmajority class: not computed (${(err as Error).message})`);
    }
    if (baseline) baselines.push(baseline);
    if (baseline && !allBaselines.some((b) => b.task === task)) allBaselines.push(baseline);
    if (baseline)
      console.log(
        `\nmajority class: always "${baseline.label}" (${p(baseline.share)} % of ${baseline.examples} dev ` +
          `examples, ${baseline.file}): ${baseline.metric} ${p(baseline.value)}, class-prior entropy ` +
          `${baseline.entropy.toFixed(4)}`,
      );
    const util = utilityTable(rs, baseline ? [baseline] : []);
    if (util)
      console.log(`\nutility curves (mean metric / dev loss over the runs that have one):\n\n${util}`);
    const logged = rs.filter(
      (r) => existsSync(join(r.outputDir, RUN_FILES.steps)) && existsSync(join(r.outputDir, RUN_FILES.evals)),
    );
    const consoleLogs = rs.filter((r) => existsSync(join(r.outputDir, GRID_RUN_FILES.console))).length;
    const evals = logged.map(evaluations).filter((n): n is number => n !== null);
    console.log(
      `logs: ${logged.length} of ${rs.length} runs have train_log.jsonl and eval_log.jsonl ` +
        `(${consoleLogs} a train.log)` +
        (logged.length ? `: ${logged.map((r) => `${r.method} s${r.seed}`).join(", ")}` : "") +
        (evals.length ? `; dev evaluations per logged run ${Math.min(...evals)}–${Math.max(...evals)}` : ""),
    );
  }
  if (rewriteMd && checked === 0) {
    const md = join(grid, "results.md");
    const title = readFileSync(md, "utf8").split("\n")[0].replace(/^# /, "");
    writeFileAtomic(md, resultsMarkdown(runs, title, baselines));
    console.log(`\nrewrote ${md} from ${join(grid, "results.json")}`);
  }
}

for (const [a, b] of pairs) {
  const side = (spec: string) => {
    const grid = dirname(spec);
    const method = basename(spec);
    return { spec, runs: loadGrid(grid).filter((r) => r.method === method) };
  };
  const [x, y] = [side(a), side(b)];
  console.log(`\n# ${x.spec} − ${y.spec} (points)`);
  console.log(`best:  ${paired(x.runs, y.runs, (r) => r.best)}`);
  console.log(`final: ${paired(x.runs, y.runs, (r) => r.final)}`);
}

if (combineInto) {
  if (grids.length < 2) throw new Error("--combine: name two or more grid folders");
  const named = grids.flatMap((g) => loadGrid(g).map((r) => ({ from: `${g}/${r.method}`, run: r })));
  const known = new Set(named.map((n) => n.from));
  for (const from of renames.keys())
    if (!known.has(from)) throw new Error(`--as ${from}: no such grid/method among ${[...known].join(", ")}`);
  const runs = named.map(({ from, run }) => ({ ...run, method: renames.get(from) ?? run.method }));
  const seen = new Set<string>();
  for (const r of runs) {
    const key = `${r.task} ${r.method} seed ${r.seed}`;
    if (seen.has(key)) throw new Error(`--combine: two grids have ${key}; rename one with --as`);
    seen.add(key);
  }
  mkdirSync(combineInto, { recursive: true });
  writeReports(combineInto, runs, title ?? grids.join(" + "), allBaselines);
  console.log(`\nwrote ${combineInto}/results.json, results.md and report.html (${runs.length} runs)`);
}
