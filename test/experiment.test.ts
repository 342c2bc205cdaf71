import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  contextTable,
  htmlReport,
  logsLine,
  markdownTable,
  meanStd,
  pairedTable,
  utilityTable,
  type RunResult,
} from "../src/experiment/report.js";
import { majorityBaseline, type MajorityBaseline } from "../src/experiment/baseline.js";
import { loadGlueSplit } from "../src/tasks/glue/reader.js";
import { majorityClass } from "../src/tasks/metrics.js";
import { getGlueTask } from "../src/tasks/registry.js";
import { clearRun } from "../src/train/runFolder.js";
import { fitsBefore, gridCells, gridEta, inPool, slotEstimate } from "../src/experiment/grid.js";
import { loadTensorMetadata, loadTensors, saveTensors } from "../src/train/checkpoint.js";
import { jsonlLines, startCli, untilJsonlLines } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-exp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, CMPLOSS_THREADS: "1" },
    timeout: 300_000,
  });
}

describe("gridCells", () => {
  it("puts seeds outermost, so a grid cut short has every task and method at the same seeds", () => {
    const cells = gridCells({ tasks: ["rte", "mrpc"], methods: ["ce", "cmp"], seeds: [1, 2], root: "r" });
    expect(cells.map((c) => `${c.seed}:${c.task}:${c.method}`)).toEqual([
      "1:rte:ce",
      "1:rte:cmp",
      "1:mrpc:ce",
      "1:mrpc:cmp",
      "2:rte:ce",
      "2:rte:cmp",
      "2:mrpc:ce",
      "2:mrpc:cmp",
    ]);
    expect(cells[3].outputDir).toBe(join("r", "mrpc", "cmp", "seed1"));
  });
});

