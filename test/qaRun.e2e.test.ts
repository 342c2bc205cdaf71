/**
 * A QA run folder is self-contained, like a GLUE run's: it keeps its tokenizer and settings, so `--resume`,
 * `cmploss eval`, `cmploss predict` and the Hugging Face export work after its --model folder is moved away;
 * and `--resume` refuses a changed setting that shapes the curve, QA settings included.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { QA_DEFAULTS } from "../src/tasks/qa/data.js";
import { TRAIN_DEFAULTS, type TrainConfig } from "../src/train/config.js";
import { train } from "../src/train/loop.js";
import { cli, TINY_QA_ABLATION } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-qarun-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const model = join(root, "bert-tiny");
const run = join(root, "run");
const trainArgs = (...more: string[]) => [
  "train",
  "--task",
  "squad-distractor",
  "--data-dir",
  "test/fixtures/qa/squad-small.json",
  "--model",
  model,
  "--output-dir",
  run,
  "--max-seq-length",
  "64",
  "--batch-size",
  "4",
  "--max-steps",
  "4",
  "--eval-steps",
  "2",
  "--eval-batch-size",
  "8",
  "--lr",
  "1e-3",
  ...TINY_QA_ABLATION,
  ...more,
];

const settings = { ...QA_DEFAULTS, nCrop: 1, docStride: 16, maxQueryLength: 16, distractors: 2 };
const config: TrainConfig = {
  ...TRAIN_DEFAULTS,
  task: "squad-distractor",
  dataDir: "test/fixtures/qa/squad-small.json",
  model,
  outputDir: run,
  maxSeqLength: 64,
  batchSize: 4,
  maxSteps: 4,
  evalSteps: 2,
  evalBatchSize: 8,
  lr: 1e-3,
  nDrop: 1,
};

describe("a QA run folder is self-contained", () => {
  it("keeps its tokenizer and settings; --resume refuses a changed setting, QA settings included", async () => {
    cpSync("test/fixtures/hf/bert-tiny", model, { recursive: true });
    await train(config, { quiet: true, stopAfter: 2 }, settings); // interrupted at step 2, with a checkpoint
    const runJson = JSON.parse(readFileSync(join(run, "run.json"), "utf8")) as Record<string, unknown>;
    expect(runJson.tokenizer).toBe("hf");
    expect(runJson.settings).toEqual(settings);
    expect(existsSync(join(run, "tokenizer", "tokenizer.json"))).toBe(true);
    renameSync(model, `${model}-moved`);

    const stride = cli(...trainArgs("--resume", "--doc-stride", "8"));
    expect(stride.code).toBe(1);
    expect(stride.stderr).toMatch(
      /--resume: .*run\.json was trained with different settings \(settings\.docStride: 16 → 8\)/,
    );
    const lr = cli(...trainArgs("--resume", "--lr", "0.002", "--n-crop", "0"));
    expect(lr.code).toBe(1);
    expect(lr.stderr).toMatch(/\(lr: 0\.001 → 0\.002, settings\.nCrop: 1 → 0\)/);
    expect(existsSync(join(run, "metrics.json"))).toBe(false); // nothing ran
  });

  it("resumes, exports, evaluates and predicts after its --model folder moved away", () => {
    const resumed = cli(...trainArgs("--resume"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at step 2/);
    const steps = readFileSync(join(run, "train_log.jsonl"), "utf8").trim().split("\n");
    expect(steps).toHaveLength(4);
    const exported = JSON.parse(readFileSync(join(run, "hf-model", "config.json"), "utf8")) as {
      architectures: string[];
    };
    expect(exported.architectures).toEqual(["BertForQuestionAnswering"]);
    expect(existsSync(join(run, "hf-model", "tokenizer.json"))).toBe(true);

    const ev = cli("eval", "--output-dir", run, "--json");
    expect(ev.code, ev.stderr).toBe(0);
    const rows = JSON.parse(ev.stdout) as { metric: string; value: number }[];
    expect(rows[0].metric).toBe("f1");
    const metrics = JSON.parse(readFileSync(join(run, "metrics.json"), "utf8")) as {
      best: { value: number };
    };
    expect(rows[0].value).toBeCloseTo(metrics.best.value, 6);

    const out = join(root, "answers.json");
    const pred = cli(
      "predict",
      "--output-dir",
      run,
      "--input",
      "test/fixtures/qa/squad-small.json",
      "--output",
      out,
    );
    expect(pred.code, pred.stderr).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(out, "utf8")) as object).length).toBeGreaterThan(0);
  });
});
