import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { markdownTable, meanStd, type RunResult } from "../src/experiment/report.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-exp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, CMPLOSS_THREADS: "1" },
    timeout: 300_000,
  });
}

describe("cmploss experiment", () => {
  const args = [
    "experiment",
    "--tasks",
    "sst2",
    "--methods",
    "ce,rdrop,cmp",
    "--seeds",
    "1,2",
    "--data-dirs",
    "sst2=test/fixtures/sst2-tiny",
    "--output-dir",
    root,
    "--max-steps",
    "3",
    "--batch-size",
    "8",
    "--eval-steps",
    "3",
    "--utility-powers",
    "0,2",
  ];

  it("runs the grid, writes results.json, a Markdown table and an HTML report with plots", () => {
    const r = cli(...args);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(root, "results.json"), "utf8")) as RunResult[];
    expect(results.map((x) => `${x.method}/${x.seed}`)).toEqual([
      "ce/1",
      "rdrop/1",
      "cmp/1",
      "ce/2",
      "rdrop/2",
      "cmp/2",
    ]);
    expect(results[0].utility.map((u) => u.power)).toEqual([0, 2]);
    const md = readFileSync(join(root, "results.md"), "utf8");
    expect(md).toMatch(/\| SST-2 \| rdrop \| 2 \| accuracy \d+\.\d\d ± \d+\.\d\d \|/);
    const html = readFileSync(join(root, "report.html"), "utf8");
    expect(html.match(/<svg /g)?.length).toBe(2 + 3);
    expect(html).toMatch(/utility curve/);
  });

  it("skips finished runs when started again", () => {
    const r = cli(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/: done/g)?.length).toBe(6);
  });

  it("refuses per-run flags", () => {
    const r = cli("experiment", "--seed", "3");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--seed is set per run by the experiment/);
  });
});

describe("report helpers", () => {
  it("computes the sample standard deviation and formats mean ± std in percent", () => {
    expect(meanStd([0.8, 0.82, 0.84])).toEqual({ mean: 0.82, std: expect.closeTo(0.02, 10), n: 3 });
    const row = (seed: number, best: number): RunResult => ({
      task: "SST-2",
      method: "cmp",
      seed,
      metric: "accuracy",
      best,
      final: best,
      scores: {},
      wall_s: 10,
      examples_per_s: 100,
      utility: [],
      outputDir: "",
    });
    expect(markdownTable([row(1, 0.8), row(2, 0.84)])).toMatch(
      /\| SST-2 \| cmp \| 2 \| accuracy 82\.00 ± 2\.83 \|/,
    );
  });
});
