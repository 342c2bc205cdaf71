/**
 * `npx tsx bench/gpuHost.ts [--rounds 2] [--config steady,lengths] [--variants a,b] [--steps 4] [--breakdown]
 * [--full] [--out f]` —
 * what a WebGPU train step costs the host and how much GPU memory the process holds, engine patch by engine
 * patch, all in the same run. Each run is a fresh process (bench/stepTiming.ts with CMPLOSS_DEVICE=webgpu);
 * variants run interleaved, in a rotated order each round.
 *
 * Variants (the unpatched engines are copies made by scripts/apply-patches.mjs, loaded via bench/engineHook.mjs):
 *   published   @jax-js/jax 0.1.25 as on npm (submit coalescing on: cmploss's runtime wrapper)
 *   ≤NN         the engine with the patches up to NN, one variant per patch numbered 10 or more (01–09 change
 *               only wasm kernels), up to the one before the last
 *   installed   the engine as installed (every patch)
 *   no-trim     the installed engine with CMPLOSS_WEBGPU_POOL_TRIM=0 (the pool kept as jax-js keeps it)
 * Configurations (tiny shapes: on Mesa's software adapter kernels run on the CPU; on a GPU pass --full):
 *   steady    L2/H128, c = 2 batched, B 8 × T 16 (full: B 32 × T 64), vocabulary 1000 (full: 8000); 3 warm-up
 *             steps (the bind groups of patch 21 are all found again from the third run on), --steps timed
 *   lengths   the same, cycling T 8, 16, 24, 32 (full: 32, 64, 96, 128) step by step, as padded batches do
 *   minilm    MiniLM's shapes (L6/H384), c = 2, B 4 (full: 32, the GLUE grid's) cycling T 8, 16 (full: 32 … 128),
 *             vocabulary 1000 (full: 30 522): the GPU memory one grid run holds
 * Per run: kernels and bind groups per step, host (main-thread CPU) µs per kernel and the part of it outside
 * Dawn's queue.submit ("encoding": on Mesa's software adapter the driver runs kernels inside submit, on the
 * calling thread, so only this part is host work there), GPU bytes held after the step, their high-water mark during the step, bytes in jax-js's buffer pool, and the losses (bit-identical
 * across variants or not). `--breakdown` also times each kind of WebGPU call (bench/gpuCounters.ts).
 * Writes JSON (default bench/results/<date>-gpu-host.json) and prints a Markdown table.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StepTiming, StepTimingArgs } from "./stepTiming.js";

const HERE = fileURLToPath(import.meta.url);
/** Compiled by scripts/device-build.sh into .gpu/out/bench/ (plain Node on a GPU machine), else through tsx. */
const COMPILED = HERE.endsWith(".js");
/** The repository (patches/, scripts/, bench/engineHook.mjs): two folders above .gpu/out when compiled. */
const ROOT = path.resolve(path.dirname(HERE), COMPILED ? "../../.." : "..");
const argv = process.argv.slice(2);
const KNOWN = ["--rounds", "--config", "--variants", "--out", "--breakdown", "--full", "--steps"];
for (const a of argv) {
  if (a.startsWith("--") && !KNOWN.includes(a)) {
    throw new Error(`gpuHost: unknown argument ${a}; expected ${KNOWN.join(", ")}`);
  }
}
const opt = (flag: string, dflt: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const rounds = Number(opt("--rounds", "2"));
const configNames = opt("--config", "steady,lengths").split(",");
const variantArg = opt("--variants", "");
const breakdown = argv.includes("--breakdown");
const full = argv.includes("--full");
const out = path.resolve(
  opt("--out", `bench/results/${new Date().toISOString().slice(0, 10)}-gpu-host.json`),
);
if (!(rounds >= 1)) throw new Error("gpuHost: --rounds needs a count ≥ 1");

const base = {
  preset: "bert-L2-H128-A2",
  nDrop: 2,
  mode: "batched" as const,
  batchSize: full ? 32 : 8,
  seqLen: full ? 64 : 16,
  vocab: full ? 8000 : 1000,
  jit: true,
  gpuBreakdown: breakdown,
};
const allConfigs: Record<string, StepTimingArgs> = {
  steady: { ...base, warmup: 3, steps: Number(opt("--steps", "4")) },
  lengths: { ...base, seqLens: full ? [32, 64, 96, 128] : [8, 16, 24, 32], warmup: 0, steps: 8 },
  minilm: {
    ...base,
    preset: "minilm-L6-H384-A12",
    batchSize: full ? 32 : 4,
    seqLens: full ? [32, 64, 96, 128] : [8, 16],
    vocab: full ? 30522 : 1000,
    warmup: 0,
    steps: 8,
  },
};
for (const c of configNames) if (!allConfigs[c]) throw new Error(`gpuHost: unknown --config ${c}`);

interface Variant {
  name: string;
  env: Record<string, string>;
  jaxDir?: string;
}
/** The @jax-js/jax package this script resolves (on a GPU machine: .gpu/node_modules, not the repo's). */
function jaxPackage(): string {
  const entry = createRequire(import.meta.url).resolve("@jax-js/jax");
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "@jax-js/jax") return dir;
  }
  throw new Error(`gpuHost: no package.json of @jax-js/jax above ${entry}`);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), "cmploss-gpu-host-"));
