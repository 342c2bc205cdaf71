/**
 * Experiment results: results.json (every run), results.md (mean ± std per task and method, with the cost),
 * and report.html, a self-contained page with the plots (dev metric over steps, per-variant training
 * losses, utility curves under forced dropout, and for QA the context-size curve).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { distractorsLabel } from "../tasks/qa/distractor.js";
import type { EvalRecord, StepRecord } from "../train/log.js";
import type { TrainSummary } from "../train/loop.js";
import { RUN_FILES } from "../train/runFiles.js";
import { chartSvg, COLORS, escapeXml, smooth, type Series } from "../train/plot.js";
import { storedMetricScale, summaryAsFractions } from "../train/metricScale.js";
import type { MajorityBaseline } from "./baseline.js";
import type { GridCell } from "./grid.js";

export interface UtilityPoint {
  power: number;
  rate: number;
  value: number;
  /** Mean dev loss; null for QA (its evaluation scores spans, it has no loss). */
  loss: number | null;
}

/** The best checkpoint's dev metric with only the first m distractor paragraphs kept (QA). */
export interface ContextPoint {
  maxParagraphs: number;
  value: number;
}

export interface RunResult {
  task: string;
  method: string;
  seed: number;
  metric: string;
  best: number | null;
  final: number;
  scores: Record<string, number>;
  wall_s: number;
  examples_per_s: number;
  utility: UtilityPoint[];
  /** QA distractor tasks: the context-size curve (else empty). */
  context: ContextPoint[];
  outputDir: string;
}