/** A finished run (its metrics.json and run.json) copied into another grid, as if it had trained for `seconds`. */
function copyFinishedRun(from: string, to: string, seconds: number): void {
  mkdirSync(to, { recursive: true });
  const metrics = JSON.parse(readFileSync(join(from, "metrics.json"), "utf8"));
  writeFileSync(join(to, "metrics.json"), JSON.stringify({ ...metrics, wall_s: seconds }));
  cpSync(join(from, "run.json"), join(to, "run.json"));
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

  it("runs the grid, writes results.json, a Markdown table and an HTML report with plots", async () => {
    const r = cli(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /\[1\/6\] sst2 ce seed 1: trained and scored in \d\d:\d\d; 5 to go, about \d\d:\d\d/,
    );
    const results = JSON.parse(readFileSync(join(root, "results.json"), "utf8")) as RunResult[];
    // trained seed by seed, reported method by method
    expect(r.stderr.indexOf("[3/6] sst2 cmp seed 1")).toBeLessThan(r.stderr.indexOf("[4/6] sst2 ce seed 2"));
    expect(results.map((x) => `${x.method}/${x.seed}`)).toEqual([
      "ce/1",
      "ce/2",
      "rdrop/1",
      "rdrop/2",
      "cmp/1",
      "cmp/2",
    ]);
    expect(results[0].utility.map((u) => u.power)).toEqual([0, 2]);
    const md = readFileSync(join(root, "results.md"), "utf8");
    expect(md).toMatch(/\| SST-2 \| rdrop \| 2 \| accuracy \d+\.\d\d ± \d+\.\d\d \|/);
    // the paired differences on the final score beside the best, and the majority class beside the utility
    // curves, computed from the dev labels with the task's metric
    expect(md).toMatch(
      /\| SST-2 \| cmp \| ce \| 2 \| [+−][\d.]+ ± [\d.]+ \| \d \/ \d \/ \d \| [+−][\d.]+ ± [\d.]+ \|/,
    );
    const sst2 = getGlueTask("SST-2");
    const dev = await loadGlueSplit(sst2, "test/fixtures/sst2-tiny", "dev");
    const majority = majorityClass(
      sst2,
      dev.examples.map((e) => e.label),
    );
    const line = `${(100 * majority.scores.accuracy).toFixed(2)} / ${majority.entropy.toFixed(3)}`;
    const name = `majority class (always "${sst2.labels[majority.label]}")`;
    expect(md).toContain(`| SST-2 | ${name} | – | ${line} | ${line} |`);
    // every run keeps its console output, also when the grid runs one at a time (and shows it here)
    for (const x of results)
      expect(readFileSync(join(x.outputDir, "train.log"), "utf8")).toMatch(/dev accuracy/);
    expect(r.stderr).toMatch(/dev accuracy/);
    expect(md).toContain("Logs: 6 of 6 runs have their logs.");
    const html = readFileSync(join(root, "report.html"), "utf8");
    expect(html).toContain(`>${name.replaceAll('"', "&quot;")}</text>`); // the utility plot's legend: the dashed line is drawn
    expect(html.match(/<svg /g)?.length).toBe(2 + 3);
    expect(html).toMatch(/utility curve/);
    // six runs in child processes: as long as the spawn may take, for a loaded machine
  }, 300_000);

  it("reports only what is finished with --report-only, training nothing", () => {
    const partial = join(root, "partial");
    const r = cli(...args.map((a) => (a === root ? partial : a)), "--report-only");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/none of the grid's 6 run\(s\) has finished yet: nothing to report/);
    expect(r.stderr.match(/: skipped/g)?.length).toBe(6);
    const again = cli(...args.map((a) => (a === "1,2" ? "1" : a)), "--report-only");
    expect(again.status, again.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(root, "results.json"), "utf8")) as RunResult[];
    expect(results).toHaveLength(3);
  });

  it("skips finished runs when started again", () => {
    const r = cli(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/: done/g)?.length).toBe(6);
  });

  it("trains runs side by side with --jobs, to the same numbers, each logging to its own file", () => {
    const side = join(root, "jobs");
    const jobsArgs = args.map((a) =>
      a === root ? side : a === "1,2" ? "1" : a === "ce,rdrop,cmp" ? "ce,cmp" : a,
    );
    const r = cli(...jobsArgs, "--jobs", "2");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sst2 cmp seed 1: started \(log: .*train\.log\)/);
    for (const method of ["ce", "cmp"]) {
      const read = (dir: string) =>
        JSON.parse(readFileSync(join(dir, "sst2", method, "seed1", "metrics.json"), "utf8"));
      expect(read(side).final).toEqual(read(root).final);
      expect(readFileSync(join(side, "sst2", method, "seed1", "train.log"), "utf8")).toMatch(/dev accuracy/);
    }
  });

  it("with --time-limit, stops the run in flight at the limit and starts none after it", () => {
    const limited = join(root, "limited");
    const long = args.map((a) =>
      a === root ? limited : a === "3" ? "200" : a === "ce,rdrop,cmp" ? "ce" : a,
    );
    const r = cli(...long.map((a) => (a === "1,2" ? "1,2,3" : a)), "--time-limit", "1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[1\/3\] sst2 ce seed 1: stopped/);
    expect(r.stderr).toMatch(/\[2\/3\] sst2 ce seed 2: deferred: 00:00 left/);
    expect(r.stderr).toMatch(
      /--time-limit 1 s: 1 run\(s\) stopped with a checkpoint, 2 not started .*; rerun to go on/,
    );
    expect(existsSync(join(limited, "sst2", "ce", "seed1", "metrics.json"))).toBe(false);
  });

  it("with --time-limit, does not start a run that earlier runs of its task, method and device say would not fit", () => {
    const known = join(root, "known");
    const [from, to] = [join(root, "sst2", "ce", "seed1"), join(known, "sst2", "ce", "seed1")];
    copyFinishedRun(from, to, 3600);
    const run = JSON.parse(readFileSync(join(from, "run.json"), "utf8"));
    const grid = args.map((a) => (a === root ? known : a === "ce,rdrop,cmp" ? "ce" : a));
    const r = cli(...grid, "--time-limit", "600");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sst2 ce seed 2: deferred: about 1:00:00 needed, \d\d:\d\d left/);
    expect(r.stderr).toMatch(/0 run\(s\) stopped with a checkpoint, 1 not started/);
    expect(JSON.parse(readFileSync(join(known, "results.json"), "utf8"))).toHaveLength(1);
    // an hour on another device says nothing about this one: the run starts
    writeFileSync(
      join(to, "run.json"),
      JSON.stringify({ ...run, config: { ...run.config, device: "webgpu" } }),
    );
    const other = cli(...grid, "--time-limit", "600");
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/sst2 ce seed 2: trained/);
  });

  it("with --time-limit, expects a resumed run to need only what its checkpoint has not trained yet", () => {
    const resumable = join(root, "resumable");
    const seed = (dir: string, n: number) => join(dir, "sst2", "ce", `seed${n}`);
    copyFinishedRun(seed(root, 1), seed(resumable, 1), 3600);
    // seed 2 stopped near its end: its checkpoint holds 3590 of the hour seed 1 took
    cpSync(seed(root, 2), seed(resumable, 2), { recursive: true });
    rmSync(join(seed(resumable, 2), "metrics.json"));
    const last = join(seed(resumable, 2), "checkpoint-last.safetensors");
    const { tensors, metadata } = loadTensors(last);
    saveTensors(last, tensors, { ...metadata, wall_s: 3590 });
    const grid = args.map((a) => (a === root ? resumable : a === "ce,rdrop,cmp" ? "ce" : a));
    const r = cli(...grid, "--time-limit", "600");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sst2 ce seed 2: resumed/);
    expect(JSON.parse(readFileSync(join(seed(resumable, 2), "metrics.json"), "utf8")).wall_s).toBeGreaterThan(
      3590,
    );
  });

  it("with --partial-runs, starts the runs that fit first and then the others anyway", () => {
    const filled = join(root, "filled");
    // cmp seed 1 took an hour earlier: the other cmp run does not fit, the CE runs (unknown) do
    copyFinishedRun(join(root, "sst2", "cmp", "seed1"), join(filled, "sst2", "cmp", "seed1"), 3600);
    const grid = args.map((a) => (a === root ? filled : a === "ce,rdrop,cmp" ? "ce,cmp" : a));
    const r = cli(...grid, "--time-limit", "600", "--partial-runs");
    expect(r.status, r.stderr).toBe(0);
    const order = [...r.stderr.matchAll(/\] sst2 (\w+ seed \d): (\w+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(order).toEqual([
      "cmp seed 1 done",
      "ce seed 1 trained",
      "ce seed 2 trained",
      "cmp seed 2 trained",
    ]);
    const bad = cli(...grid, "--partial-runs");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--partial-runs only applies with --time-limit/);
  });

  it("stops at Ctrl-C: the run in flight after its step, with a checkpoint, and none after it", async () => {
    const interrupted = join(root, "interrupted");
    const grid = args.map((a) =>
      a === root ? interrupted : a === "3" ? "200" : a === "ce,rdrop,cmp" ? "ce" : a,
    );
    const experiment = startCli(grid);
    const run = join(interrupted, "sst2", "ce", "seed1");
    const log = join(run, "train_log.jsonl");
    await untilJsonlLines(log, 3);
    experiment.kill("SIGINT"); // the experiment only, as a test can: it passes the stop on to its run
    const { stderr } = experiment;
    expect(await experiment.exited, stderr()).toBe(130);
    expect(stderr()).toMatch(/\[1\/2\] sst2 ce seed 1: stopped/);
    expect(stderr()).toMatch(/\[2\/2\] sst2 ce seed 2: deferred\n/);
    expect(stderr()).toMatch(
      /stopped on request: 1 run\(s\) stopped with a checkpoint, 1 not started; rerun/,
    );
    expect(loadTensorMetadata(join(run, "checkpoint-last.safetensors")).step).toBe(String(jsonlLines(log)));
    expect(existsSync(join(run, "metrics.json"))).toBe(false);
  }, 120_000);

  it("refuses per-run flags", () => {
    const r = cli("experiment", "--seed", "3");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--seed is set per run by the experiment/);
    // the grid decides per cell whether it resumes or starts again
    const o = cli("experiment", "--overwrite");
    expect(o.status).toBe(2);
    expect(o.stderr).toMatch(/--overwrite is set per run by the experiment/);
  });
});

