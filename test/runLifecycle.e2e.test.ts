/**
 * The run lifecycle end to end: a diverging run stops with nothing NaN saved, a folder holding a run is not
 * trained over without --resume or --overwrite, --resume of a finished run changes nothing, torn log lines and
 * orphaned temporary files are dealt with, and an experiment names the cell that failed and why.
 */
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTensorMetadata, loadTensors, saveTensors } from "../src/train/checkpoint.js";
import { TRAIN_DEFAULTS, type TrainConfig } from "../src/train/config.js";
import { TrainingDiverged } from "../src/train/guard.js";
import { train } from "../src/train/loop.js";
import { RUN_FILES } from "../src/train/runFiles.js";
import { QA_DEFAULTS } from "../src/tasks/qa/data.js";
import { cli, startCli } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-life-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `cmploss train` on the 96-row fixture, as the library config `glue(name)` below. */
const trainArgs = (dir: string, ...extra: string[]) => [
  "train",
  ...["--data-dir", "test/fixtures/sst2-tiny", "--output-dir", dir],
  ...["--max-steps", "8", "--batch-size", "8", "--eval-steps", "4", "--max-seq-length", "32"],
  ...extra,
];

const glue = (name: string, over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...TRAIN_DEFAULTS,
  dataDir: "test/fixtures/sst2-tiny",
  outputDir: join(root, name),
  maxSteps: 8,
  batchSize: 8,
  evalSteps: 4,
  maxSeqLength: 32,
  ...over,
});

