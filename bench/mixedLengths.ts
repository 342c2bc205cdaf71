/**
 * `npx tsx bench/mixedLengths.ts [--rounds 2] [--only l4|minilm] [--out <file>]` — engine patch 11 (a coalescing
 * wasm allocator): the wasm heap and peak RSS of a train step whose padded length changes from step to step, as
 * length-grouped batches padded to a multiple of 32 do, beside the same step at one length; the installed engine
 * against the installed engine without patch 11 (a copy made by scripts/apply-patches.mjs, loaded through
 * bench/engineHook.mjs), alternating in a rotated order. Each run is bench/stepTiming.ts in a fresh process,
 * one thread; the two engines' step losses must be equal (the patch moves buffers, not values).
 * Writes JSON (default bench/results/<date>-mixed-lengths.json) and prints a Markdown table.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { engineCopy, runChild, stepTimingCommand } from "./engineChild.js";

const argv = process.argv.slice(2);
const opt = (flag: string, dflt: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const rounds = Number(opt("--rounds", "2"));
const only = opt("--only", "");
const out = path.resolve(
  opt("--out", `bench/results/${new Date().toISOString().slice(0, 10)}-mixed-lengths.json`),
);

const MIXED = [32, 64, 96, 128];
const configs = [
  { name: "l4", preset: "bert-L4-H256-A4", vocab: 8000, batchSize: 8, nDrop: 2, lengths: [128] },
  { name: "l4", preset: "bert-L4-H256-A4", vocab: 8000, batchSize: 8, nDrop: 2, lengths: MIXED },
  { name: "minilm", preset: "minilm-L6-H384-A12", vocab: 30522, batchSize: 16, nDrop: 2, lengths: [128] },
  { name: "minilm", preset: "minilm-L6-H384-A12", vocab: 30522, batchSize: 16, nDrop: 2, lengths: MIXED },
].filter((c) => !only || c.name === only);

const tmp = mkdtempSync(path.join(os.tmpdir(), "cmploss-mixed-lengths-"));
const without11 = engineCopy(path.join(tmp, "without11"), ["11"]);
const variants = [
  { name: "installed", jaxDir: undefined as string | undefined },
  { name: "-11", jaxDir: without11 },
];

interface Row {
  preset: string;
  lengths: number[];
  variant: string;
  round: number;
  heap_mb?: number;
  peak_rss_mb?: number;
  median_cpu_ms?: number;
  losses?: number[];
  error?: string;
  load_1m: number;
}
const rows: Row[] = [];
let k = 0;
for (let round = 0; round < rounds; round++) {
  for (const cfg of configs) {
    const order = variants.map((_, i) => variants[(i + k) % variants.length]);
    k++;
    for (const v of order) {
      const args = {
        preset: cfg.preset,
        nDrop: cfg.nDrop,
        mode: "batched",
        batchSize: cfg.batchSize,
        seqLen: Math.max(...cfg.lengths),
        seqLens: cfg.lengths,
        vocab: cfg.vocab,
        steps: 8,
        warmup: 0,
        jit: true,
      };
      const load_1m = Math.round(os.loadavg()[0] * 100) / 100;
      const r = runChild<{
        heap_mb_per_step: number[];
        peak_rss_mb: number;
        median_cpu_ms: number;
        losses: number[];
      }>(stepTimingCommand(args, v.jaxDir), {
        env: { CMPLOSS_THREADS: "1" },
        jaxDir: v.jaxDir,
        timeoutMs: 900_000,
      });
      const base = { preset: cfg.preset, lengths: cfg.lengths, variant: v.name, round, load_1m };
      const row: Row =
        "error" in r
          ? { ...base, error: r.error }
          : {
              ...base,
              heap_mb: Math.max(...r.value.heap_mb_per_step),
              peak_rss_mb: r.value.peak_rss_mb,
              median_cpu_ms: Math.round(r.value.median_cpu_ms),
              losses: r.value.losses,
            };
      rows.push(row);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${cfg.preset} T ${cfg.lengths.join("/")} ${v.name}: ` +
          `${row.error ?? `heap ${row.heap_mb} MB, RSS ${row.peak_rss_mb} MB, cpu ${row.median_cpu_ms} ms`} (load ${load_1m})\n`,
      );
    }
  }
}
rmSync(tmp, { recursive: true, force: true });
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2) + "\n",
);

const lines = [
  "| preset, c = 2, B | padded lengths (one per step, 8 steps) | without 11: heap / peak RSS (MB) | installed: heap / peak RSS (MB) | losses equal |",
  "| --- | --- | --- | --- | --- |",
];
for (const cfg of configs) {
  const of = (name: string) =>
    rows.filter((r) => r.preset === cfg.preset && r.lengths === cfg.lengths && r.variant === name);
  const show = (rs: Row[]) =>
    rs
      .map((r) =>
        r.error
          ? /4 GiB|out of memory/.test(r.error)
            ? "out of memory"
            : "failed"
          : `${r.heap_mb} / ${r.peak_rss_mb}`,
      )
      .join(", ");
  const a = of("-11");
  const b = of("installed");
  const ok = a.filter((r) => r.losses).map((r) => JSON.stringify(r.losses));
  const equal = b.every((r) => !r.losses || ok.every((l) => l === JSON.stringify(r.losses)));
  lines.push(
    `| ${cfg.preset}, ${cfg.batchSize} | ${cfg.lengths.join(", ")} | ${show(a)} | ${show(b)} | ${equal ? "yes" : "NO"} |`,
  );
}
console.log(lines.join("\n"));
console.log(`\n(${out})`);
