/**
 * `npm run bench` — CPU train-step benchmark of cmploss (jax-js, wasm backend) against a PyTorch peer.
 *
 *   tsx bench/run.ts [--json] [--quick] [--only <preset>] [--out <file>] [--no-torch] [--no-skip]
 *                    [--device wasm|webgpu] [--torch-device cpu|cuda]   (the GPU half: scripts/gpu-bench.sh)
 *   re-run a subset into a recorded file (keeps each configuration's faster median):
 *                    [--threads 1,2] [--c 0,2,4] [--impl ts,torch] [--mode batched,sequential] --merge <file>
 *   print the tables of a recorded file:  --report <file>
 *
 * Every configuration runs in a fresh child process, because jax-js sizes its worker pool when it loads:
 * `bench/stepTiming.ts` for cmploss (CMPLOSS_THREADS=1 and =2) and `bench/torch_step.py` for PyTorch
 * (`torch.set_num_threads(1 | 2)`), both timing the median of the steady-state steps after warm-up.
 * Shapes: each preset × c ∈ {0, 2, 4} × {batched, sequential} (sequential only for c > 0).
 *
 * This is a benchmark, not a test: it always exits 0 when it could run, and records failed configurations
 * (e.g. the 4 GiB wasm memory32 limit) in its output. Results go to `bench/results/latest.json`; `--json`
 * also prints them, otherwise Markdown tables are printed. Progress goes to stderr.
 *
 * Environment: CMPLOSS_BENCH_PYTHON picks the Python with torch (default: dev/python/.venv/bin/python, then
 * python3); the peer is skipped, with a note, when none has torch.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StepTiming, StepTimingArgs } from "./stepTiming.js";

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), "..");
/** Compiled (scripts/device-build.sh) the bench runs on plain Node; from source it needs tsx. */
const COMPILED = HERE.endsWith(".js");
const VOCAB = 8000;
/** On WebGPU (and for PyTorch on CUDA) the host thread count does not matter: one column. */
const onGpu = () => process.env.CMPLOSS_DEVICE === "webgpu";
const threadCounts = () => (onGpu() ? [1] : [1, 2]);
const NDROPS = [0, 2, 4];
/** jax-js's wasm backend uses 32-bit linear memory: no heap above 4 GiB. */
const WASM_LIMIT_MB = 4096;
const CHILD_TIMEOUT_S = Number(process.env.CMPLOSS_BENCH_CHILD_TIMEOUT_S ?? 420);

interface Shape {
  preset: string;
  batchSize: number;
  seqLen: number;
  /** Part of `--quick`. */
  quick: boolean;
}

const SHAPES: Shape[] = [
  { preset: "bert-L2-H128-A2", batchSize: 32, seqLen: 64, quick: true },
  { preset: "bert-L4-H256-A4", batchSize: 16, seqLen: 128, quick: true },
  { preset: "minilm-L6-H384-A12", batchSize: 16, seqLen: 128, quick: false },
];

type Impl = "ts" | "torch";
type Mode = StepTimingArgs["mode"];

interface Config {
  impl: Impl;
  preset: string;
  nDrop: number;
  mode: Mode;
  threads: number;
  batchSize: number;
  seqLen: number;
  warmup: number;
  steps: number;
}

interface Run extends Config {
  status: "ok" | "failed" | "skipped";
  /** Why it failed or was skipped. */
  reason?: string;
  median_ms?: number;
  /** CPU time of the child process per step (median; its work, not its wait on a shared machine). */
  median_cpu_ms?: number;
  ms_per_step?: number[];
  examples_per_s?: number;
  peak_rss_mb?: number;
  /** PyTorch on CUDA: torch.cuda.max_memory_allocated. */
  peak_gpu_mb?: number;
  losses?: number[];
  /** Wall time of the child process, including start-up and compilation. */
  wall_s?: number;
  /** 1-minute load average when the child started (the CPU may be shared). */
  load_1m: number;
  /** Set by `--merge`: this configuration ran more than once; the other run of the last merge. */
  rerun?: {
    date: string;
    /** How many times this configuration has run, all merges together. */
    runs: number;
    other: { median_ms: number | null; load_1m: number; status: Run["status"] };
  };
}