const jaxDir = jaxPackage();
const script = (...args: string[]) => {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "scripts/apply-patches.mjs"), "--target", jaxDir, ...args],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
};
const patchNumbers = readdirSync(path.join(ROOT, "patches"))
  .map((f) => /^jax-[\d.]+-(\d\d)-/.exec(f)?.[1])
  .filter((n): n is string => n !== undefined)
  .sort();
const published = path.join(tmp, "published");
script("--pristine-copy", published, "--quiet");
const allVariants: Variant[] = [{ name: "published", env: {}, jaxDir: published }];
const gpuPatches = patchNumbers.filter((n) => Number(n) >= 10);
gpuPatches.forEach((n, i) => {
  const later = patchNumbers.filter((m) => m > n);
  if (i === gpuPatches.length - 1) {
    allVariants.push({ name: "installed", env: {} });
    return;
  }
  const dir = path.join(tmp, `upto${n}`);
  script("--pristine-copy", dir, "--only", later.join(","), "--quiet");
  allVariants.push({ name: `≤${n}`, env: {}, jaxDir: dir });
});
allVariants.push({ name: "no-trim", env: { CMPLOSS_WEBGPU_POOL_TRIM: "0" } });
const variants = variantArg ? allVariants.filter((v) => variantArg.split(",").includes(v.name)) : allVariants;

interface Row {
  config: string;
  variant: string;
  round: number;
  load_1m: number;
  timing?: StepTiming;
  error?: string;
}

