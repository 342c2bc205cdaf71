import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TRAIN_DEFAULTS, type TrainConfig } from "../src/train/config.js";
import { train } from "../src/train/loop.js";
import { RUN_FILES } from "../src/train/runFiles.js";
import { QA_DEFAULTS } from "../src/tasks/qa/data.js";
import { evaluateQaRun } from "../src/train/qaEvaluate.js";
import { TrainingStopped } from "../src/train/stop.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-qa-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (name: string, over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...TRAIN_DEFAULTS,
  task: "squad-distractor",
  dataDir: "test/fixtures/qa/squad-small.json",
  model: "test/fixtures/hf/bert-tiny",
  outputDir: join(root, name),
  maxSeqLength: 64,
  batchSize: 4,
  maxSteps: 4,
  evalSteps: 2,
  evalBatchSize: 8,
  lr: 1e-3,
  nDrop: 1,
  ...over,
});
/** A run's step log without its timings. */
const stepRecords = (name: string) =>
  readFileSync(join(root, name, RUN_FILES.steps), "utf8")
    .split("\n")
    .map((l) => l.replace(/"examples_per_s":[^,}]+/, ""));
const settings = { ...QA_DEFAULTS, docStride: 16, maxQueryLength: 16, nCrop: 1, distractors: 2 };

describe("extractive QA training (CmpCrop + CmpDrop) end to end", () => {
  it("trains on the distractor benchmark, logs 3 variants and scores EM/F1", async () => {
    const summary = await train(config("run"), { quiet: true }, settings);
    expect(summary.metric).toBe("f1");
    expect(summary.final.scores).toHaveProperty("exact_match");
    const steps = readFileSync(join(root, "run", RUN_FILES.steps), "utf8")
      .trim()
      .split("\n");
    expect(steps).toHaveLength(4);
    expect(JSON.parse(steps[0]).variant_losses).toHaveLength(3); // (crop 0, drop 0), (crop 1, drop 0), (crop 1, drop 1)
    expect(existsSync(join(root, "run", RUN_FILES.best))).toBe(true);
  });

  it("evaluates the run at every context size × dropout power, in one load", async () => {
    const run = join(root, "run");
    const rows = await evaluateQaRun({
      outputDir: run,
      checkpoint: "best",
      seed: 0,
      batchSize: 8,
      maxParagraphs: [null, 0],
      forceDropout: [0, 4],
    });
    expect(rows.map((r) => [r.maxParagraphs, r.forceDropout])).toEqual([
      [null, 0],
      [null, 4],
      [0, 0],
      [0, 4],
    ]);
    expect(new Set(rows.map((r) => r.count)).size).toBe(1);
    expect(rows[1].rate).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.f1).toBeGreaterThanOrEqual(0);
      expect(r.f1).toBeLessThanOrEqual(1); // a fraction, like every metric
    }
    // The whole dev set at power 0 is what training logged for the best checkpoint (the experiment reuses it).
    const best = readFileSync(join(run, RUN_FILES.evals), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { value: number; best: boolean })
      .filter((r) => r.best)
      .at(-1)!;
    expect(rows[0].f1).toBeCloseTo(best.value, 6);
  });

  it("is reproducible for a seed", async () => {
    await train(config("again"), { quiet: true }, settings);
    expect(stepRecords("again")).toEqual(stepRecords("run"));
  });

  it("stops at its signal with a checkpoint at that step, and resumes on the same curve", async () => {
    const stop = new AbortController();
    stop.abort();
    const stopped = train(config("stopped"), { quiet: true, signal: stop.signal }, settings);
    await expect(stopped).rejects.toThrow(TrainingStopped);
    await expect(stopped).rejects.toThrow(/^stopped at step 1 of 4/);
    expect(existsSync(join(root, "stopped", RUN_FILES.metrics))).toBe(false);
    await train({ ...config("stopped"), resume: true }, { quiet: true }, settings);
    expect(stepRecords("stopped")).toEqual(stepRecords("run"));
  });

  it("trains plain fine-tuning (ce, or c_drop = c_crop = 0) as one pass with dropout, and refuses R-Drop", async () => {
    const plain = { ...settings, nCrop: 0 };
    await train(config("c0", { nDrop: 0, maxSteps: 1, evalSteps: 1 }), { quiet: true }, plain);
    await train(config("ce", { method: "ce", maxSteps: 1, evalSteps: 1 }), { quiet: true }, settings);
    const first = (d: string) =>
      JSON.parse(readFileSync(join(root, d, RUN_FILES.steps), "utf8").split("\n")[0]) as {
        variant_losses: number[];
      };
    expect(first("c0").variant_losses).toHaveLength(1);
    expect(first("ce").variant_losses).toEqual(first("c0").variant_losses); // same seed, same single pass
    await expect(train(config("rd", { method: "rdrop" }), { quiet: true }, settings)).rejects.toThrow(
      /R-Drop is implemented for GLUE tasks/,
    );
  });

  it("refuses CmpCrop where there is nothing irrelevant to crop, and presets without a tokenizer", async () => {
    const squad = config("plain", { task: "squad", dataDir: "test/fixtures/qa" });
    await expect(train(squad, { quiet: true }, settings)).rejects.toThrow(
      /train-v1\.1\.json|nothing|no irrelevant/,
    );
    await expect(
      train(config("preset", { model: "bert-L2-H128-A2" }), { quiet: true }, settings),
    ).rejects.toThrow(/QA needs a Hugging Face model folder/);
  });
});