interface Options {
  json: boolean;
  quick: boolean;
  only: string | null;
  out: string | null;
  /** Re-run into an earlier result file: its matching runs are replaced, the rest kept. */
  merge: string | null;
  /** Only print the tables of an earlier result file (run nothing). */
  report: string | null;
  torch: boolean;
  skip: boolean;
  /** Subsets (for re-running noisy rows); null = all. */
  threads: number[] | null;
  nDrops: number[] | null;
  impls: Impl[] | null;
  modes: Mode[] | null;
}

const USAGE =
  "usage: tsx bench/run.ts [--json] [--quick] [--only <preset>] [--out <file>] [--merge <file>] " +
  "[--report <file>] [--threads 1,2] [--c 0,2,4] [--impl ts,torch] [--mode batched,sequential,accumulate] [--no-torch] [--no-skip] [--device wasm|webgpu] [--torch-device cpu|cuda]";

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    quick: false,
    only: null,
    out: null,
    merge: null,
    report: null,
    torch: true,
    skip: true,
    threads: null,
    nDrops: null,
    impls: null,
    modes: null,
  };
  const list = (flag: string, v: string, allowed: readonly string[]) => {
    const xs = v.split(",").map((x) => x.trim());
    const bad = xs.filter((x) => !allowed.includes(x));
    if (bad.length)
      throw new Error(`${flag}: unknown value(s) ${bad.join(", ")}; expected ${allowed.join(", ")}`);
    return xs;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") o.json = true;
    else if (a === "--quick") o.quick = true;
    else if (a === "--no-torch") o.torch = false;
    else if (a === "--no-skip") o.skip = false;
    else if (a === "--device" || a === "--torch-device") {
      // Children inherit the environment: stepTiming.ts reads CMPLOSS_DEVICE, torch_step.py CMPLOSS_TORCH_DEVICE.
      const v = argv[++i];
      const allowed = a === "--device" ? ["wasm", "webgpu"] : ["cpu", "cuda"];
      if (!v || !allowed.includes(v)) throw new Error(`${a}: expected ${allowed.join(" or ")}, got ${v}`);
      process.env[a === "--device" ? "CMPLOSS_DEVICE" : "CMPLOSS_TORCH_DEVICE"] = v;
    } else if (
      ["--only", "--out", "--merge", "--report", "--threads", "--c", "--impl", "--mode"].includes(a)
    ) {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value; ${USAGE}`);
      if (a === "--only") o.only = v;
      else if (a === "--report") o.report = v;
      else if (a === "--out") o.out = v;
      else if (a === "--merge") o.merge = v;
      else if (a === "--threads") o.threads = list(a, v, ["1", "2"]).map(Number);
      else if (a === "--c") o.nDrops = list(a, v, NDROPS.map(String)).map(Number);
      else if (a === "--impl") o.impls = list(a, v, ["ts", "torch"]) as Impl[];
      else o.modes = list(a, v, ["batched", "sequential", "accumulate"]) as Mode[];
    } else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  if (o.only && !SHAPES.some((s) => s.preset === o.only)) {
    throw new Error(
      `--only: unknown preset ${o.only}; expected one of ${SHAPES.map((s) => s.preset).join(", ")}`,
    );
  }
  return o;
}

/**
 * Steps per configuration, chosen so the default run stays under 15 minutes on 2 cores: 3 timed steps after
 * 1 warm-up step (which compiles; the second step is already at steady state), or 2 warm-up steps for the
 * tiny preset, whose steps are cheap. `--quick` (under 4 minutes) times c ∈ {0, 2} only, sequential mode
 * on the tiny preset only, with 1 warm-up step and 2 timed ones (their mean).
 */
function stepsFor(shape: Shape, quick: boolean): { warmup: number; steps: number } {
  // GPU steps are cheap and noisier (clock ramp-up, async queues): more warm-up, more timed steps.
  if (onGpu()) return quick ? { warmup: 2, steps: 5 } : { warmup: 3, steps: 10 };
  if (quick) return { warmup: 1, steps: 2 };
  return { warmup: shape.preset === "bert-L2-H128-A2" ? 2 : 1, steps: 3 };
}

/** `--quick` compares batched with sequential on the first (tiny) preset only. */
function sequentialFor(shape: Shape, quick: boolean): Mode[] {
  return !quick || shape === SHAPES[0] ? ["sequential"] : [];
}

function nDropsFor(quick: boolean): number[] {
  return quick ? NDROPS.filter((c) => c <= 2) : NDROPS;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

// ---------------------------------------------------------------------------------------------- children

interface ChildOutput {
  ok: boolean;
  json?: Record<string, unknown>;
  reason?: string;
  wall_s: number;
}

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildOutput {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: CHILD_TIMEOUT_S * 1000,
    killSignal: "SIGKILL",
    maxBuffer: 16 * 1024 * 1024,
  });
  const wall_s = Math.round((performance.now() - t0) / 100) / 10;
  const line = (r.stdout ?? "")
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (r.status === 0 && line) return { ok: true, json: JSON.parse(line) as Record<string, unknown>, wall_s };
  if (r.error || r.signal) {
    return {
      ok: false,
      reason: r.signal ? `killed by ${r.signal} (timeout ${CHILD_TIMEOUT_S} s?)` : String(r.error),
      wall_s,
    };
  }
  const stderr = (r.stderr ?? "").split("\n");
  const err = [...stderr].reverse().find((l) => /^\w*(Error|Exception)\b.*:/.test(l.trim()));
  return {
    ok: false,
    reason: (err ?? stderr.filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`).trim(),
    wall_s,
  };
}

