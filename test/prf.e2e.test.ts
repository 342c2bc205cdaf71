/**
 * `cmploss train --task prf` end to end on the small BEIR fixture with bert-tiny: dense first stage
 * (`cmploss retrieve --model`, its corpus cache reused) → training with the comparative regulariser →
 * metrics.json with the four measures of the best checkpoint → `cmploss eval --n-prf` curve → a resume with a
 * changed frozen setting refused; bad usage refused in one line with nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli } from "./cliProcess.js";

const DATA = "test/fixtures/ranking/beir";
const MODEL = "test/fixtures/hf/bert-tiny";
const tmp = mkdtempSync(join(tmpdir(), "cmploss-prf-"));
const firstStage = join(tmp, "first-stage.trec");
const out = join(tmp, "run");

const TRAIN = [
  "train",
  "--task",
  "prf",
  "--data-dir",
  DATA,
  "--model",
  MODEL,
  "--first-stage",
  firstStage,
  "--n-prf",
  "3",
  "--max-seq-length",
  "64",
  "--doc-max-length",
  "64",
  "--max-passage-tokens",
  "12",
  "--batch-size",
  "2",
  "--eval-steps",
  "2",
  "--lr",
  "1e-3",
  "--device",
  "wasm",
];

describe("cmploss train --task prf", () => {
  // the first stage: dense retrieval of the train and dev queries, joined into one run file
  beforeAll(() => {
    const runs = ["train", "dev"].map((split) => {
      const file = join(tmp, `${split}.trec`);
      const r = cli(
        "retrieve",
        "--task",
        "prf",
        "--data-dir",
        DATA,
        "--split",
        split,
        "--model",
        MODEL,
        "--max-length",
        "64",
        "--output",
        file,
        "--device",
        "wasm",
      );
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(file, "utf8");
    });
    writeFileSync(firstStage, runs.join(""));
  }, 120_000);

  it("train → metrics.json → eval curve → resume refusal", () => {
    const t = cli(...TRAIN, "--output-dir", out);
    expect(t.code, t.stderr).toBe(0);
    // the dense first stage's corpus cache (in the run file's folder) is reused, not recomputed
    expect(t.stderr).toMatch(/corpus vectors from .*dense-[0-9a-f]{16}\.safetensors/);
    expect(t.stderr).toMatch(
      /PRF K=3 c=1 λ_cr 1, mean pooling, scale 20 · 5 train \/ 1 dev queries · 5 documents/,
    );
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as {
      metric: string;
      best: { step: number; value: number };
      best_scores: Record<string, number>;
    };
    expect(metrics.metric).toBe("mrr@10");
    expect(Object.keys(metrics.best_scores)).toEqual(["ndcg@10", "mrr@10", "recall@100", "map@1000"]);
    expect(metrics.best_scores["mrr@10"]).toBe(metrics.best.value);
    const steps = readFileSync(join(out, "train_log.jsonl"), "utf8").trim().split("\n");
    const first = JSON.parse(steps[0]) as { variant_losses: number[] };
    expect(first.variant_losses).toHaveLength(2);
    for (const f of ["run.json", "corpus-embeddings.safetensors", "model-best.safetensors", "tokenizer"])
      expect(existsSync(join(out, f)), f).toBe(true);

    const e = cli("eval", "--output-dir", out, "--n-prf", "0,1,2,3", "--json", "--device", "wasm");
    expect(e.code, e.stderr).toBe(0);
    const rows = JSON.parse(e.stdout) as { nPrf: number; scores: Record<string, number> }[];
    expect(rows.map((r) => r.nPrf)).toEqual([0, 1, 2, 3]);
    // k = K on dev is what training logged for the best checkpoint
    expect(rows[3].scores["mrr@10"]).toBeCloseTo(metrics.best.value, 6);
    expect(readFileSync(join(out, "prf-curve.svg"), "utf8")).toMatch(/^<svg/);

    const before = readdirSync(out).sort();
    const changed = cli(...TRAIN.map((a) => (a === "3" ? "2" : a)), "--output-dir", out, "--resume");
    expect(changed.code).toBe(1);
    expect(changed.stderr.trim().split("\n").at(-1)).toMatch(
      /^cmploss: --resume: .*run\.json was trained with different settings \(settings\.nPrf: 3 → 2\); use the same flags or a new --output-dir$/,
    );
    expect(readdirSync(out).sort()).toEqual(before);
    const predict = cli("predict", "--output-dir", out, "--input", firstStage);
    expect(predict.code).toBe(2);
    expect(predict.stderr.trim()).toMatch(
      /^cmploss: predict: .* is a --task prf run, which ranks a corpus: use cmploss eval/,
    );
  });

  it("refuses bad usage in one line (exit 2), writing nothing", () => {
    const never = join(tmp, "never");
    const cases: [string[], RegExp][] = [
      [["--n-compare", "4"], /^cmploss: --n-compare 4: expected at most --n-prf 3/],
      [
        ["--first-stage", join(tmp, "missing.trec")],
        /^cmploss: --first-stage .*missing\.trec: expected a TREC run file/,
      ],
      [["--n-drop", "2"], /^cmploss: --n-drop does not apply to --task prf/],
      [["--method", "ce", "--cr-weight", "1"], /^cmploss: --cr-weight only applies with --method cmp/],
    ];
    for (const [extra, message] of cases) {
      const r = cli(...TRAIN, ...extra, "--output-dir", never);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(message);
    }
    const other = cli("train", "--task", "sst2", "--n-prf", "2", "--output-dir", never);
    expect(other.stderr.trim()).toBe("cmploss: --n-prf only applies to --task prf");
    expect(existsSync(never)).toBe(false);
  });

  it("cmploss experiment --tasks prf --methods ce,cmp (ce: λ_cr 0)", () => {
    const root = join(tmp, "grid");
    const shared = TRAIN.slice(TRAIN.indexOf("--model"));
    const r = cli(
      "experiment",
      "--tasks",
      "prf",
      "--methods",
      "ce,cmp",
      "--seeds",
      "1",
      "--data-dirs",
      `prf=${DATA}`,
      "--output-dir",
      root,
      ...shared,
      "--max-steps",
      "2",
    );
    expect(r.code, r.stderr).toBe(0);
    const runs = ["ce", "cmp"].map(
      (m) =>
        JSON.parse(readFileSync(join(root, "prf", m, "seed1", "run.json"), "utf8")) as {
          config: { crWeight: number; method: string };
          settings: { nPrf: number; nCompare: number };
        },
    );
    expect(runs.map((x) => x.config.crWeight)).toEqual([0, 1]);
    expect(runs.map((x) => x.settings.nCompare)).toEqual([1, 1]);
    expect(runs[0].settings.nPrf).toBe(3);
    const results = JSON.parse(readFileSync(join(root, "results.json"), "utf8")) as unknown[];
    expect(results).toHaveLength(2);
    const rdrop = cli(
      "experiment",
      "--tasks",
      "prf",
      "--methods",
      "rdrop",
      "--data-dirs",
      `prf=${DATA}`,
      ...shared,
    );
    expect(rdrop.code).toBe(2);
    expect(rdrop.stderr.trim()).toBe(
      "cmploss: experiment: prf trains with ce or cmp (ce: λ_cr 0), not rdrop",
    );
  });
});