export function meanStd(xs: number[]): { mean: number; std: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/**
 * One run's result; metric values are fractions, as every run stores them except QA runs written before EM/F1
 * became fractions, whose 0–100 values are divided by 100 here (`storedMetricScale`).
 */
export function toResult(
  cell: GridCell,
  summary: TrainSummary,
  utility: UtilityPoint[],
  context: ContextPoint[] = [],
): RunResult {
  const scale = storedMetricScale(cell.outputDir);
  const f = (x: number) => x / scale;
  const { best, final } = summaryAsFractions(summary, cell.outputDir);
  return {
    task: summary.task,
    method: cell.method,
    seed: cell.seed,
    metric: summary.metric,
    best: best?.value ?? null,
    final: final.value,
    scores: final.scores ?? {},
    wall_s: summary.wall_s,
    examples_per_s: summary.examples_per_s,
    utility: utility.map((u) => ({ ...u, value: f(u.value) })),
    context: context.map((c) => ({ ...c, value: f(c.value) })),
    outputDir: cell.outputDir,
  };
}

function groups(results: RunResult[]): Map<string, RunResult[]> {
  const out = new Map<string, RunResult[]>();
  for (const r of results) {
    const k = `${r.task}\u0000${r.method}`;
    out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}

const pct = (x: number) => (100 * x).toFixed(2);

/** The Markdown table: best dev metric (mean ± std over seeds), final metric, wall time and throughput. */
export function markdownTable(results: RunResult[]): string {
  const lines = [
    "| task | method | seeds | best dev (mean ± std) | final dev (mean ± std) | wall time / run | train examples/s |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const rs of groups(results).values()) {
    const best = meanStd(rs.map((r) => r.best ?? NaN));
    const fin = meanStd(rs.map((r) => r.final));
    const wall = meanStd(rs.map((r) => r.wall_s));
    const eps = meanStd(rs.map((r) => r.examples_per_s));
    lines.push(
      `| ${rs[0].task} | ${rs[0].method} | ${best.n} | ${rs[0].metric} ${pct(best.mean)} ± ${pct(best.std)} | ` +
        `${pct(fin.mean)} ± ${pct(fin.std)} | ${wall.mean.toFixed(0)} s | ${eps.mean.toFixed(1)} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Each method against every earlier one on the same seeds (same data order and initialisation): the mean ± std
 * of the paired differences in points and how often it won, on the best dev score and on the final one. The
 * best is picked from every evaluation on the very dev set it is scored on, so it is optimistic; the final
 * score is the run's last evaluation, chosen by nothing. "" with one method.
 */
export function pairedTable(results: RunResult[]): string {
  const lines = [
    "| task | method | vs | seeds | Δ best dev (mean ± std, points) | wins / ties / losses | " +
      "Δ final dev (mean ± std, points) | wins / ties / losses |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const task of new Set(results.map((r) => r.task))) {
    const rs = results.filter((r) => r.task === task && r.best !== null);
    const methods = [...new Set(rs.map((r) => r.method))];
    for (const [m, b] of methodPairs(methods)) {
      const [ma, mb] = [rs.filter((r) => r.method === m), rs.filter((r) => r.method === b)];
      const best = pairBySeed(ma, mb, (r) => r.best);
      if (best.diffs.length === 0) continue;
      const cells = (d: SeedPairs) =>
        `${signedPoints(d.mean)} ± ${d.std.toFixed(2)} | ${d.tally.join(" / ")}`;
      lines.push(
        `| ${task} | ${m} | ${b} | ${best.diffs.length} | ${cells(best)} | ` +
          `${cells(pairBySeed(ma, mb, (r) => r.final))} |`,
      );
    }
  }
  return lines.length > 2 ? lines.join("\n") + "\n" : "";
}

/** Every later method against every earlier one (ce first: R-Drop vs CE, CmpLoss vs CE, CmpLoss vs R-Drop). */
export function methodPairs(methods: readonly string[]): (readonly [string, string])[] {
  return methods.flatMap((m, j) => methods.slice(0, j).map((b) => [m, b] as const));
}

/** Paired differences by seed of `a` − `b` on one score, in points. */
export interface SeedPairs {
  /** The seeds both sides have a score for, and the difference at each. */
  seeds: number[];
  diffs: number[];
  mean: number;
  std: number;
  /** Wins / ties / losses of `a` (a tie: |Δ| ≤ 1e-9 points). */
  tally: [number, number, number];
}

/** `a` − `b` by seed on `score` (× 100), over the seeds where both runs have one. */
export function pairBySeed(
  a: readonly RunResult[],
  b: readonly RunResult[],
  score: (r: RunResult) => number | null,
): SeedPairs {
  const base = new Map(b.map((r) => [r.seed, r]));
  const both = a.filter((r) => base.has(r.seed) && score(r) !== null && score(base.get(r.seed)!) !== null);
  const diffs = both.map((r) => 100 * (score(r)! - score(base.get(r.seed)!)!));
  const { mean, std } = meanStd(diffs);
  const tie = 1e-9;
  return {
    seeds: both.map((r) => r.seed),
    diffs,
    mean,
    std,
    tally: [
      diffs.filter((x) => x > tie).length,
      diffs.filter((x) => Math.abs(x) <= tie).length,
      diffs.filter((x) => x < -tie).length,
    ],
  };
}

/** A difference in points with its sign ("+1.26", "−0.05"). */
export function signedPoints(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;
}

/**
 * The utility curves as a table: per task and method, the mean dev metric (and mean dev loss) over the runs
 * that have a curve, at each forced-dropout power; then the task's majority-class line (its score and the class
 * prior's entropy, the same at every power), so that a curve falling toward it reads as what it is. "" when no
 * run has a curve.
 */
export function utilityTable(results: RunResult[], baselines: readonly MajorityBaseline[] = []): string {
  const withCurve = results.filter((r) => r.utility.length > 0);
  if (withCurve.length === 0) return "";
  const powers = [...new Set(withCurve.flatMap((r) => r.utility.map((u) => u.power)))].sort((a, b) => a - b);
  const lines = [
    `| task | method | runs | ${powers.map((k) => `k = ${k}`).join(" | ")} |`,
    `|---|---|---|${powers.map(() => "---").join("|")}|`,
  ];
  for (const task of new Set(withCurve.map((r) => r.task))) {
    const rs = withCurve.filter((r) => r.task === task);
    for (const runs of groups(rs).values()) {
      const cells = powers.map((k) => {
        const at = runs.map((r) => r.utility.find((u) => u.power === k));
        const value = meanStd(at.map((u) => u?.value ?? NaN)).mean;
        const losses = at.map((u) => u?.loss ?? null);
        const loss = losses.every((l) => l !== null) ? ` / ${meanStd(losses).mean.toFixed(3)}` : "";
        return `${pct(value)}${loss}`;
      });
      lines.push(`| ${task} | ${runs[0].method} | ${runs.length} | ${cells.join(" | ")} |`);
    }
    const base = baselines.find((b) => b.task === task);
    if (base) {
      const cell = `${pct(base.value)} / ${base.entropy.toFixed(3)}`;
      lines.push(`| ${task} | ${majorityName(base)} | – | ${powers.map(() => cell).join(" | ")} |`);
    }
  }
  return lines.join("\n") + "\n";
}

/** How reports name a task's majority-class line. */
function majorityName(base: MajorityBaseline): string {
  return `majority class (always "${base.label}")`;
}

/**
 * Which runs kept their logs (train_log.jsonl and eval_log.jsonl in their folder): a count, and the runs that
 * did not (brought back or rebuilt without them), so that a report says what its curves over steps rest on.
 */
export function logsLine(results: RunResult[]): string {
  const has = (r: RunResult) =>
    existsSync(join(r.outputDir, RUN_FILES.steps)) && existsSync(join(r.outputDir, RUN_FILES.evals));
  const without = results.filter((r) => !has(r)).map((r) => `${r.task} ${r.method} seed ${r.seed}`);
  return (
    `Logs: ${results.length - without.length} of ${results.length} runs have their logs` +
    (without.length ? `; without: ${without.join(", ")}.` : ".")
  );
}

/** One line per task: the majority-class score on dev, its share and the class prior's entropy. */
export function majorityLines(baselines: readonly MajorityBaseline[]): string {
  return baselines
    .map(
      (b) =>
        `- ${b.task}: always predicting "${b.label}" (${pct(b.share)} % of ${b.examples} dev examples) scores ` +
        `${b.metric} ${pct(b.value)}; the class prior's entropy (the dev loss of predicting the class shares) ` +
        `is ${b.entropy.toFixed(3)}.`,
    )
    .join("\n");
}

/** QA: mean dev metric per method with only the first m distractor paragraphs kept; "" when no run has one. */
export function contextTable(results: RunResult[]): string {
  const withContext = results.filter((r) => r.context.length > 0);
  if (withContext.length === 0) return "";
  const sizes = [...new Set(withContext.flatMap((r) => r.context.map((c) => c.maxParagraphs)))];
  const lines = [
    `| task | method | seeds | ${sizes.map(distractorsLabel).join(" | ")} |`,
    `|---|---|---|${sizes.map(() => "---").join("|")}|`,
  ];
  for (const rs of groups(withContext).values()) {
    const cells = sizes.map((m) => {
      const v = meanStd(rs.map((r) => r.context.find((c) => c.maxParagraphs === m)?.value ?? NaN));
      return `${pct(v.mean)} ± ${pct(v.std)}`;
    });
    lines.push(`| ${rs[0].task} | ${rs[0].method} | ${rs.length} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}

function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/**
 * The logs `read` finds for each run, leaving out runs that have none: a run brought back without its logs, or
 * one whose machine was lost after its numbers were reported, counts in the tables but not in the curves.
 */
function logged<T>(runs: RunResult[], read: (r: RunResult) => T[]): T[][] {
  return runs.map(read).filter((log) => log.length > 0);
}

/** A method's curve label, saying how many of its runs the curve averages when that is not all of them. */
function curveLabel(method: string, withLogs: number, runs: number): string {
  return withLogs === runs ? method : `${method} (${withLogs} of ${runs} run${runs === 1 ? "" : "s"})`;
}

/** Mean of y over runs at each x that every run has. */
function meanCurve(curves: [number, number][][]): [number, number][] {
  if (curves.length === 0) return [];
  const maps = curves.map((c) => new Map(c));
  return curves[0]
    .map(([x]) => x)
    .filter((x) => maps.every((m) => m.has(x)))
    .map((x) => [x, maps.reduce((s, m) => s + m.get(x)!, 0) / maps.length] as [number, number]);
}

/** A Markdown table's rows as HTML rows (the first is the header). */
function htmlRows(markdown: string): string {
  return markdown
    .trim()
    .split("\n")
    .filter((_, i) => i !== 1)
    .map((line, i) => {
      const cells = line
        .split("|")
        .slice(1, -1)
        .map((c) => escapeXml(c.trim()));
      const tag = i === 0 ? "th" : "td";
      return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join("")}</tr>`;
    })
    .join("\n");
}

/** The self-contained HTML report with inline SVG plots. */
export function htmlReport(
  results: RunResult[],
  title: string,
  baselines: readonly MajorityBaseline[] = [],
): string {
  const sections: string[] = [];
  const tasks = [...new Set(results.map((r) => r.task))];
  for (const task of tasks) {
    const rs = results.filter((r) => r.task === task);
    const methods = [...new Set(rs.map((r) => r.method))];
    const metric = rs[0].metric;
    const devSeries: Series[] = methods.map((m, i) => {
      const runs = rs.filter((r) => r.method === m);
      const curves = logged(runs, (r) => {
        const scale = storedMetricScale(r.outputDir); // 100: a QA run from before EM/F1 were fractions
        return readJsonl<EvalRecord>(join(r.outputDir, RUN_FILES.evals)).map((e): [number, number] => [
          e.step,
          e.value / scale,
        ]);
      });
      return {
        name: curveLabel(m, curves.length, runs.length),
        color: COLORS[i % COLORS.length],
        points: meanCurve(curves),
      };
    });
    // Runs brought back from a GPU without weights may have no utility curve: the others' mean is drawn.
    const utilSeries: Series[] = methods.map((m, i) => {
      const runs = rs.filter((r) => r.method === m);
      const curves = logged(runs, (r) => r.utility.map((u): [number, number] => [u.power, u.value]));
      return {
        name: curveLabel(m, curves.length, runs.length),
        color: COLORS[i % COLORS.length],
        points: meanCurve(curves),
      };
    });
    // The majority class's score, flat across the powers the curves span.
    const base = baselines.find((b) => b.task === task);
    const powers = utilSeries.flatMap((s) => s.points.map(([k]) => k));
    if (base && powers.length > 0)
      utilSeries.push({
        name: majorityName(base),
        color: "#7f7f7f",
        dashed: true,
        points: [
          [Math.min(...powers), base.value],
          [Math.max(...powers), base.value],
        ],
      });
    const lossCharts = methods.map((m) => {
      const runs = rs.filter((r) => r.method === m);
      const steps = logged(runs, (r) => readJsonl<StepRecord>(join(r.outputDir, RUN_FILES.steps)));
      if (steps.length === 0) return "";
      const variants = steps[0]?.[0]?.variant_losses.length ?? 0;
      const window = Math.max(1, Math.round((steps[0]?.length ?? 1) / 60));
      const series: Series[] = Array.from({ length: variants }, (_, v) => ({
        name: v === 0 ? "full model" : m.startsWith("cmp") ? `ablation ${v}` : `pass ${v + 1}`,
        color: COLORS[v % COLORS.length],
        points: smooth(meanCurve(steps.map((s) => s.map((r) => [r.step, r.variant_losses[v]]))), window),
      }));
      return chartSvg(
        `${task} · ${curveLabel(m, steps.length, runs.length)}: training task loss per variant`,
        series,
      );
    });
    const contextSeries: Series[] = methods.map((m, i) => ({
      name: m,
      color: COLORS[i % COLORS.length],
      points: meanCurve(
        rs.filter((r) => r.method === m).map((r) => r.context.map((c) => [c.maxParagraphs, c.value])),
      ).sort((a, b) => a[0] - b[0]),
    }));
    // Runs brought back from a GPU without weights may have no utility curve.
    const utilityChart =
      powers.length > 0
        ? chartSvg(
            `${task}: utility curve, dev ${metric} vs forced dropout power`,
            utilSeries,
            "dropout power k",
          )
        : "";
    const contextChart = contextSeries.some((c) => c.points.length > 0)
      ? chartSvg(`${task}: dev ${metric} vs distractor paragraphs kept`, contextSeries, "distractors kept")
      : "";
    sections.push(
      `<h2>${escapeXml(task)}</h2>`,
      `<div class="row">${chartSvg(`${task}: dev ${metric} over steps (mean over seeds)`, devSeries)}` +
        `${utilityChart}${contextChart}</div>`,
      `<div class="row">${lossCharts.join("")}</div>`,
    );
  }
  const tables = [
    markdownTable(results),
    pairedTable(results),
    utilityTable(results, baselines),
    contextTable(results),
  ]
    .filter(Boolean)
    .map((md) => `<table>\n${htmlRows(md)}\n</table>`)
    .join("\n<p></p>\n");
  const majority = baselines.length
    ? `<ul>\n${majorityLines(baselines)
        .split("\n")
        .map((l) => `<li>${escapeXml(l.slice(2))}</li>`)
        .join("\n")}\n</ul>\n`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.row{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
${majority}${BEST_NOTE}
${tables}
${sections.join("\n")}
${results.some((r) => r.utility.length > 0) ? UTILITY_NOTE : ""}
</body></html>
`;
}

const BEST_NOTE = `<p>Best dev: the best of a run's evaluations on the very dev set it is reported on, so it is
optimistic; final dev: its last evaluation, chosen by nothing.</p>`;

const UTILITY_NOTE = `<p>Utility curve: the best checkpoint evaluated with dropout forced on at power k (rate 1 − (1 − p)^k) at every
site; a model that uses its neurons well degrades gracefully (SPEC §8).</p>`;

/** results.md: the tables, the majority-class lines, the paired differences, the utility and context curves. */
export function resultsMarkdown(
  results: RunResult[],
  title: string,
  baselines: readonly MajorityBaseline[] = [],
): string {
  const paired = pairedTable(results);
  const utility = utilityTable(results, baselines);
  const context = contextTable(results);
  return (
    `# ${title}\n\n` +
    "Best dev is the best of a run's evaluations on the very dev set it is reported on, so it is optimistic; " +
    "final dev is its last evaluation.\n\n" +
    markdownTable(results) +
    `\n${logsLine(results)}\n` +
    (baselines.length ? `\nMajority class:\n\n${majorityLines(baselines)}\n` : "") +
    (paired ? `\nPaired by seed:\n\n${paired}` : "") +
    (utility
      ? `\nUtility curve (best checkpoint, dropout forced on at power k; mean dev metric / dev loss):\n\n${utility}`
      : "") +
    (context ? `\nContext size (QA):\n\n${context}` : "")
  );
}

/**
 * Write results.json, results.md and report.html into `root`, atomically. `baselines`: the majority-class line of
 * each classification task (`majorityBaseline`), printed and drawn beside the utility curves.
 */
export function writeReports(
  root: string,
  results: RunResult[],
  title: string,
  baselines: readonly MajorityBaseline[] = [],
): void {
  writeFileAtomic(join(root, "results.json"), JSON.stringify(results, null, 2) + "\n");
  writeFileAtomic(join(root, "results.md"), resultsMarkdown(results, title, baselines));
  writeFileAtomic(join(root, "report.html"), htmlReport(results, title, baselines));
}