interface Python {
  bin: string;
  version: string;
}

function findTorch(): Python | null {
  const candidates = [
    process.env.CMPLOSS_BENCH_PYTHON,
    path.join(ROOT, "dev/python/.venv/bin/python"),
    "python3",
  ];
  for (const bin of candidates) {
    if (!bin || (bin.includes("/") && !existsSync(bin))) continue;
    const r = spawnSync(bin, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (r.status === 0) return { bin, version: r.stdout.trim() };
  }
  return null;
}

/** `torch.__config__.parallel_info()` (first lines) as each thread count's child reported it. */
const torchParallelInfo: Record<string, string[]> = {};

function execute(cfg: Config, python: Python | null): Run {
  const load_1m = Math.round(os.loadavg()[0] * 100) / 100;
  const args: StepTimingArgs & { threads?: number } = {
    preset: cfg.preset,
    nDrop: cfg.nDrop,
    mode: cfg.mode,
    batchSize: cfg.batchSize,
    seqLen: cfg.seqLen,
    vocab: VOCAB,
    steps: cfg.steps,
    warmup: cfg.warmup,
    jit: true,
  };
  let out: ChildOutput;
  if (cfg.impl === "ts") {
    const child = COMPILED
      ? [path.join(ROOT, "bench/stepTiming.js")]
      : ["--import", "tsx", path.join(ROOT, "bench/stepTiming.ts")];
    out = runChild(process.execPath, [...child, JSON.stringify(args)], {
      ...process.env,
      CMPLOSS_THREADS: String(cfg.threads),
    });
  } else {
    args.threads = cfg.threads;
    out = runChild(python!.bin, [path.join(ROOT, "bench/torch_step.py"), JSON.stringify(args)], process.env);
  }
  if (!out.ok) return { ...cfg, status: "failed", reason: out.reason, wall_s: out.wall_s, load_1m };
  const t = out.json as unknown as StepTiming & { torch_parallel_info?: string[]; peak_gpu_mb?: number };
  if (t.torch_parallel_info) torchParallelInfo[`threads${cfg.threads}`] ??= t.torch_parallel_info;
  return {
    ...cfg,
    status: "ok",
    median_ms: Math.round(t.median_ms * 10) / 10,
    ...(t.median_cpu_ms !== undefined ? { median_cpu_ms: Math.round(t.median_cpu_ms * 10) / 10 } : {}),
    ms_per_step: t.ms_per_step,
    examples_per_s: Math.round(t.examples_per_s * 10) / 10,
    peak_rss_mb: t.peak_rss_mb,
    ...(t.peak_gpu_mb !== undefined ? { peak_gpu_mb: t.peak_gpu_mb } : {}),
    losses: t.losses.map((l) => Math.round(l * 1e5) / 1e5),
    wall_s: out.wall_s,
    load_1m,
  };
}

/** Peak RSS of a process that has loaded jax-js but holds no model (about; measured 250–300 MB). */
const RUNTIME_RSS_MB = 300;

/**
 * Whether a cmploss configuration cannot fit the 4 GiB wasm heap, judged from runs already made: the same
 * configuration, or a smaller c of the same preset and mode, failed (or was judged) out of memory; or the peak
 * RSS extrapolated in the number of variants clearly exceeds the limit. With two measured c the extrapolation
 * is linear; with c = 0 alone it assumes each extra variant needs at least 60% of the c = 0 model's memory
 * (measured: 75–80%), so it errs towards running.
 */
function predictedOom(cfg: Config, done: Run[]): string | null {
  const same = done.filter((r) => r.impl === "ts" && r.preset === cfg.preset);
  const failed = same.find((r) => isMemoryFailure(r) && r.nDrop <= cfg.nDrop && r.mode === cfg.mode);
  if (failed) {
    const what = `c=${failed.nDrop} ${failed.mode} (threads ${failed.threads})`;
    return failed.status === "failed" ? `not run: ${what} ran out of the 4 GiB wasm heap` : failed.reason!;
  }
  const rss = (c: number) =>
    same.find((r) => r.status === "ok" && r.nDrop === c && (c === 0 || r.mode === "batched"))?.peak_rss_mb;
  const known = NDROPS.filter((c) => c < cfg.nDrop && rss(c) !== undefined);
  let predicted: number;
  let from: string;
  if (known.length >= 2) {
    const [a, b] = known.slice(-2);
    predicted = rss(b)! + ((rss(b)! - rss(a)!) / (b - a)) * (cfg.nDrop - b);
    from = `c=${a},${b}`;
  } else if (known.length === 1 && known[0] === 0) {
    predicted = rss(0)! + 0.6 * cfg.nDrop * Math.max(0, rss(0)! - RUNTIME_RSS_MB);
    from = "c=0";
  } else return null;
  if (predicted > WASM_LIMIT_MB + 256) {
    return `not run: peak RSS extrapolated from ${from} is ≥ ${Math.round(predicted)} MB, over the 4 GiB wasm heap`;
  }
  return null;
}

function isMemoryFailure(run: Run): boolean {
  return run.status !== "ok" && /memory32|out of memory|wasm heap/i.test(run.reason ?? "");
}

// ---------------------------------------------------------------------------------------------- summary

interface Ratio {
  preset: string;
  nDrop: number;
  mode: Mode;
  impl?: Impl;
  threads: number;
  value: number | null;
}

function find(
  runs: Run[],
  impl: Impl,
  preset: string,
  nDrop: number,
  mode: Mode,
  threads: number,
): Run | undefined {
  return runs.find(
    (r) =>
      r.status === "ok" &&
      r.impl === impl &&
      r.preset === preset &&
      r.nDrop === nDrop &&
      r.threads === threads &&
      (nDrop === 0 || r.mode === mode),
  );
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function summarise(runs: Run[], presets: string[]) {
  const tsVsTorch: Ratio[] = [];
  const overhead: Ratio[] = [];
  const batchedSpeedup: Ratio[] = [];
  for (const preset of presets) {
    for (const nDrop of NDROPS) {
      for (const mode of nDrop === 0 ? (["batched"] as Mode[]) : (["batched", "sequential"] as Mode[])) {
        for (const threads of threadCounts()) {
          const ts = find(runs, "ts", preset, nDrop, mode, threads);
          const pt = find(runs, "torch", preset, nDrop, mode, threads);
          tsVsTorch.push({
            preset,
            nDrop,
            mode,
            threads,
            value: ts && pt ? round3(ts.median_ms! / pt.median_ms!) : null,
          });
          if (nDrop === 0) continue;
          for (const impl of ["ts", "torch"] as Impl[]) {
            const step = find(runs, impl, preset, nDrop, mode, threads);
            const base = find(runs, impl, preset, 0, "batched", threads);
            overhead.push({
              preset,
              nDrop,
              mode,
              impl,
              threads,
              value: step && base ? round3(step.median_ms! / ((1 + nDrop) * base.median_ms!)) : null,
            });
            if (mode === "sequential") {
              const batched = find(runs, impl, preset, nDrop, "batched", threads);
              batchedSpeedup.push({
                preset,
                nDrop,
                mode,
                impl,
                threads,
                value: step && batched ? round3(step.median_ms! / batched.median_ms!) : null,
              });
            }
          }
        }
      }
    }
  }
  const geomean = (xs: Ratio[]) => {
    const v = xs.map((x) => x.value).filter((x): x is number => x !== null && x > 0);
    return v.length ? round3(Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length)) : null;
  };
  return {
    /** ms(cmploss) / ms(PyTorch) at equal threads and the same configuration. */
    tsVsTorch,
    /** step(c) / ((1 + c) · step(0)): below 1, c + 1 variants cost less than c + 1 plain steps. */
    overhead,
    /** step(sequential) / step(batched) at the same c: above 1, batching the variants pays. */
    batchedSpeedup,
    geomean: {
      tsVsTorch: Object.fromEntries(
        threadCounts().map((t) => [`threads${t}`, geomean(tsVsTorch.filter((r) => r.threads === t))]),
      ),
      batchedSpeedup: Object.fromEntries(
        (["ts", "torch"] as Impl[]).map((impl) => [
          impl,
          geomean(batchedSpeedup.filter((r) => r.impl === impl)),
        ]),
      ),
    },
  };
}

// ---------------------------------------------------------------------------------------------- tables

const fmt = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined ? "—" : x.toFixed(digits);
const label = (impl: Impl) => (impl === "ts" ? "cmploss" : "PyTorch");

function table(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

function markdown(runs: Run[], summary: ReturnType<typeof summarise>, shapes: Shape[]): string {
  const out: string[] = [];
  for (const shape of shapes) {
    const preset = shape.preset;
    out.push(`### ${preset} (B ${shape.batchSize}, T ${shape.seqLen}, vocab ${VOCAB})\n`);
    const rows: (string | number)[][] = [];
    for (const r of runs.filter((x) => x.preset === preset)) {
      const ratio = summary.tsVsTorch.find(
        (x) => x.preset === preset && x.nDrop === r.nDrop && x.mode === r.mode && x.threads === r.threads,
      );
      rows.push([
        r.nDrop,
        r.nDrop === 0 ? "plain" : r.mode,
        label(r.impl),
        r.threads,
        r.status === "ok" ? fmt(r.median_ms) : r.status,
        fmt(r.examples_per_s, 1),
        fmt(r.peak_rss_mb),
        r.impl === "ts" ? fmt(ratio?.value, 2) : "",
        r.status !== "ok"
          ? (r.reason ?? "")
          : r.rerun
            ? `fastest of ${r.rerun.runs} runs (last other: ${r.rerun.other.status === "ok" ? `${fmt(r.rerun.other.median_ms)} ms` : r.rerun.other.status}, load ${fmt(r.rerun.other.load_1m, 1)})`
            : "",
      ]);
    }
    out.push(
      table(
        ["c", "mode", "impl", "threads", "ms/step", "examples/s", "peak RSS MB", "cmploss/PyTorch", "note"],
        rows,
      ),
      "",
    );
    const cols = threadCounts().flatMap((t) => (["ts", "torch"] as Impl[]).map((impl) => ({ impl, t })));
    const ratioRows = (xs: Ratio[], modes: Mode[]) =>
      NDROPS.filter((c) => c > 0)
        .flatMap((c) =>
          modes.map((mode) => [
            c,
            mode,
            ...cols.map(({ impl, t }) =>
              fmt(
                xs.find(
                  (x) =>
                    x.preset === preset &&
                    x.nDrop === c &&
                    x.mode === mode &&
                    x.impl === impl &&
                    x.threads === t,
                )?.value,
                2,
              ),
            ),
          ]),
        )
        .filter((row) => row.slice(2).some((v) => v !== "—"));
    const colNames = cols.map(({ impl, t }) => `${label(impl)} ${t}t`);
    const overhead = ratioRows(summary.overhead, ["batched", "sequential"]);
    if (overhead.length) {
      out.push(
        "CmpLoss overhead, step(c) / ((1 + c) · step(0)):\n",
        table(["c", "mode", ...colNames], overhead),
        "",
      );
    }
    const speedup = ratioRows(summary.batchedSpeedup, ["sequential"]);
    if (speedup.length) {
      out.push(
        "Batched speedup, step(sequential) / step(batched):\n",
        table(["c", "mode", ...colNames], speedup),
        "",
      );
    }
  }
  out.push(
    `Geometric means — cmploss/PyTorch: ${threadCounts()
      .map((t) => `${t} thread(s) ${fmt(summary.geomean.tsVsTorch[`threads${t}`], 2)}`)
      .join(", ")}; ` +
      `batched speedup: cmploss ${fmt(summary.geomean.batchedSpeedup.ts, 2)}, PyTorch ${fmt(summary.geomean.batchedSpeedup.torch, 2)}.`,
  );
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------- main

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return m ? m[1] : (os.cpus()[0]?.model ?? "unknown");
  } catch {
    return os.cpus()[0]?.model ?? "unknown";
  }
}

/** The NVIDIA GPU's name and driver, when `nvidia-smi` is there. */
function gpuName(): string | null {
  const r = spawnSync("nvidia-smi", ["--query-gpu=name,driver_version", "--format=csv,noheader"], {
    encoding: "utf8",
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

function git(args: string[]): string | null {
  const r = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function writeJson(file: string, data: unknown): Promise<void> {
  let text = JSON.stringify(data, null, 2) + "\n";
  try {
    const prettier = await import("prettier");
    const config = (await prettier.resolveConfig(file)) ?? {};
    text = await prettier.format(text, { ...config, parser: "json" });
  } catch {
    // prettier is a dev dependency; unformatted JSON is still valid JSON
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

type Result = {
  meta: Record<string, unknown> & { reruns?: unknown[] };
  runs: Run[];
  summary: ReturnType<typeof summarise>;
};

const sameConfig = (a: Config, b: Config) =>
  a.impl === b.impl &&
  a.preset === b.preset &&
  a.nDrop === b.nDrop &&
  a.mode === b.mode &&
  a.threads === b.threads;

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.report) {
    const earlier = JSON.parse(readFileSync(opts.report, "utf8")) as Result;
    // A GPU file has one thread column: print it as it was measured.
    const recorded = (earlier.meta.device as { cmploss?: string } | undefined)?.cmploss;
    if (recorded) process.env.CMPLOSS_DEVICE = recorded;
    const presets = new Set(earlier.runs.map((r) => r.preset));
    console.log(
      markdown(
        earlier.runs,
        earlier.summary,
        SHAPES.filter((s) => presets.has(s.preset)),
      ),
    );
    return;
  }
  const shapes = SHAPES.filter((s) => (opts.only ? s.preset === opts.only : !opts.quick || s.quick));
  const python = opts.torch && (opts.impls ?? ["torch"]).includes("torch") ? findTorch() : null;
  const torchNote = !opts.torch
    ? "PyTorch peer skipped (--no-torch)"
    : python || !(opts.impls ?? ["torch"]).includes("torch")
      ? null
      : "PyTorch peer skipped: no Python with torch (set CMPLOSS_BENCH_PYTHON, or install torch into dev/python/.venv)";
  if (torchNote) log(torchNote);
  const base: Result | null = opts.merge ? (JSON.parse(readFileSync(opts.merge, "utf8")) as Result) : null;
  const started = new Date();
  const t0 = performance.now();
  const loadStart = os.loadavg();
  const runs: Run[] = [];

  for (const shape of shapes) {
    const { warmup, steps } = stepsFor(shape, opts.quick);
    for (const nDrop of nDropsFor(opts.quick).filter((c) => !opts.nDrops || opts.nDrops.includes(c))) {
      // accumulate (the low-memory mode) only when asked for with --mode.
      const modes: Mode[] =
        nDrop === 0
          ? ["batched"]
          : [
              "batched",
              ...sequentialFor(shape, opts.quick),
              ...(opts.modes?.includes("accumulate") ? (["accumulate"] as Mode[]) : []),
            ];
      for (const mode of modes.filter((m) => nDrop === 0 || !opts.modes || opts.modes.includes(m))) {
        for (const threads of threadCounts().filter((t) => !opts.threads || opts.threads.includes(t))) {
          // cmploss and PyTorch back to back, so both see the same load on a shared machine.
          const impls = (python ? ["ts", "torch"] : ["ts"]) as Impl[];
          for (const impl of impls.filter((x) => !opts.impls || opts.impls.includes(x))) {
            const cfg: Config = { impl, ...shape, nDrop, mode, threads, warmup, steps };
            delete (cfg as Partial<Shape>).quick;
            const known = [...runs, ...(base?.runs ?? []).filter((r) => !runs.some((x) => sameConfig(x, r)))];
            // The 4 GiB limit is the wasm heap's; WebGPU buffers live on the GPU.
            const skip = impl === "ts" && opts.skip && !onGpu() ? predictedOom(cfg, known) : null;
            const tag = `${shape.preset} c=${nDrop} ${nDrop === 0 ? "plain" : mode} ${label(impl)} ${threads}t`;
            if (skip) {
              runs.push({ ...cfg, status: "skipped", reason: skip, load_1m: os.loadavg()[0] });
              log(`${tag}: ${skip}`);
              continue;
            }
            const run = execute(cfg, python);
            runs.push(run);
            if (run.status === "ok") {
              log(
                `${tag}: ${run.median_ms} ms/step (cpu ${run.median_cpu_ms ?? "?"} ms), ${run.peak_rss_mb} MB (${run.wall_s} s, load ${run.load_1m})`,
              );
            } else log(`${tag}: FAILED — ${run.reason} (${run.wall_s} s)`);
          }
        }
      }
    }
  }

  const meta = {
    date: started.toISOString(),
    wall_s: Math.round((performance.now() - t0) / 1000),
    argv: process.argv.slice(2),
    quick: opts.quick,
    machine: {
      nproc: os.availableParallelism(),
      cpu: cpuModel(),
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      load_avg_start: loadStart.map((x) => Math.round(x * 100) / 100),
      load_avg_end: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    device: {
      cmploss: process.env.CMPLOSS_DEVICE ?? "wasm",
      torch: process.env.CMPLOSS_TORCH_DEVICE ?? "cpu",
      gpu: gpuName(),
    },
    node: process.version,
    jax_js: readPackageVersion("@jax-js/jax"),
    git: {
      commit: git(["rev-parse", "--short", "HEAD"]),
      dirty: (git(["status", "--porcelain"]) ?? "") !== "",
    },
    protocol: {
      vocab: VOCAB,
      jit: true,
      statistic: "median of the timed steps after warm-up; each configuration in a fresh process",
      steps: Object.fromEntries(shapes.map((s) => [s.preset, stepsFor(s, opts.quick)])),
    },
    torch: python
      ? {
          python: python.bin,
          version: python.version,
          ...torchConfig(python),
          parallel_info: torchParallelInfo,
        }
      : { skipped: torchNote },
  };
  let result: Result;
  if (base) {
    // A re-run replaces its configuration only when it is faster: on a shared machine contention only adds
    // time, so the faster median is the better estimate. A run beats a failure, and a failure (evidence)
    // beats a skip. The other one is kept in `rerun`.
    const merged = base.runs.map((old) => {
      const fresh = runs.find((r) => sameConfig(r, old));
      if (!fresh) return old;
      const rank = { ok: 2, failed: 1, skipped: 0 } as const;
      const freshWins =
        fresh.status === "ok" && old.status === "ok"
          ? fresh.median_ms! < old.median_ms!
          : rank[fresh.status] > rank[old.status];
      const [kept, other] = freshWins ? [fresh, old] : [old, fresh];
      const slower = { median_ms: other.median_ms ?? null, load_1m: other.load_1m, status: other.status };
      return { ...kept, rerun: { date: meta.date, runs: (old.rerun?.runs ?? 1) + 1, other: slower } };
    });
    for (const r of runs) if (!base.runs.some((old) => sameConfig(r, old))) merged.push(r);
    const presets = [...new Set(merged.map((r) => r.preset))];
    result = {
      meta: { ...base.meta, reruns: [...(base.meta.reruns ?? []), meta] },
      runs: merged,
      summary: summarise(merged, presets),
    };
    await writeJson(path.resolve(opts.merge!), result);
  } else {
    result = {
      meta,
      runs,
      summary: summarise(
        runs,
        shapes.map((s) => s.preset),
      ),
    };
  }
  await writeJson(path.join(ROOT, "bench/results/latest.json"), result);
  if (opts.out) await writeJson(path.resolve(opts.out), result);
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else {
    const presets = new Set(result.runs.map((r) => r.preset));
    console.log(
      markdown(
        result.runs,
        result.summary,
        SHAPES.filter((s) => presets.has(s.preset)),
      ),
    );
    if (torchNote) console.log(`\n${torchNote}`);
    console.log(
      `\n${runs.length} configurations run in ${meta.wall_s} s; results in bench/results/latest.json`,
    );
  }
}

function readPackageVersion(name: string): string | null {
  // Compiled into .gpu/out, the dependencies sit one folder up.
  for (const dir of [ROOT, path.dirname(ROOT)]) {
    try {
      const file = path.join(dir, "node_modules", name, "package.json");
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    } catch {
      // try the next folder
    }
  }
  return null;
}

/** Torch's build configuration: BLAS, CPU capability, and OPENBLAS_CORETYPE as the children saw it. */
function torchConfig(python: Python): Record<string, unknown> {
  const script = [
    "import json, os, torch",
    "show = [l.strip() for l in torch.__config__.show().splitlines()]",
    "print(json.dumps({'openblas_coretype': os.environ.get('OPENBLAS_CORETYPE'),",
    "  'build': [l for l in show if ('CPU capability' in l or 'LAPACK' in l) and len(l) < 200]",
    "    + [m for l in show for m in l.split(', ') if m.startswith(('BLAS_INFO', 'USE_MKLDNN', 'USE_OPENMP'))]}))",
  ].join("\n");
  const r = spawnSync(python.bin, ["-c", script], { encoding: "utf8" });
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    return { build: null };
  }
}

try {
  await main();
} catch (e) {
  log(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
