/**
 * `npx tsx bench/matmulAB.ts --without NN [--rounds 5] [--out <file>] [case …]` — bench/matmulPaths.ts on the
 * installed engine and on the installed engine without patch NN (a copy made by
 * `scripts/apply-patches.mjs --pristine-copy <dir> --only NN`), alternately, each round in a fresh process
 * and in rotated order. Prints, per case, the median over rounds of each engine's CPU GFLOP/s (one thread),
 * their ratio and the paired per-round ratios, and fails if any result's digest differs between the engines.
 * Case arguments pick matmulPaths cases by a part of their name ("heads": the attention shapes).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const take = (flag: string, dflt: string) => {
  const i = argv.indexOf(flag);
  if (i < 0) return dflt;
  const [, value] = argv.splice(i, 2);
  return value;
};
const without = take("--without", "");
const rounds = Number(take("--rounds", "5"));
const out = take("--out", "");
if (!/^\d\d$/.test(without)) throw new Error("--without NN: the patch to leave out, e.g. --without 07");

const tmp = mkdtempSync(path.join(os.tmpdir(), "cmploss-matmul-ab-"));
const baseDir = path.join(tmp, `without${without}`);
const made = spawnSync(
  process.execPath,
  [path.join(ROOT, "scripts/apply-patches.mjs"), "--pristine-copy", baseDir, "--only", without, "--quiet"],
  { encoding: "utf8" },
);
if (made.status !== 0) throw new Error(made.stderr);

type Result = Record<string, { gflops: number; cpu_gflops: number; digest: string }>;
const engines = [
  { name: "installed", env: {} as Record<string, string> },
  { name: `without ${without}`, env: { CMPLOSS_JAX_DIR: baseDir } },
];
const runs: { engine: string; round: number; load_1m: number; result: Result }[] = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? engines : [...engines].reverse();
  for (const engine of order) {
    const load_1m = Math.round(os.loadavg()[0] * 100) / 100;
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        path.join(ROOT, "bench/engineHook.mjs"),
        "--import",
        "tsx",
        "bench/matmulPaths.ts",
        ...argv,
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, CMPLOSS_THREADS: "1", ...engine.env } },
    );
    if (r.status !== 0) throw new Error(`${engine.name}: ${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Result;
    runs.push({ engine: engine.name, round, load_1m, result });
    process.stderr.write(`round ${round + 1}/${rounds} ${engine.name} (load ${load_1m})\n`);
  }
}
rmSync(tmp, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cases = Object.keys(runs[0].result);
const summary = cases.map((name) => {
  const of = (engine: string) => runs.filter((r) => r.engine === engine).map((r) => r.result[name]);
  const [a, b] = engines.map((e) => of(e.name));
  const digests = new Set([...a, ...b].map((x) => x.digest));
  const paired = a.map((x, i) => +(x.cpu_gflops / b[i].cpu_gflops).toFixed(2));
  return {
    case: name,
    installed_cpu_gflops: median(a.map((x) => x.cpu_gflops)),
    [`without_${without}_cpu_gflops`]: median(b.map((x) => x.cpu_gflops)),
    ratio: +(median(a.map((x) => x.cpu_gflops)) / median(b.map((x) => x.cpu_gflops))).toFixed(2),
    paired_ratios: paired.join(" "),
    bit_identical: digests.size === 1,
  };
});
console.table(summary);
if (out) {
  const loads = runs.map((r) => r.load_1m);
  writeFileSync(
    out,
    `${JSON.stringify({ without, rounds, threads: 1, load_1m: [Math.min(...loads), Math.max(...loads)], summary, runs }, null, 1)}\n`,
  );
}
if (summary.some((s) => !s.bit_identical)) {
  console.error("digests differ between the engines");
  process.exit(1);
}