describe("cmploss experiment on extractive QA (the CmpDrop / CmpCrop ablation study)", () => {
  const qaRoot = join(root, "qa");
  const args = [
    "experiment",
    "--tasks",
    "squad-distractor",
    "--methods",
    "ce,cmp-drop,cmp-crop,cmp-both",
    "--seeds",
    "1",
    "--data-dirs",
    "squad-distractor=test/fixtures/qa/squad-small.json",
    "--model",
    "test/fixtures/hf/bert-tiny",
    "--n-drop",
    "1",
    "--n-crop",
    "1",
    "--distractors",
    "2",
    "--max-seq-length",
    "64",
    "--doc-stride",
    "16",
    "--max-query-length",
    "16",
    "--batch-size",
    "4",
    "--max-steps",
    "2",
    "--eval-steps",
    "2",
    "--lr",
    "1e-3",
    "--utility-powers",
    "0,2",
    "--context-sizes",
    "2,1,0",
    "--output-dir",
    qaRoot,
  ];

  it("runs CE, CmpDrop, CmpCrop and both, with utility and context-size curves", () => {
    const r = cli(...args);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(qaRoot, "results.json"), "utf8")) as RunResult[];
    expect(results.map((x) => x.method)).toEqual(["ce", "cmp-drop", "cmp-crop", "cmp-both"]);
    const variants = results.map(
      (x) =>
        JSON.parse(readFileSync(join(x.outputDir, "train_log.jsonl"), "utf8").split("\n")[0]).variant_losses
          .length,
    );
    expect(variants).toEqual([1, 2, 2, 3]);
    const settings = results.map(
      (x) => JSON.parse(readFileSync(join(x.outputDir, "run.json"), "utf8")).settings,
    );
    expect(settings.map((s) => s.nCrop)).toEqual([0, 0, 1, 1]);
    expect(settings.every((s) => s.distractors === 2 && s.docStride === 16)).toBe(true);
    for (const x of results) {
      expect(x.metric).toBe("f1");
      expect(x.final).toBeGreaterThanOrEqual(0);
      expect(x.final).toBeLessThanOrEqual(1); // fractions, like GLUE's
      expect(x.utility.map((u) => u.power)).toEqual([0, 2]);
      expect(x.context.map((c) => c.maxParagraphs)).toEqual([2, 1, 0]);
      // all distractors at power 0: the best evaluation the run logged, read once
      expect(x.context[0].value).toBe(x.utility[0].value);
    }
    expect(readFileSync(join(qaRoot, "results.md"), "utf8")).toMatch(
      /Context size \(QA\):\n\n\| task \| method \| seeds \| 2 distractors \| 1 distractor \| 0 distractors \|[\s\S]*\| squad-distractor \| cmp-both \| 1 \| \d+\.\d\d ± 0\.00 \| \d+\.\d\d ± 0\.00 \|/,
    );
    const html = readFileSync(join(qaRoot, "report.html"), "utf8");
    expect(html.match(/<svg /g)?.length).toBe(3 + 4);
    expect(html).toMatch(/distractor paragraphs kept/);
  });

  it("with --keep-going, trains the other runs when one fails, reports them, and exits 1", () => {
    const data = join(root, "broken-rte");
    mkdirSync(data);
    const tsv = "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\tbroken line\n";
    for (const split of ["train", "dev"]) writeFileSync(join(data, `${split}.tsv`), tsv);
    const out = join(root, "keep-going");
    const common = ["--methods", "ce", "--seeds", "1", "--output-dir", out, "--max-steps", "2"];
    const r = cli(
      "experiment",
      ...common,
      ...["--tasks", "rte,sst2", "--data-dirs", `sst2=test/fixtures/sst2-tiny,rte=${data}`],
      ...["--batch-size", "8", "--eval-steps", "2", "--utility-powers", "0", "--keep-going"],
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/broken-rte\/\w+\.tsv:3: expected 4 tab-separated fields/);
    expect(r.stderr).toMatch(/\[1\/2\] rte ce seed 1: failed/);
    expect(r.stderr).toMatch(/experiment: 1 run\(s\) failed: rte ce seed 1/);
    // the broken dev file leaves RTE without its majority-class line, and says why; SST-2 keeps its own
    expect(r.stderr).toMatch(
      /rte: reported without its majority-class line: .*broken-rte\/dev\.tsv:3: expected 4/,
    );
    expect(readFileSync(join(out, "results.md"), "utf8")).toMatch(/- SST-2: always predicting/);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResult[];
    expect(results.map((x) => `${x.task}/${x.method}`)).toEqual(["SST-2/ce"]);
    // computed in the run's slot, right after its training: a grid cut short keeps its curves
    expect(results[0].utility.map((u) => u.power)).toEqual([0]);
  });

  it("refuses methods that do not fit the task, missing ablation counts and missing data", () => {
    const run = (...extra: string[]) => cli("experiment", "--output-dir", join(root, "never"), ...extra);
    const qa = [
      "--tasks",
      "squad-distractor",
      "--data-dirs",
      "squad-distractor=test/fixtures/qa/squad-small.json",
    ];
    let r = run(...qa, "--methods", "rdrop");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/rdrop applies to GLUE tasks only/);
    r = run("--tasks", "sst2", "--methods", "cmp-crop");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cmp-crop applies to QA tasks only/);
    r = run(...qa, "--methods", "cmp-crop", "--model", "test/fixtures/hf/bert-tiny");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cmp-crop needs --n-crop ≥ 1/);
    r = run("--tasks", "sst2", "--n-crop", "1");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--n-crop only applies to QA tasks/);
    r = run("--tasks", "squad-distractor", "--methods", "ce");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/squad-distractor needs its data/);
  });
});

