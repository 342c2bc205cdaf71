/**
 * `npx tsx bench/engineAB.ts [--rounds 3] [--threads 1,2] [--only <preset>] [--out <file>]` — the engine patch
 * set, patch by patch, against the published @jax-js/jax and the PyTorch peer, all in the same run.
 *
 * Each round runs every variant once per configuration, in a rotated order (interleaved, so that a burst of
 * load on a shared machine hits all variants alike); the statistic is each variant's median over the rounds of
 * its per-run median step time. Variants (cmploss's train step through bench/stepTiming.ts, each in a fresh
 * process; the unpatched engines are copies made by scripts/apply-patches.mjs, loaded via bench/engineHook.mjs):
 *   published   @jax-js/jax 0.1.25 as on npm, relaxed SIMD off (CMPLOSS_RELAXED_SIMD=0) — main before issue 29
 *   +relaxed    the same engine with relaxed SIMD (fused multiply-add) on
 *   +01         and patch 01 (2 × 4 matmul register tile)
 *   +01+02      and patch 02 (4-lane exp/erf/erfc/reciprocal)
 *   +01+02+03   and patch 03 (row scatter: the embedding gradient) — and so on: the last is the installed
 *               engine, what users get (one variant per patch in patches/, cumulative)
 *   torch       bench/torch_step.py, same shapes and objective
 *   -NN         the installed engine without patch NN (only when --variants names it: a new patch's A/B)
 * Configurations: L2/H128 (32 × 64) c = 0 and 2, L4/H256 (16 × 128) c = 2 (and with `--only minilm-L6-H384-A12`
 * the MiniLM shapes at 4 × 256, c = 0: the QA study's micro-batch), batched (`--c`, `--only`,
 * `--variants` pick). Statistic: on one thread the CPU time of the process per step (its work; wall time on
 * a loaded machine is mostly waiting for a core), on two threads wall time.
 * Writes JSON (default bench/results/<date>-engine-ab.json) and prints a Markdown table.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { engineCopy, ROOT, runChild, stepTimingCommand } from "./engineChild.js";

const VOCAB = 8000;

const argv = process.argv.slice(2);
const opt = (flag: string, dflt: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const rounds = Number(opt("--rounds", "3"));
const threadList = opt("--threads", "1,2").split(",").map(Number);
const only = opt("--only", "");
const nDrops = opt("--c", "0,2").split(",").map(Number);
const variantArg = opt("--variants", "");
const out = path.resolve(
  opt("--out", `bench/results/${new Date().toISOString().slice(0, 10)}-engine-ab.json`),
);

const configs = [
  { preset: "bert-L2-H128-A2", batchSize: 32, seqLen: 64, nDrop: 0, warmup: 2, steps: 3 },
  { preset: "bert-L2-H128-A2", batchSize: 32, seqLen: 64, nDrop: 2, warmup: 2, steps: 3 },
  { preset: "bert-L4-H256-A4", batchSize: 16, seqLen: 128, nDrop: 2, warmup: 1, steps: 3 },
  // the QA study's micro-batch (MiniLM, T 256, 4 examples; attention at T 256): only with --only
  { preset: "minilm-L6-H384-A12", batchSize: 4, seqLen: 256, nDrop: 0, warmup: 1, steps: 3, onlyNamed: true },
].filter((c) => (only ? c.preset === only : !("onlyNamed" in c)) && nDrops.includes(c.nDrop));

const tmp = mkdtempSync(path.join(os.tmpdir(), "cmploss-engine-ab-"));
// The patches in name order; variant "+01+…+NN" is the engine with patches up to NN (the last: the installed one).
const patchNumbers = readdirSync(path.join(ROOT, "patches"))
  .map((f) => /^jax-[\d.]+-(\d\d)-/.exec(f)?.[1])
  .filter((n): n is string => n !== undefined)
  .sort();
const published = engineCopy(path.join(tmp, "published"), "all");

interface Variant {
  name: string;
  env: Record<string, string>;
  jaxDir?: string;
  torch?: boolean;
}
const allVariants: Variant[] = [
  { name: "published", env: { CMPLOSS_RELAXED_SIMD: "0" }, jaxDir: published },
  { name: "+relaxed", env: {}, jaxDir: published },
];
patchNumbers.forEach((n, i) => {
  const name = `+${patchNumbers.slice(0, i + 1).join("+")}`;
  const later = patchNumbers.slice(i + 1);
  if (later.length === 0) {
    allVariants.push({ name, env: {} });
    return;
  }
  allVariants.push({ name, env: {}, jaxDir: engineCopy(path.join(tmp, `upto${n}`), later) });
});
allVariants.push({ name: "torch", env: {}, torch: true });
// "-NN" (only when named in --variants): the installed engine without patch NN, e.g. a new patch's A/B.
for (const name of variantArg.split(",").filter((n) => /^-\d\d$/.test(n))) {
  const dir = engineCopy(path.join(tmp, `without${name.slice(1)}`), [name.slice(1)]);
  allVariants.push({ name, env: {}, jaxDir: dir });
}
const variants = variantArg ? allVariants.filter((v) => variantArg.split(",").includes(v.name)) : allVariants;
const installed = allVariants[allVariants.findIndex((v) => v.torch) - 1].name;
// As bench/run.ts: CMPLOSS_BENCH_PYTHON, else the dev venv, else python3.
const python =
  process.env.CMPLOSS_BENCH_PYTHON ??
  (existsSync(path.join(ROOT, "dev/python/.venv/bin/python"))
    ? path.join(ROOT, "dev/python/.venv/bin/python")
    : "python3");

interface Row {
  preset: string;
  nDrop: number;
  threads: number;
  variant: string;
  round: number;
  median_ms: number | null;
  /** CPU time of the process per step: with one thread and a shared machine, the better measure. */
  median_cpu_ms?: number;
  ms_per_step?: number[];
  cpu_ms_per_step?: number[];
  losses?: number[];
  peak_rss_mb?: number;
  load_1m: number;
  error?: string;
}
const rows: Row[] = [];

