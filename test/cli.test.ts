import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTensorMetadata } from "../src/train/checkpoint.js";
import { cli, jsonlLines, startCli, untilJsonlLines } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function brokenCopy(name: string, edit: (train: string) => string): string {
  const dir = join(root, name);
  cpSync("test/fixtures/sst2-tiny", dir, { recursive: true });
  const path = join(dir, "train.tsv");
  writeFileSync(path, edit(readFileSync(path, "utf8")));
  return dir;
}

describe("cmploss CLI", () => {
  it("prints help for every command", () => {
    for (const args of [["--help"], ["train", "--help"], ["eval", "--help"]]) {
      const r = cli(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage: cmploss/);
    }
    expect(cli("train", "--help").stdout).toMatch(/--n-drop .*\(default: 2\)/);
  });

  it("rejects unknown flags, bad values and conflicting loss flags with one line and exit 2", () => {
    const cases = [
      [["train", "--n-dropp", "2"], /unknown flag --n-dropp/],
      [["train", "--lr", "fast"], /--lr: expected a number ≥ 0, got "fast"/],
      [["train", "--loss-target", "best", "--no-just-cmp"], /--loss-target only applies with --just-cmp/],
      [["train", "--cr-weight", "0.5"], /--cr-weight only apply with --no-just-cmp/],
      [
        ["train", "--no-just-cmp", "--cr-schedule", "--micro-batch-size", "8"],
        /--cr-schedule decides on the whole batch's mean loss/,
      ],
      [["train", "--micro-batch-size", "0"], /--micro-batch-size: expected an integer ≥ 1, got 0/],
      [["frobnicate"], /unknown command/],
      [["experiment", "--tasks", "cola,colla"], /--tasks: unknown task "colla"; expected cola, sst2/],
      [["train", "--task", "rte"], /--task rte: expected --data-dir <its glue_data\/RTE folder>/],
      [
        ["experiment", "--tasks", "sst2,mrpc"],
        /--data-dirs: mrpc needs its data \(mrpc=<its glue_data\/MRPC folder>\)/,
      ],
      [
        ["eval", "--output-dir", "no-such-run"],
        /no-such-run\/run\.json: expected the run\.json of a folder written by cmploss train, got no such file/,
      ],
      [
        ["train", "--ablation-mode", "lazy"],
        /--ablation-mode: expected one of batched, sequential, accumulate/,
      ],
      [
        ["train", "--task", "squad", "--ablation-mode", "accumulate"],
        /--ablation-mode only applies to GLUE tasks/,
      ],
    ] as const;
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  const malformed: [string, (s: string) => string, RegExp][] = [
    ["missing-column", (s) => s.replace(/\t1\n/, "\n"), /train\.tsv:\d+: expected 2 tab-separated/],
    ["bad-label", (s) => s.replace(/\t1\n/, "\tpositive\n"), /train\.tsv:\d+: expected .*label/],
    ["wrong-header", (s) => s.replace("sentence\tlabel", "text\tlabel"), /train\.tsv:1: expected .*header/],
    ["empty", () => "", /train\.tsv: expected/],
  ];
  for (const [name, edit, message] of malformed) {
    it(`reports a ${name} TSV as file:line without a stack trace and writes nothing`, () => {
      const data = brokenCopy(name, edit);
      const out = join(root, `out-${name}`);
      const r = cli("train", "--data-dir", data, "--output-dir", out, "--max-steps", "2");
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines.at(-1)).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }

  it("refuses a bad --config or --model with one line before writing anything", () => {
    const file = join(root, "bad-settings.json");
    const noWeights = join(root, "no-weights");
    cpSync("test/fixtures/hf/bert-tiny", noWeights, { recursive: true });
    rmSync(join(noWeights, "model.safetensors"));
    const badTokenizer = join(root, "bad-tokenizer");
    cpSync("test/fixtures/hf/bert-tiny", badTokenizer, { recursive: true });
    const cases: [string, string[], number, RegExp][] = [
      ["lr", ["--config", file], 2, /^cmploss: --config \S+: "lr" expected a number ≥ 0, got "fast"$/],
      ["model", ["--model", "/nonexistent"], 2, /^cmploss: --model \/nonexistent: expected a preset/],
      ["weights", ["--model", noWeights], 1, /no-weights: expected model\.safetensors/],
      // The user's file, not the copy the run folder would have kept.
      [
        "tokenizer",
        ["--model", badTokenizer],
        1,
        /bad-tokenizer\/tokenizer\.json: expected a tokenizer\.json/,
      ],
    ];
    writeFileSync(file, JSON.stringify({ config: { lr: "fast", maxSteps: 1 } }));
    writeFileSync(join(badTokenizer, "tokenizer.json"), JSON.stringify({ model: { type: "WordPiece" } }));
    for (const [name, args, code, message] of cases) {
      const out = join(root, `refused-${name}`);
      const r = cli("train", ...args, "--data-dir", "test/fixtures/sst2-tiny", "--output-dir", out);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out), name).toBe(false);
    }
    const badRun = join(root, "bad-run");
    mkdirSync(badRun);
    writeFileSync(join(badRun, "run.json"), '{\n  "config": {"task": sst2}\n}\n');
    const e = cli("eval", "--output-dir", badRun);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/bad-run\/run\.json: expected the run\.json .*, got "s" at line 2, column 22$/m);
  });

  it("repeats a run from its run.json, clipping off (stored as null) included", () => {
    const first = join(root, "repeat-1");
    const args = ["--data-dir", "test/fixtures/sst2-tiny", "--max-steps", "1", "--max-seq-length", "16"];
    const a = cli("train", ...args, "--max-grad-norm", "0", "--batch-size", "4", "--output-dir", first);
    expect(a.code, a.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(first, "run.json"), "utf8"));
    expect(run.config.maxGradNorm).toBeNull();
    const second = join(root, "repeat-2");
    const b = cli("train", "--config", join(first, "run.json"), "--output-dir", second);
    expect(b.code, b.stderr).toBe(0);
    const again = JSON.parse(readFileSync(join(second, "run.json"), "utf8"));
    expect(again.config).toEqual({ ...run.config, outputDir: second });
  });

  it("reads settings from a run.json with --config, flags overriding them", () => {
    const dir = join(root, "cfg");
    const file = join(root, "settings.json");
    writeFileSync(
      file,
      JSON.stringify({ config: { nDrop: 1, batchSize: 8, maxSteps: 2, evalSteps: 2, maxSeqLength: 32 } }),
    );
    const r = cli(
      "train",
      "--config",
      file,
      "--data-dir",
      "test/fixtures/sst2-tiny",
      "--output-dir",
      dir,
      "--n-drop",
      "0",
    );
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"));
    expect(run.config).toMatchObject({ nDrop: 0, batchSize: 8, maxSteps: 2, maxSeqLength: 32 });
    writeFileSync(file, JSON.stringify({ nDropp: 3 }));
    const bad = cli("train", "--config", file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown settings nDropp/);
  });

  it("trains, then evaluates with forced dropout", () => {
    const out = join(root, "run");
    const t = cli(
      "train",
      "--data-dir",
      "test/fixtures/sst2-tiny",
      "--output-dir",
      out,
      "--max-steps",
      "4",
      "--batch-size",
      "8",
      "--eval-steps",
      "2",
      "--ablation-mode",
      "accumulate",
      "--micro-batch-size",
      "3",
    );
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/CmpDrop c=2 \(accumulate\).*micro-batches of 3/);
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).config.microBatchSize).toBe(3);
    expect(t.stdout).toMatch(/dev accuracy: \d\.\d{4}/);
    const e = cli("eval", "--output-dir", out, "--force-dropout", "0,2", "--json");
    expect(e.code, e.stderr).toBe(0);
    const rows = JSON.parse(e.stdout) as { forceDropout: number; rate: number; value: number }[];
    expect(rows.map((r) => r.forceDropout)).toEqual([0, 2]);
    expect(rows[1].rate).toBeCloseTo(0.19, 6);
    const text = cli("eval", "--output-dir", out, "--force-dropout", "0,1,2");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/utility curve: .*utility-curve\.svg/);
    const svg = readFileSync(join(out, "utility-curve.svg"), "utf8");
    expect(svg).toMatch(/Dev accuracy under forced dropout[\s\S]*Dev loss under forced dropout/);
    const bad = cli("eval", "--output-dir", out, "--force-dropout", "0,,2");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--force-dropout: expected integers 0–64 separated by commas, got "0,,2"/);
    const glue = cli("eval", "--output-dir", out, "--max-paragraphs", "2");
    expect(glue.code).not.toBe(0);
    expect(glue.stderr).toMatch(/--max-paragraphs only applies to QA runs/);
  });

  it("stops at SIGTERM after the step in flight, with a checkpoint that --resume goes on from", async () => {
    const out = join(root, "stopped");
    const args = ["train", "--data-dir", "test/fixtures/sst2-tiny", "--output-dir", out, "--max-steps", "60"];
    args.push("--batch-size", "8", "--eval-steps", "50", "--max-seq-length", "32");
    const run = startCli(args);
    const log = join(out, "train_log.jsonl");
    await untilJsonlLines(log, 3);
    run.kill("SIGTERM");
    expect(await run.exited, run.stderr()).toBe(143);
    const m =
      /train: stopped at step (\d+) of 60; checkpoint in (.*checkpoint-last\.safetensors); rerun/.exec(
        run.stderr(),
      );
    expect(m, run.stderr()).not.toBeNull();
    const step = Number(m![1]);
    expect(step).toBeGreaterThanOrEqual(3);
    expect(step).toBeLessThan(60);
    expect(jsonlLines(log)).toBe(step);
    expect(existsSync(join(out, "metrics.json"))).toBe(false); // unfinished: a grid resumes it
    expect(loadTensorMetadata(m![2]).step).toBe(String(step));
    const resumed = cli(...args, "--resume");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming at step ${step}`));
    const logged = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).step as number);
    expect(logged).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  }, 120_000);
});
