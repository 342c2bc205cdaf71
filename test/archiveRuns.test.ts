import { spawnSync } from "node:child_process";
import {
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

const root = mkdtempSync(join(tmpdir(), "cmploss-archive-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function archive(from: string, to: string) {
  return spawnSync("bash", ["scripts/archive-runs.sh", from, to], { encoding: "utf8" });
}

function writeRun(dir: string, files: Record<string, string>) {
  mkdirSync(join(dir, "tokenizer"), { recursive: true });
  writeFileSync(join(dir, "tokenizer", "tokenizer.json"), "{}");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

describe("scripts/archive-runs.sh", () => {
  it("copies finished runs without weights, keeping the layout, and leaves unfinished runs out", () => {
    const grid = join(root, "grid");
    writeRun(join(grid, "cola", "ce", "seed1"), {
      "metrics.json": '{"wall_s": 1}',
      "run.json": "{}",
      "train_log.jsonl": '{"step": 1}\n',
      "eval_log.jsonl": '{"step": 1}\n',
      "utility.json": "[]",
      "model-best.safetensors": "weights",
      "checkpoint-last.safetensors": "weights",
      "train.log": "progress",
    });
    writeRun(join(grid, "cola", "cmp", "seed1"), {
      "run.json": "{}",
      "train_log.jsonl": "{}\n",
      "checkpoint-last.safetensors": "weights",
    });
    const out = join(root, "archive");
    const r = archive(grid, out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("1 finished run(s)");
    const run = join(out, "cola", "ce", "seed1");
    // the logs travel with the run: the JSONL logs and the console output (where GPU errors show)
    expect(readdirSync(run).sort()).toEqual([
      "eval_log.jsonl",
      "metrics.json",
      "run.json",
      "train.log",
      "train_log.jsonl",
      "utility.json",
    ]);
    expect(readFileSync(join(run, "metrics.json"), "utf8")).toBe('{"wall_s": 1}');
    expect(readFileSync(join(run, "train.log"), "utf8")).toBe("progress");
    expect(existsSync(join(out, "cola", "cmp"))).toBe(false);
    expect(r.stderr).toBe("");
  });

  it("archives a finished run without logs and names it", () => {
    const grid = join(root, "grid-unlogged");
    writeRun(join(grid, "rte", "ce", "seed2"), { "metrics.json": "{}", "run.json": "{}" });
    const r = archive(grid, join(root, "archive-unlogged"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rte\/ce\/seed2 has no train_log\.jsonl/);
    expect(r.stdout).toContain("1 finished run(s)");
    expect(r.stdout).toContain("(1 without logs)");
  });

  it("says what is wrong with a missing folder or missing arguments", () => {
    const missing = archive(join(root, "nope"), join(root, "out"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope: no such folder/);
    const usage = spawnSync("bash", ["scripts/archive-runs.sh"], { encoding: "utf8" });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^usage:/);
  });
});