function runOne(cfg: (typeof configs)[number], threads: number, v: Variant, round: number): Row {
  const args = { ...cfg, mode: "batched", vocab: VOCAB, jit: true, threads };
  const load_1m = Math.round(os.loadavg()[0] * 100) / 100;
  const command = v.torch
    ? { cmd: python, args: [path.join(ROOT, "bench/torch_step.py"), JSON.stringify(args)] }
    : stepTimingCommand(args, v.jaxDir);
  const r = runChild<{
    median_ms: number;
    median_cpu_ms: number;
    ms_per_step: number[];
    cpu_ms_per_step: number[];
    losses: number[];
    peak_rss_mb: number;
  }>(command, { env: { CMPLOSS_THREADS: String(threads), ...v.env }, jaxDir: v.jaxDir, timeoutMs: 600_000 });
  const base = { preset: cfg.preset, nDrop: cfg.nDrop, threads, variant: v.name, round, load_1m };
  if ("error" in r) return { ...base, median_ms: null, error: r.error };
  const t = r.value;
  return {
    ...base,
    median_ms: t.median_ms,
    median_cpu_ms: t.median_cpu_ms,
    ms_per_step: t.ms_per_step,
    cpu_ms_per_step: t.cpu_ms_per_step,
    losses: t.losses,
    peak_rss_mb: t.peak_rss_mb,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const started = new Date();
let k = 0;
for (let round = 0; round < rounds; round++) {
  for (const cfg of configs) {
    for (const threads of threadList) {
      // Rotate the order each time: no variant always runs first (or right after the heaviest one).
      const order = variants.map((_, i) => variants[(i + k) % variants.length]);
      k++;
      for (const v of order) {
        const row = runOne(cfg, threads, v, round);
        rows.push(row);
        process.stderr.write(
          `round ${round + 1}/${rounds} ${cfg.preset} c=${cfg.nDrop} ${threads} thr ${v.name}: ` +
            `${row.median_ms ?? row.error} ms, cpu ${row.median_cpu_ms} ms (load ${row.load_1m})\n`,
        );
      }
    }
  }
}
rmSync(tmp, { recursive: true, force: true });

// One thread: CPU time per step (the work; wall time on a loaded machine is mostly waiting). Two threads: wall.
const measure = (r: Row) => (r.threads === 1 ? (r.median_cpu_ms ?? null) : r.median_ms);
const summary: Record<string, Record<string, number | null>> = {};
for (const cfg of configs) {
  for (const threads of threadList) {
    const key = `${cfg.preset} c=${cfg.nDrop} ${threads}thr`;
    summary[key] = {};
    for (const v of variants) {
      const ms = rows
        .filter(
          (r) =>
            r.preset === cfg.preset && r.nDrop === cfg.nDrop && r.threads === threads && r.variant === v.name,
        )
        .map(measure)
        .filter((x): x is number => x !== null);
      summary[key][v.name] = ms.length ? Math.round(median(ms) * 10) / 10 : null;
    }
  }
}
const loads = rows.map((r) => r.load_1m);
const meta = {
  date: started.toISOString(),
  wall_s: Math.round((Date.now() - started.getTime()) / 1000),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.availableParallelism(),
  rounds,
  load_1m: { min: Math.min(...loads), max: Math.max(...loads) },
  note:
    "shared machine: other sessions ran tests and trainings; variants interleaved, medians over rounds; " +
    "summary: 1 thread = median CPU ms per step of the process, 2 threads = median wall ms",
};
writeFileSync(out, JSON.stringify({ meta, summary, rows }, null, 2) + "\n");

const names = variants.map((v) => v.name);
const without = names.filter((n) => n.startsWith("-"));
const header =
  `| configuration | ${names.join(" | ")} | ${installed} / published | ${installed} / torch | published / torch |` +
  without.map((n) => ` installed / ${n} |`).join("");
const lines = [header, "|" + " --- |".repeat(names.length + 4 + without.length)];
const ratio = (x: number | null | undefined, y: number | null | undefined) =>
  x && y ? (x / y).toFixed(2) : "–";
for (const [key, s] of Object.entries(summary)) {
  lines.push(
    `| ${key} | ${names.map((n) => s[n] ?? "–").join(" | ")} | ` +
      `${ratio(s[installed], s.published)} | ${ratio(s[installed], s.torch)} | ${ratio(s.published, s.torch)} |` +
      without.map((n) => ` ${ratio(s[installed], s[n])} |`).join(""),
  );
}
console.log(lines.join("\n"));
console.log(
  `\n${rows.length} runs in ${meta.wall_s} s, load ${meta.load_1m.min}–${meta.load_1m.max}; JSON: ${out}`,
);