/** Every file in a folder (recursively) with its size and modification time: what "nothing touched" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name));
    if (st.isFile())
      out[name] = `${st.size}:${st.mtimeMs}:${readFileSync(join(dir, name)).toString("base64")}`;
  }
  return out;
}

const stepsLogged = (dir: string) =>
  readFileSync(join(dir, RUN_FILES.steps), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { step: number; variant_losses: number[] });

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

describe("a diverging run", () => {
  it("stops at the first non-finite variant loss with one line and exit 1, writing no weights", () => {
    const dir = join(root, "diverged");
    const r = cli(...trainArgs(dir, "--lr", "1e30"));
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(
      /^cmploss: train: diverged at step 2 \(lr 8\.75e\+29\): the loss of variant "full" became NaN; no checkpoint had been saved; lower --lr .* --overwrite$/,
    );
    expect(r.stderr).toMatch(/progress: loss = objective \[full, ablated 1, ablated 2\]/);
    expect(r.stderr).not.toMatch(/NaN \w|\[NaN/); // the bar never showed a NaN step
    for (const f of [RUN_FILES.best, RUN_FILES.last, RUN_FILES.metrics, RUN_FILES.hfModel])
      expect(existsSync(join(dir, f)), f).toBe(false);
    // the one healthy step is logged, nothing after it
    expect(stepsLogged(dir).map((s) => s.step)).toEqual([1]);
    // nothing to resume: the same command is refused, --overwrite starts again
    const again = cli(...trainArgs(dir, "--lr", "1e30"));
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(
      /holds a run that stopped after 1 step\(s\), before its first checkpoint/,
    );
  });

  it("keeps the last good checkpoint and best model when it diverges after them", async () => {
    const cfg = glue("diverged-later", { evalSteps: 2 });
    await train(cfg, { quiet: true, stopAfter: 2 });
    // Blow up AdamW's first moments: the next update sends the weights past float32's range.
    const last = join(cfg.outputDir, RUN_FILES.last);
    const { tensors, metadata } = loadTensors(last);
    for (const [name, t] of tensors) {
      const huge = new Float32Array(t.bytes.byteLength / 4).fill(1e30);
      if (name.startsWith("optimizer.mu.")) tensors.set(name, { ...t, bytes: new Uint8Array(huge.buffer) });
    }
    saveTensors(last, tensors, metadata);
    const before = snapshot(cfg.outputDir);
    const run = train({ ...cfg, resume: true }, { quiet: true });
    await expect(run).rejects.toThrow(TrainingDiverged);
    await expect(run).rejects.toThrow(
      new RegExp(`diverged at step \\d .*the last good checkpoint \\(step 2\\) is kept in ${last}`),
    );
    const after = snapshot(cfg.outputDir);
    for (const f of [RUN_FILES.last, RUN_FILES.best]) expect(after[f], f).toBe(before[f]);
    expect(existsSync(join(cfg.outputDir, RUN_FILES.metrics))).toBe(false);
  });

  it("stops a QA run the same way, its last good checkpoint kept and finite", async () => {
    const cfg = {
      ...glue("qa-diverged"),
      task: "squad-distractor",
      dataDir: "test/fixtures/qa/squad-small.json",
      model: "test/fixtures/hf/bert-tiny",
      maxSeqLength: 64,
      batchSize: 4,
      maxSteps: 4,
      evalSteps: 1,
      evalBatchSize: 8,
      lr: 1e30,
      nDrop: 1,
    };
    const settings = { ...QA_DEFAULTS, docStride: 16, maxQueryLength: 16, nCrop: 1, distractors: 2 };
    const run = train(cfg, { quiet: true }, settings);
    await expect(run).rejects.toThrow(
      /^train: diverged at step 2 \(lr 7\.50e\+29\): the loss of variant "full" became NaN; the last good checkpoint \(step 1\)/,
    );
    expect(loadTensorMetadata(join(cfg.outputDir, RUN_FILES.last)).step).toBe("1");
    for (const f of [RUN_FILES.best, RUN_FILES.last]) {
      for (const [name, t] of loadTensors(join(cfg.outputDir, f)).tensors) {
        if (t.dtype !== "F32") continue;
        const data = new Float32Array(t.bytes.slice().buffer);
        expect(data.every(Number.isFinite), `${f} ${name}`).toBe(true);
      }
    }
    expect(existsSync(join(cfg.outputDir, RUN_FILES.metrics))).toBe(false);
    // weights past float32's range at the first evaluation: refused before they are written
    const inf = train({ ...cfg, outputDir: join(root, "qa-inf"), lr: 1e39 }, { quiet: true }, settings);
    await expect(inf).rejects.toThrow(
      /^train: diverged at step 1 \(lr 1\.00e\+39\): the weights became non-finite/,
    );
    expect(existsSync(join(root, "qa-inf", RUN_FILES.best))).toBe(false);
    expect(existsSync(join(root, "qa-inf", RUN_FILES.last))).toBe(false);
  });
});

describe("a folder that holds a run", () => {
  it("is refused when finished, reported by --resume without a change, and trained again by --overwrite", () => {
    const dir = join(root, "finished");
    const first = cli(...trainArgs(dir, "--max-steps", "2", "--eval-steps", "2"));
    expect(first.code, first.stderr).toBe(0);
    const finished = snapshot(dir);

    const again = cli(...trainArgs(dir, "--max-steps", "2", "--eval-steps", "2"));
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    expect(again.stderr).toMatch(
      /^cmploss: .*finished holds a run finished at step 2 \(dev accuracy \d\.\d{4} final, best \d\.\d{4} at step 2\); add --overwrite .*another --output-dir/,
    );
    expect(snapshot(dir)).toEqual(finished);

    const resumed = cli(...trainArgs(dir, "--max-steps", "2", "--eval-steps", "2", "--resume"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /already finished at step 2 \(dev accuracy \d\.\d{4} final.*no file changed/,
    );
    expect(resumed.stdout).toMatch(/^dev accuracy: \d\.\d{4} \(final, step 2\)/);
    expect(resumed.stdout).not.toMatch(/NaN| 0\.0 train examples/);
    expect(snapshot(dir)).toEqual(finished);

    const both = cli(...trainArgs(dir, "--resume", "--overwrite"));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--resume and --overwrite exclude each other/);
    expect(snapshot(dir)).toEqual(finished);

    // an archived run (scripts/archive-runs.sh) has no weights: still finished
    for (const f of [RUN_FILES.last, RUN_FILES.best]) rmSync(join(dir, f));
    const archived = cli(...trainArgs(dir, "--max-steps", "2", "--eval-steps", "2", "--resume"));
    expect(archived.code, archived.stderr).toBe(0);
    expect(archived.stderr).toMatch(/already finished at step 2/);

    // --overwrite: a fresh run, nothing of the old one left (a stale utility curve included); temporary files of a
    // dead writer go, a live process's stay
    writeFileSync(join(dir, "utility.json"), "[]");
    const orphan = `.${RUN_FILES.last}.${deadPid()}.tmp`;
    const live = `.${RUN_FILES.best}.${process.pid}.tmp`;
    writeFileSync(join(dir, orphan), "partial");
    writeFileSync(join(dir, live), "in flight");
    const over = cli(...trainArgs(dir, "--max-steps", "3", "--eval-steps", "3", "--overwrite"));
    expect(over.code, over.stderr).toBe(0);
    expect(over.stderr).toMatch(/--overwrite: deleted the earlier run in .*finished/);
    expect(over.stderr).toMatch(new RegExp(`deleted 1 orphaned temporary file\\(s\\) \\(\\${orphan}\\)`));
    expect(existsSync(join(dir, "utility.json"))).toBe(false);
    expect(existsSync(join(dir, orphan))).toBe(false);
    expect(existsSync(join(dir, live))).toBe(true);
    expect(stepsLogged(dir).map((s) => s.step)).toEqual([1, 2, 3]);
    expect(JSON.parse(readFileSync(join(dir, RUN_FILES.run), "utf8")).config.overwrite).toBe(false);
  });

  it("is refused when interrupted; --resume drops a torn last log line and names any other bad line", async () => {
    const cfg = glue("interrupted");
    await train(cfg, { quiet: true, stopAfter: 5 });
    const dir = cfg.outputDir;
    const interrupted = snapshot(dir);
    const plain = cli(...trainArgs(dir));
    expect(plain.code).toBe(2);
    expect(plain.stderr.trim()).toMatch(
      /^cmploss: .*interrupted holds an interrupted run \(checkpoint at step 5\); add --resume to continue it, or --overwrite to delete it and start again$/,
    );
    expect(snapshot(dir)).toEqual(interrupted);

    const log = join(dir, RUN_FILES.steps);
    const good = readFileSync(log, "utf8");
    // a line in the middle that is not JSON: an error naming the file and line
    writeFileSync(log, good.replace("\n", '\n{"step":2,"lo\n'));
    const bad = cli(...trainArgs(dir, "--resume"));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n").at(-1)).toBe(
      `cmploss: ${log}:2: expected a JSON record, got "{\\"step\\":2,\\"lo"`,
    );
    // a torn final line (a kill -9 in the middle of an append): dropped, and said so
    writeFileSync(log, good);
    appendFileSync(log, '{"step":6,"epoch":0,"lr":0.0');
    const resumed = cli(...trainArgs(dir, "--resume"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at step 5 · dropped a torn last line of train_log\.jsonl/);
    expect(stepsLogged(dir).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("a killed run (kill -9, a machine taken back)", () => {
  it("resumes from its last --save-steps checkpoint on the same curve", async () => {
    const dir = join(root, "killed");
    const args = [
      ...["train", "--data-dir", "test/fixtures/sst2-tiny", "--output-dir", dir],
      ...["--max-steps", "60", "--batch-size", "8", "--eval-steps", "1000", "--max-seq-length", "32"],
    ];
    const run = startCli([...args, "--save-steps", "5"]);
    const last = join(dir, RUN_FILES.last);
    // killed as soon as the first checkpoint between evaluations is on disk: no signal handler runs
    while (!existsSync(last)) await new Promise((resolve) => setTimeout(resolve, 5));
    run.kill("SIGKILL");
    expect(await run.exited, run.stderr()).toBeNull();
    const saved = Number(loadTensorMetadata(last).step);
    expect(saved % 5).toBe(0);
    expect(saved).toBeLessThan(60);
    expect(existsSync(join(dir, RUN_FILES.metrics))).toBe(false);

    const resumed = cli(...args, "--save-steps", "5", "--resume");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming at step ${saved}`));
    const full = glue("killed-uninterrupted", { maxSteps: 60, evalSteps: 1000 });
    await train(full, { quiet: true });
    const curve = (d: string) => stepsLogged(d).map(({ step, variant_losses }) => ({ step, variant_losses }));
    expect(curve(dir)).toEqual(curve(full.outputDir));
  });
});

describe("an experiment with a diverging cell", () => {
  it("names the cell and the divergence, and trains the cell again once the settings are fixed", () => {
    const out = join(root, "grid");
    const args = ["experiment", "--tasks", "sst2", "--methods", "cmp", "--seeds", "1", "--output-dir", out];
    args.push("--data-dirs", "sst2=test/fixtures/sst2-tiny", "--max-steps", "3", "--batch-size", "8");
    args.push("--eval-steps", "3", "--max-seq-length", "32", "--utility-powers", "0", "--jobs", "2");
    const cell = join(out, "sst2", "cmp", "seed1");
    const r = cli(...args, "--lr", "1e30");
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(
      new RegExp(
        `^cmploss: experiment: the run in ${cell} failed \\(exit 1\\): train: diverged at step 2 .*; its output: .*train\\.log$`,
      ),
    );
    for (const f of [RUN_FILES.best, RUN_FILES.last, RUN_FILES.metrics])
      expect(existsSync(join(cell, f)), f).toBe(false);
    const fixed = cli(...args);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(stepsLogged(cell).map((s) => s.step)).toEqual([1, 2, 3]);
    expect(existsSync(join(cell, RUN_FILES.metrics))).toBe(true);
  });
});