describe("a run's console output", () => {
  it("survives --overwrite: a cell that starts again keeps the output of the attempt before it", () => {
    const dir = join(root, "overwritten");
    mkdirSync(dir, { recursive: true });
    for (const name of ["train.log", "metrics.json", "train_log.jsonl"]) writeFileSync(join(dir, name), "x");
    clearRun(dir);
    expect(existsSync(join(dir, "train.log"))).toBe(true);
    expect(existsSync(join(dir, "metrics.json"))).toBe(false);
    expect(existsSync(join(dir, "train_log.jsonl"))).toBe(false);
  });
});

describe("majorityBaseline", () => {
  it("reads the dev labels of a classification task; none for other kinds; a clear error for a missing file", async () => {
    const sst2 = await majorityBaseline("sst2", "test/fixtures/sst2-tiny");
    const dev = await loadGlueSplit("SST-2", "test/fixtures/sst2-tiny", "dev");
    const ones = dev.examples.filter((e) => e.label === 1).length;
    const share = Math.max(ones, dev.examples.length - ones) / dev.examples.length;
    expect(sst2).toMatchObject({ task: "SST-2", metric: "accuracy", examples: dev.examples.length, share });
    expect(sst2!.value).toBe(share);
    expect(await majorityBaseline("stsb", "/nonexistent")).toBeNull();
    expect(await majorityBaseline("squad-distractor", "/nonexistent")).toBeNull();
    expect(await majorityBaseline("prf", "/nonexistent")).toBeNull();
    await expect(majorityBaseline("rte", join(root, "no-rte"))).rejects.toThrow(/no-rte\/dev\.tsv/);
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
      context: [],
      outputDir: "",
    });
    expect(markdownTable([row(1, 0.8), row(2, 0.84)])).toMatch(
      /\| SST-2 \| cmp \| 2 \| accuracy 82\.00 ± 2\.83 \|/,
    );
    expect(contextTable([row(1, 0.8)])).toBe("");
    const other = (seed: number, best: number) => ({ ...row(seed, best), method: "ce" });
    const paired = pairedTable([
      other(1, 0.8),
      other(2, 0.84),
      other(3, 0.8),
      row(1, 0.81),
      row(2, 0.84),
      row(3, 0.79),
    ]);
    expect(paired).toContain(
      "| SST-2 | cmp | ce | 3 | +0.00 ± 1.00 | 1 / 1 / 1 | +0.00 ± 1.00 | 1 / 1 / 1 |",
    );
    const rdrop = (seed: number, best: number) => ({ ...row(seed, best), method: "rdrop" });
    const three = pairedTable([other(1, 0.8), other(2, 0.84), rdrop(1, 0.82), rdrop(2, 0.83), row(2, 0.85)]);
    expect(three.split("\n").slice(2, -1)).toEqual([
      "| SST-2 | rdrop | ce | 2 | +0.50 ± 2.12 | 1 / 0 / 1 | +0.50 ± 2.12 | 1 / 0 / 1 |",
      "| SST-2 | cmp | ce | 1 | +1.00 ± 0.00 | 1 / 0 / 0 | +1.00 ± 0.00 | 1 / 0 / 0 |",
      "| SST-2 | cmp | rdrop | 1 | +2.00 ± 0.00 | 1 / 0 / 0 | +2.00 ± 0.00 | 1 / 0 / 0 |",
    ]);
    // final scores are paired on their own: a method ahead on best dev can be behind at the end
    const ended = (r: RunResult, final: number) => ({ ...r, final });
    const finals = pairedTable([
      ended(other(1, 0.8), 0.8),
      ended(other(2, 0.8), 0.8),
      ended(row(1, 0.82), 0.79),
      ended(row(2, 0.83), 0.78),
    ]);
    expect(finals).toContain(
      "| SST-2 | cmp | ce | 2 | +2.50 ± 0.71 | 2 / 0 / 0 | −1.50 ± 0.71 | 0 / 0 / 2 |",
    );
    // the utility table: mean metric / loss per power, then the majority class's score and prior entropy
    const curve = (r: RunResult, v0: number, v8: number) => ({
      ...r,
      utility: [
        { power: 0, rate: 0, value: v0, loss: 0.4 },
        { power: 8, rate: 0.57, value: v8, loss: 0.6 },
      ],
    });
    const base: MajorityBaseline = {
      task: "SST-2",
      metric: "accuracy",
      value: 0.509,
      label: "1",
      share: 0.509,
      entropy: 0.693,
      examples: 872,
      file: "dev.tsv",
    };
    const util = utilityTable(
      [curve(other(1, 0.8), 0.8, 0.6), curve(other(2, 0.84), 0.84, 0.64), row(3, 0.8)],
      [base],
    );
    expect(util.split("\n").slice(2, -1)).toEqual([
      "| SST-2 | ce | 2 | 82.00 / 0.400 | 62.00 / 0.600 |",
      '| SST-2 | majority class (always "1") | – | 50.90 / 0.693 | 50.90 / 0.693 |',
    ]);
    expect(utilityTable([row(1, 0.8)], [base])).toBe("");
    // a run without a curve (brought back without weights) leaves the others' mean drawn, labelled
    const drawn = htmlReport(
      [
        { ...curve(row(1, 0.8), 0.8, 0.6), outputDir: "/nonexistent" },
        { ...row(2, 0.8), outputDir: "/nonexistent" },
      ],
      "t",
      [base],
    );
    expect(drawn).toMatch(/utility curve, dev accuracy vs forced dropout power/);
    expect(drawn.match(/>cmp \(1 of 2 runs\)<\/text>/g)).toHaveLength(1);
    expect(drawn).toContain('stroke-dasharray="4 3"');
    expect(drawn).toContain("majority class (always &quot;1&quot;)</text>");
    expect(drawn).toContain(
      "always predicting &quot;1&quot; (50.90 % of 872 dev examples) scores accuracy 50.90",
    );
    expect(pairedTable([row(1, 0.8)])).toBe("");
    // runs brought back without weights have no utility curve: no empty chart, no caption for one
    const noCurves = htmlReport([{ ...row(1, 0.8), outputDir: "/nonexistent" }], "t");
    expect(noCurves).not.toMatch(/utility curve/i);
    const withCurve = {
      ...row(1, 0.8),
      outputDir: "/nonexistent",
      utility: [{ power: 0, rate: 0, value: 0.8, loss: 0.5 }],
    };
    expect(htmlReport([withCurve], "t")).toMatch(/utility curve, dev accuracy vs forced dropout power/);
    // a run without logs (its machine lost) counts in the tables, and the curves average the runs that have them
    const loggedDir = join(root, "report-logged");
    mkdirSync(loggedDir, { recursive: true });
    const evals = [0.5, 0.7].map((value, i) => ({
      step: 10 * (i + 1),
      metric: "accuracy",
      value,
      best: true,
    }));
    writeFileSync(join(loggedDir, "eval_log.jsonl"), evals.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const stepRecord = { step: 1, loss: 0.6, variant_losses: [0.6, 0.7, 0.8] };
    writeFileSync(join(loggedDir, "train_log.jsonl"), JSON.stringify(stepRecord) + "\n");
    const partly = htmlReport(
      [
        { ...row(1, 0.7), outputDir: loggedDir },
        { ...row(2, 0.9), outputDir: "/nonexistent" },
      ],
      "t",
    );
    expect(partly).toContain("<td>80.00 ± 14.14</td>");
    expect(
      logsLine([
        { ...row(1, 0.7), outputDir: loggedDir },
        { ...row(2, 0.9), outputDir: "/nonexistent" },
      ]),
    ).toBe("Logs: 1 of 2 runs have their logs; without: SST-2 cmp seed 2.");
    expect(partly).toContain("cmp (1 of 2 runs)</text>");
    expect(partly).toContain("SST-2 · cmp (1 of 2 runs): training task loss per variant");
    expect(partly).toMatch(/<path d="M[^"]+L[^"]+" fill="none"/); // the one logged run's dev curve is drawn
    expect(htmlReport([{ ...row(2, 0.9), outputDir: "/nonexistent" }], "t")).not.toContain(
      "training task loss",
    );
    const withContext = (seed: number, f1: number) => ({
      ...row(seed, f1),
      context: [
        { maxParagraphs: 4, value: f1 },
        { maxParagraphs: 0, value: f1 + 0.1 },
      ],
    });
    expect(contextTable([withContext(1, 0.3), withContext(2, 0.5)])).toContain(
      "| SST-2 | cmp | 2 | 40.00 ± 14.14 | 50.00 ± 14.14 |",
    );
  });
});