function runOne(config: string, v: Variant, round: number): Row {
  const load_1m = Math.round(os.loadavg()[0] * 100) / 100;
  const hook = v.jaxDir ? ["--import", path.join(ROOT, "bench/engineHook.mjs")] : [];
  const child = COMPILED
    ? [path.join(path.dirname(HERE), "stepTiming.js")]
    : ["--import", "tsx", path.join(ROOT, "bench/stepTiming.ts")];
  const r = spawnSync(process.execPath, [...hook, ...child, JSON.stringify(allConfigs[config])], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      CMPLOSS_DEVICE: "webgpu",
      CMPLOSS_THREADS: "1",
      ...v.env,
      ...(v.jaxDir ? { CMPLOSS_JAX_DIR: v.jaxDir } : {}),
    },
    timeout: 600_000,
    maxBuffer: 16 << 20,
  });
  const row = { config, variant: v.name, round, load_1m };
  const line = (r.stdout ?? "")
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) {
    const error = (r.stderr ?? "").trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`;
    return { ...row, error };
  }
  return { ...row, timing: JSON.parse(line) as StepTiming };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const started = new Date();
const rows: Row[] = [];
let k = 0;
for (let round = 0; round < rounds; round++) {
  for (const config of configNames) {
    const order = variants.map((_, i) => variants[(i + k) % variants.length]);
    k++;
    for (const v of order) {
      const row = runOne(config, v, round);
      rows.push(row);
      const g = row.timing?.gpu;
      process.stderr.write(
        `round ${round + 1}/${rounds} ${config} ${v.name}: ` +
          (g
            ? `${median(g.kernels)} kernels/step, ${g.median_host_us_per_kernel} host µs/kernel ` +
              `(${g.median_encode_us_per_kernel} encoding), ` +
              `peak ${Math.max(...g.device_peak_mb)} MB (load ${row.load_1m})\n`
            : `${row.error ?? "no WebGPU counters"}\n`),
      );
    }
  }
}
rmSync(tmp, { recursive: true, force: true });

interface Summary {
  kernels_per_step: number | null;
  bind_groups_per_step: number | null;
  host_us_per_kernel: number | null;
  encode_us_per_kernel: number | null;
  host_ms_per_step: number | null;
  device_peak_mb: number | null;
  device_mb_end: number | null;
  pool_mb_end: number | null;
  losses_equal_to_published: boolean | null;
}
const summary: Record<string, Record<string, Summary>> = {};
for (const config of configNames) {
  summary[config] = {};
  const ref = rows.find((r) => r.config === config && r.variant === "published" && r.timing)?.timing;
  for (const v of variants) {
    const runs = rows
      .filter((r) => r.config === config && r.variant === v.name && r.timing?.gpu)
      .map((r) => r.timing!);
    const pick = (f: (t: StepTiming) => number | null) => {
      const xs = runs.map(f).filter((x): x is number => x !== null);
      return xs.length ? Math.round(median(xs) * 10) / 10 : null;
    };
    const timed = (t: StepTiming) => t.warmup;
    summary[config][v.name] = {
      kernels_per_step: pick((t) => median(t.gpu!.kernels.slice(timed(t)))),
      bind_groups_per_step: pick((t) => median(t.gpu!.bind_groups.slice(timed(t)))),
      host_us_per_kernel: pick((t) => t.gpu!.median_host_us_per_kernel),
      encode_us_per_kernel: pick((t) => t.gpu!.median_encode_us_per_kernel),
      host_ms_per_step: pick((t) => {
        const h = t.gpu!.host_ms.slice(timed(t)).filter((x): x is number => x !== null);
        return h.length ? median(h) : null;
      }),
      device_peak_mb: pick((t) => Math.max(...t.gpu!.device_peak_mb)),
      device_mb_end: pick((t) => t.gpu!.device_mb.at(-1)!),
      pool_mb_end: pick((t) => t.gpu!.pool_mb.at(-1) ?? null),
      losses_equal_to_published:
        ref && runs.length
          ? runs.every((t) => JSON.stringify(t.losses) === JSON.stringify(ref.losses))
          : null,
    };
  }
}

const loads = rows.map((r) => r.load_1m);
const meta = {
  date: started.toISOString(),
  wall_s: Math.round((Date.now() - started.getTime()) / 1000),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  adapter: rows.find((r) => r.timing?.gpu)?.timing?.gpu?.adapter ?? null,
  rounds,
  patches: patchNumbers,
  full,
  breakdown,
  load_1m: { min: Math.min(...loads), max: Math.max(...loads) },
  configs: Object.fromEntries(configNames.map((c) => [c, allConfigs[c]])),
  note:
    "host time = the main thread's CPU time (schedstat), summed over a step, divided by its kernels; medians " +
    "over timed steps, then over rounds; device bytes = GPU buffers created and not destroyed (runtime counter)",
};
writeFileSync(out, JSON.stringify({ meta, summary, rows }, null, 2) + "\n");

const cols: [keyof Summary, string][] = [
  ["kernels_per_step", "kernels/step"],
  ["bind_groups_per_step", "bind groups/step"],
  ["host_us_per_kernel", "host µs/kernel"],
  ["encode_us_per_kernel", "of which encoding µs/kernel"],
  ["host_ms_per_step", "host ms/step"],
  ["device_peak_mb", "GPU peak MB"],
  ["device_mb_end", "GPU MB at end"],
  ["pool_mb_end", "pool MB at end"],
  ["losses_equal_to_published", "losses = published"],
];
const lines: string[] = [];
for (const [config, s] of Object.entries(summary)) {
  lines.push(
    `\n${config}:`,
    `| variant | ${cols.map((c) => c[1]).join(" | ")} |`,
    "|" + " --- |".repeat(cols.length + 1),
  );
  for (const [name, row] of Object.entries(s)) {
    lines.push(`| ${name} | ${cols.map(([key]) => String(row[key] ?? "–")).join(" | ")} |`);
  }
}
console.log(lines.join("\n"));
console.log(
  `\n${rows.length} runs in ${meta.wall_s} s, load ${meta.load_1m.min}–${meta.load_1m.max}; JSON: ${out}`,
);
