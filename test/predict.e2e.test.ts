import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tree } from "@jax-js/jax";
import { afterAll, describe, expect, it } from "vitest";
import { loadGlueSplit } from "../src/tasks/glue/reader.js";
import { scoreAll } from "../src/tasks/metrics.js";
import { getGlueTask } from "../src/tasks/registry.js";
import { squadEvaluate } from "../src/tasks/qa/metric.js";
import { readSquad } from "../src/tasks/qa/squad.js";
import { TRAIN_DEFAULTS, type TrainConfig } from "../src/train/config.js";
import { encodeSplit } from "../src/train/data.js";
import { createEvaluator, evaluateSplit } from "../src/train/evaluate.js";
import { openGlueRun } from "../src/train/evaluateRun.js";
import { QA_DEFAULTS, squadItem } from "../src/tasks/qa/data.js";
import { createQaEvaluator, evaluateQaRun } from "../src/train/qaEvaluate.js";
import { train } from "../src/train/loop.js";
import { openQaRun } from "../src/train/qaRun.js";
import { cli, startCli } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-predict-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Line = { index: number | string; label: string; probabilities: Record<string, number> };
const jsonl = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);

describe("cmploss predict on a GLUE run", () => {
  const run = join(root, "sst2");
  const dev = "test/fixtures/sst2-tiny/dev.tsv";

  it("labels dev.tsv exactly as cmploss eval scores it, with class probabilities", async () => {
    const t = cli(
      "train",
      "--data-dir",
      "test/fixtures/sst2-tiny",
      "--output-dir",
      run,
      "--max-steps",
      "4",
      "--batch-size",
      "8",
      "--eval-steps",
      "2",
      "--max-seq-length",
      "32",
    );
    expect(t.code, t.stderr).toBe(0);
    const p = cli("predict", "--output-dir", run, "--input", dev);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/48\/48 .* rows\/s/);
    expect(p.stderr).toMatch(/wrote 48 predictions to .*predictions\.jsonl \(best weights/);
    const lines = jsonl(readFileSync(join(run, "predictions.jsonl"), "utf8"));
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 48 }, (_, i) => i));

    // Per row: the classes the evaluator of `cmploss eval` predicts on the same split.
    const opened = await openGlueRun(run, "best");
    const { examples } = await loadGlueSplit(opened.task, "test/fixtures/sst2-tiny", "dev");
    const split = encodeSplit(examples, opened.tok.tokenizer, {
      maxLength: opened.run.config.maxSeqLength,
      lossKind: "ce",
      padMultiple: opened.run.config.padMultiple,
      padId: opened.tok.padId,
    });
    const out = await evaluateSplit(opened.params, opened.run.model, "ce", split, { batchSize: 128 });
    // the training loop's evaluator reports its progress after every batch
    const seen: [number, number][] = [];
    const evaluator = createEvaluator(opened.run.model, "ce", { batchSize: 4 });
    await evaluator.evaluate(opened.params, split, (done, total) => seen.push([done, total]));
    evaluator.dispose();
    expect(seen).toEqual(
      Array.from({ length: Math.ceil(split.count / 4) + 1 }, (_, i) => [
        Math.min(4 * i, split.count),
        split.count,
      ]),
    );
    tree.dispose(opened.params);
    expect(lines.map((l) => l.label)).toEqual(out.predictions.map((c) => ["0", "1"][c]));
    for (const l of lines) {
      const [p0, p1] = [l.probabilities["0"], l.probabilities["1"]];
      expect(p0 + p1).toBeCloseTo(1, 5);
      expect(l.label).toBe(p1 > p0 ? "1" : "0");
    }
    // And the labels reproduce the run's dev accuracy, as `cmploss eval` reports it.
    const e = cli("eval", "--output-dir", run, "--json");
    expect(e.code, e.stderr).toBe(0);
    const accuracy = (JSON.parse(e.stdout) as { value: number }[])[0].value;
    const correct = lines.filter((l, i) => Number(l.label) === examples[i].label).length;
    expect(correct / examples.length).toBe(accuracy);
  });

  it("writes STS-B's predicted score, reproducing cmploss eval's Pearson correlation", () => {
    const data = join(root, "stsb-data");
    mkdirSync(data);
    const header = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore";
    for (const split of ["train", "dev"]) {
      const texts = readFileSync(`test/fixtures/sst2-tiny/${split}.tsv`, "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split("\t")[0]);
      const rows = texts
        .slice(1)
        .map((t, i) => [i, "g", "f", 2012, i, "s", "s", texts[i], t, `${(i * 7) % 6}.${i % 10}00`]);
      writeFileSync(join(data, `${split}.tsv`), [header, ...rows.map((r) => r.join("\t"))].join("\n") + "\n");
    }
    const stsb = join(root, "stsb");
    const t = cli(
      ...["train", "--task", "stsb", "--data-dir", data, "--output-dir", stsb],
      ...["--max-steps", "2", "--batch-size", "8", "--max-seq-length", "32"],
    );
    expect(t.code, t.stderr).toBe(0);
    const p = cli("predict", "--output-dir", stsb, "--input", join(data, "dev.tsv"), "--output", "-");
    expect(p.code, p.stderr).toBe(0);
    const lines = p.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { index: number; score: number });
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 47 }, (_, i) => i));
    const gold = readFileSync(join(data, "dev.tsv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split("\t")[9]));
    const e = cli("eval", "--output-dir", stsb, "--json");
    expect(e.code, e.stderr).toBe(0);
    const pearson = (JSON.parse(e.stdout) as { value: number }[])[0].value;
    const scores = scoreAll(
      getGlueTask("STS-B"),
      lines.map((l) => l.score),
      gold,
    );
    expect(scores.pearson).toBe(pearson);
  });

  it("reads JSONL rows with the task's field names and writes to stdout with --output -", () => {
    const rows = readFileSync(dev, "utf8").trim().split("\n").slice(1);
    const input = join(root, "dev.jsonl");
    writeFileSync(
      input,
      rows.map((r, i) => JSON.stringify({ idx: i, sentence: r.split("\t")[0] })).join("\n") + "\n",
    );
    const p = cli("predict", "--output-dir", run, "--input", input, "--output", "-", "--batch-size", "5");
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/wrote 48 predictions to stdout/);
    const fromFile = jsonl(readFileSync(join(run, "predictions.jsonl"), "utf8"));
    const fromJsonl = jsonl(p.stdout);
    expect(fromJsonl.map((l) => [l.index, l.label])).toEqual(fromFile.map((l) => [l.index, l.label]));
    fromJsonl.forEach((l, i) =>
      expect(Object.values(l.probabilities)).toBeAllclose(Object.values(fromFile[i].probabilities)),
    );
  });

  it("names a bad row with exit 1 and leaves the output as it was", () => {
    const input = join(root, "test.tsv");
    writeFileSync(input, "index\tsentence\n0\ta fine film\n1\tno tab here\tand an extra field\n");
    const output = join(root, "kept.jsonl");
    writeFileSync(output, "earlier predictions\n");
    const p = cli("predict", "--output-dir", run, "--input", input, "--output", output);
    expect(p.code).toBe(1);
    expect(p.stderr.trim().split("\n").at(-1)).toBe(
      `cmploss: ${input}:3: expected 2 tab-separated fields (index, sentence), got 3 fields: "1\\tno tab here\\tand an extra field"`,
    );
    expect(readFileSync(output, "utf8")).toBe("earlier predictions\n");
    expect(readdirSync(root).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("stops at SIGTERM after the rows in flight, writing nothing", async () => {
    const output = join(root, "stopped.jsonl");
    const args = ["predict", "--output-dir", run, "--input", "data/glue/SST-2/train.tsv"];
    const p = startCli([...args, "--output", output, "--batch-size", "16"]);
    while (!/predicting 67349 SST-2 rows/.test(p.stderr())) await new Promise((r) => setTimeout(r, 50));
    p.kill("SIGTERM");
    expect(await p.exited, p.stderr()).toBe(143);
    expect(p.stderr()).toMatch(/predict: stopped after \d+ of 67349; no predictions written\n$/);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(root).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("falls back to the last checkpoint when the run has no best model, saying so", () => {
    const copy = join(root, "no-best");
    cpSync(run, copy, { recursive: true });
    rmSync(join(copy, "model-best.safetensors"));
    const p = cli("predict", "--output-dir", copy, "--input", dev);
    expect(p.code, p.stderr).toBe(0);
    // The copy holds the first test's predictions.jsonl: replaced, and said so.
    expect(p.stderr).toMatch(/wrote 48 predictions to .*predictions\.jsonl \(replacing the earlier file\)/);
    expect(p.stderr).toMatch(
      /model-best\.safetensors does not exist .*; using .*checkpoint-last\.safetensors/,
    );
    expect(p.stderr).toMatch(/\(last weights/);
    expect(jsonl(readFileSync(join(copy, "predictions.jsonl"), "utf8"))).toHaveLength(48);
  });

  it("has --help, and a line in cmploss --help", () => {
    const h = cli("predict", "--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: cmploss predict --output-dir <run> --input <file>/);
    expect(h.stdout).toMatch(/--batch-size .*\n.*--device .*\(default: auto\)\n.*--threads/);
    expect(cli("--help").stdout).toMatch(/\n {2}predict .*trained run/);
  });

  it("refuses missing flags and files with one line and exit 2", () => {
    const cases = [
      [["predict", "--input", dev], /predict: expected --output-dir <run folder>/],
      [["predict", "--output-dir", run], /predict: expected --input <file to predict>/],
      [
        ["predict", "--output-dir", run, "--input", "nope.tsv"],
        /--input nope\.tsv: expected a file, found none/,
      ],
      [
        ["predict", "--output-dir", join(root, "none"), "--input", dev],
        /none\/run\.json: expected the run\.json/,
      ],
      [
        ["predict", "--output-dir", run, "--input", dev, "--output", join(root, "no", "dir.jsonl")],
        /--output .*dir\.jsonl: expected an existing folder to write in/,
      ],
    ] as const;
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe("cmploss predict on a QA run", () => {
  const data = join(root, "squad");
  const model = join(root, "bert-tiny");
  const run = join(root, "qa");

  it("answers SQuAD-format questions as eval's evaluator does, in the official prediction format", async () => {
    mkdirSync(data);
    for (const f of ["train-v1.1.json", "dev-v1.1.json"])
      cpSync("test/fixtures/qa/squad-small.json", join(data, f));
    cpSync("test/fixtures/hf/bert-tiny", model, { recursive: true });
    const config: TrainConfig = {
      ...TRAIN_DEFAULTS,
      task: "squad",
      dataDir: data,
      model,
      outputDir: run,
      maxSeqLength: 64,
      batchSize: 4,
      maxSteps: 2,
      evalSteps: 2,
      evalBatchSize: 8,
      lr: 1e-3,
      nDrop: 1,
    };
    const settings = { ...QA_DEFAULTS, docStride: 16, maxQueryLength: 16 };
    await train(config, { quiet: true }, settings);
    const input = join(data, "dev-v1.1.json");
    const p = cli("predict", "--output-dir", run, "--input", input, "--batch-size", "8");
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/wrote 11 answers to .*predictions\.json/);
    const answers = JSON.parse(readFileSync(join(run, "predictions.json"), "utf8")) as Record<string, string>;
    const squad = await readSquad(input);
    expect(Object.keys(answers)).toEqual(squad.examples.map((e) => e.id));

    // The answers of the evaluator that `cmploss eval` runs, on the same questions and weights.
    const opened = await openQaRun(run, "best");
    const evaluator = createQaEvaluator(opened.run.model, "\n\n", opened.tokenizer, {
      maxSeqLength: 64,
      settings,
      batchSize: 8,
    });
    const dev = evaluator.prepare(squad.examples.map(squadItem));
    const seen: number[] = [];
    const expected = await evaluator.evaluate(opened.params, dev, 0, (done, total) => {
      expect(total).toBe(dev.features.length);
      seen.push(done);
    });
    evaluator.dispose();
    // progress in windows, after every batch of 8
    const windows = dev.features.length;
    expect(seen).toEqual(
      Array.from({ length: Math.ceil(windows / 8) + 1 }, (_, i) => Math.min(8 * i, windows)),
    );
    tree.dispose(opened.params);
    expect(answers).toEqual(Object.fromEntries(expected.predictions));
    const golds = new Map(squad.examples.map((e) => [e.id, e.answers.map((a) => a.text)]));
    const [scored] = await evaluateQaRun({
      outputDir: run,
      checkpoint: "best",
      maxParagraphs: [null],
      forceDropout: [0],
      seed: 0,
      batchSize: 8,
    });
    expect(squadEvaluate(golds, new Map(Object.entries(answers))).f1).toBe(scored.f1);
  });

  it("answers the same after its --model folder is gone: the run keeps its own tokenizer", () => {
    const before = readFileSync(join(run, "predictions.json"), "utf8");
    renameSync(model, `${model}-moved`);
    const out = join(run, "again.json");
    const p = cli("predict", "--output-dir", run, "--input", join(data, "dev-v1.1.json"), "--output", out);
    expect(p.code, p.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(before);
  });
});
