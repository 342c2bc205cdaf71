/**
 * Golden runs: a short GLUE run, a short SQuAD-distractor run and a short PRF run (c = 2 feedback prefixes) whose every logged number (per-step objective,
 * per-variant losses, gradient norms, learning rates, dev scores and losses) and whose weights (model-best and the
 * whole checkpoint-last, optimizer moments and PRNG key included) must stay bit-identical to the fixtures in
 * test/fixtures/golden/. They pin the training path's arithmetic across refactors: a change that reorders a
 * reduction, draws a different key or feeds a different batch shows up here as a changed float.
 *
 * Each run is a CLI child with one wasm thread and relaxed SIMD off (CMPLOSS_RELAXED_SIMD=0), so that the
 * rounding does not depend on the machine's core count or on FMA. Regenerate the fixtures only on purpose, when a
 * change is meant to move the numbers: `CMPLOSS_GOLDEN_RECORD=1 npx vitest run test/golden.e2e.test.ts`.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../src/io/safetensors.js";
import { cli, TINY_QA_ABLATION } from "./cliProcess.js";

const FIXTURES = "test/fixtures/golden";
const RECORD = process.env.CMPLOSS_GOLDEN_RECORD === "1";
const root = mkdtempSync(join(tmpdir(), "cmploss-golden-"));
let relaxedBefore: string | undefined;
beforeAll(() => {
  relaxedBefore = process.env.CMPLOSS_RELAXED_SIMD;
  process.env.CMPLOSS_RELAXED_SIMD = "0"; // inherited by the CLI children (cliProcess spreads process.env)
});
afterAll(() => {
  if (relaxedBefore === undefined) delete process.env.CMPLOSS_RELAXED_SIMD;
  else process.env.CMPLOSS_RELAXED_SIMD = relaxedBefore;
  rmSync(root, { recursive: true, force: true });
});

const COMMON = ["--threads", "1", "--device", "wasm"];

const RUNS: Record<string, string[]> = {
  glue: [
    "--data-dir",
    "test/fixtures/sst2-tiny",
    "--max-steps",
    "8",
    "--eval-steps",
    "4",
    "--batch-size",
    "16",
    "--n-drop",
    "2",
    "--seed",
    "7",
    "--lr",
    "3e-3",
  ],
  "squad-distractor": [
    "--task",
    "squad-distractor",
    "--data-dir",
    "test/fixtures/qa/squad-small.json",
    "--model",
    "test/fixtures/hf/bert-tiny",
    "--max-seq-length",
    "64",
    "--batch-size",
    "4",
    "--max-steps",
    "10",
    "--eval-steps",
    "5",
    "--eval-batch-size",
    "8",
    "--lr",
    "1e-2",
    ...TINY_QA_ABLATION,
    "--seed",
    "3",
  ],
  prf: [
    "--task",
    "prf",
    "--data-dir",
    "test/fixtures/ranking/beir",
    "--model",
    "test/fixtures/hf/bert-tiny",
    "--first-stage",
    "test/fixtures/ranking/prf-first-stage.trec",
    "--n-prf",
    "3",
    "--n-compare",
    "2",
    "--max-seq-length",
    "64",
    "--doc-max-length",
    "64",
    "--max-passage-tokens",
    "12",
    "--batch-size",
    "2",
    "--max-steps",
    "6",
    "--eval-steps",
    "3",
    "--lr",
    "1e-3",
    "--seed",
    "5",
  ],
};

/** Arguments a run needs that are not part of what it must reproduce (where PRF caches corpus vectors). */
const PLACE = (name: string): string[] => (name === "prf" ? ["--embedding-cache-dir", root] : []);

const jsonl = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** sha256 of every tensor (name, dtype, shape, bytes) in name order: the weights, not the header's metadata. */
function tensorDigest(path: string): string {
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(path)));
  const hash = createHash("sha256");
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    hash.update(`${name}|${t.dtype}|${t.shape.join(",")}|`);
    hash.update(t.bytes);
  }
  return hash.digest("hex");
}

/** What a run must reproduce exactly: its logs without timings, its summary without timings, its weights. */
function record(dir: string) {
  const steps = jsonl(join(dir, "train_log.jsonl")).map(({ examples_per_s: _, ...r }) => r);
  const evals = jsonl(join(dir, "eval_log.jsonl"));
  const metrics = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")) as Record<string, unknown>;
  return {
    steps,
    evals,
    best: metrics.best,
    final: metrics.final,
    weights: {
      best: tensorDigest(join(dir, "model-best.safetensors")),
      last: tensorDigest(join(dir, "checkpoint-last.safetensors")),
    },
  };
}

describe("golden runs: per-step losses and weights are bit-identical to the recorded fixtures", () => {
  for (const [name, args] of Object.entries(RUNS)) {
    it(name, () => {
      const out = join(root, name);
      const r = cli("train", ...args, ...COMMON, ...PLACE(name), "--output-dir", out);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      const got = record(out);
      const fixture = join(FIXTURES, `${name}.json`);
      if (RECORD) {
        mkdirSync(FIXTURES, { recursive: true });
        writeFileSync(fixture, JSON.stringify({ args, ...got }, null, 2) + "\n");
      }
      expect(existsSync(fixture), `${fixture}: record it with CMPLOSS_GOLDEN_RECORD=1`).toBe(true);
      const want = JSON.parse(readFileSync(fixture, "utf8")) as ReturnType<typeof record> & {
        args: string[];
      };
      expect(want.args).toEqual(args);
      // JSON numbers round-trip float64 exactly: toEqual on parsed numbers is bit-identity (NaN aside).
      expect(got.steps).toEqual(want.steps);
      expect(got.evals).toEqual(want.evals);
      expect(got.best).toEqual(want.best);
      expect(got.final).toEqual(want.final);
      expect(got.weights).toEqual(want.weights);
    });
  }
});