describe("grid ETA", () => {
  const cell = (method: "ce" | "cmp") => ({ task: "sst2", method, seed: 1, outputDir: "" });
  it("uses the same method's mean where known, else the mean of all timed runs", () => {
    const timed = [
      { method: "ce", seconds: 100 },
      { method: "cmp", seconds: 200 },
      { method: "cmp", seconds: 300 },
    ];
    expect(gridEta(timed, [cell("ce"), cell("cmp"), cell("cmp")])).toBe(100 + 250 + 250);
    expect(gridEta(timed.slice(0, 1), [cell("cmp")])).toBe(100);
    expect(gridEta([], [cell("ce")])).toBeNaN();
    expect(gridEta([], [])).toBe(0);
  });
});

describe("grid time limit", () => {
  const cell = (task: string, method: "ce" | "cmp") => ({ task, method, seed: 1, outputDir: "" });
  it("expects a run to take what this sitting's runs of its task and method took, else earlier sittings'", () => {
    const timed = [
      { task: "rte", method: "cmp", seconds: 300 },
      { task: "rte", method: "cmp", seconds: 340 },
      { task: "mrpc", method: "cmp", seconds: 900 },
    ];
    const earlier = [
      { task: "rte", method: "cmp", wallSeconds: 100 },
      { task: "rte", method: "ce", wallSeconds: 60 },
      { task: "rte", method: "ce", wallSeconds: 80 },
    ];
    expect(slotEstimate(cell("rte", "cmp"), timed, earlier)).toBe(320);
    expect(slotEstimate(cell("rte", "ce"), timed, earlier)).toBe(70);
    expect(slotEstimate(cell("mrpc", "ce"), timed, earlier)).toBeNull(); // another task's or method's: unknown
    // resuming from a checkpoint with `done` seconds of training: what is left
    expect(slotEstimate(cell("rte", "cmp"), timed, earlier, 300)).toBe(20);
    expect(slotEstimate(cell("rte", "cmp"), timed, earlier, 400)).toBe(0);
    expect(slotEstimate(cell("mrpc", "ce"), timed, earlier, 400)).toBeNull();
  });

  it("starts a run that fits or is unknown, and nothing once the limit has passed", () => {
    let now = 1000;
    const estimates: Record<string, number | null> = { ce: 5, cmp: 20 };
    const deadline = {
      at: 11_000,
      signal: new AbortController().signal,
      estimate: (c: { method: string }) => estimates[c.method],
      now: () => now,
    };
    expect(fitsBefore(deadline, cell("rte", "ce"))).toBe(true);
    expect(fitsBefore(deadline, cell("rte", "cmp"))).toBe(false);
    estimates.cmp = null;
    expect(fitsBefore(deadline, cell("rte", "cmp"))).toBe(true);
    now = 6000;
    expect(fitsBefore(deadline, cell("rte", "ce"))).toBe(true); // ends exactly at the limit
    now = 11_000;
    expect(fitsBefore(deadline, cell("rte", "cmp"))).toBe(false);
  });
});

describe("inPool", () => {
  it("keeps at most `jobs` calls in flight and visits every item once", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await inPool([1, 2, 3, 4, 5], 2, async (x) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5 * x));
      seen.push(x);
      inFlight--;
    });
    expect(peak).toBe(2);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("starts nothing new after a failure, lets the calls in flight finish, then throws the first error", async () => {
    const done: number[] = [];
    const run = inPool([1, 2, 3, 4], 2, async (x) => {
      await new Promise((r) => setTimeout(r, x === 1 ? 1 : 20));
      if (x === 1) throw new Error("one failed");
      done.push(x);
    });
    await expect(run).rejects.toThrow("one failed");
    expect(done).toEqual([2]);
  });
});
