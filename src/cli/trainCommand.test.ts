import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TRAIN_DEFAULTS } from "../train/config.js";
import { QA_DEFAULTS } from "../train/qaLoop.js";
import { qaSettingsFromArgs, trainConfigFromArgs } from "./trainCommand.js";

const dir = mkdtempSync(join(tmpdir(), "cmploss-traincmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

describe("train settings", () => {
  it("gives QA tasks SQuAD-style lengths and batches unless flags set them", () => {
    const qa = trainConfigFromArgs(["--task", "squad-distractor", "--model", "some/folder"]);
    expect(qa).toMatchObject({ maxSeqLength: 384, batchSize: 16, evalBatchSize: 32, lr: 5e-5 });
    const set = trainConfigFromArgs(["--task", "squad", "--model", "x/y", "--max-seq-length", "128"]);
    expect(set.maxSeqLength).toBe(128);
    expect(trainConfigFromArgs([]).maxSeqLength).toBe(TRAIN_DEFAULTS.maxSeqLength);
  });

  it("keeps QA flags out of the training config", () => {
    const config = trainConfigFromArgs(["--task", "squad-distractor", "--n-crop", "1", "--distractors", "2"]);
    expect(config).not.toHaveProperty("nCrop");
    expect(config).not.toHaveProperty("distractors");
  });

  it("reads a QA run.json's settings back, and lets its values win over the defaults", () => {
    const path = file("qa-run.json", {
      config: { ...TRAIN_DEFAULTS, task: "squad-distractor", model: "m/x", maxSeqLength: 128, lr: 3e-5 },
      settings: { ...QA_DEFAULTS, nCrop: 1, distractors: 2 },
    });
    const config = trainConfigFromArgs(["--config", path]);
    expect(config).toMatchObject({ maxSeqLength: 128, lr: 3e-5, batchSize: TRAIN_DEFAULTS.batchSize });
    expect(qaSettingsFromArgs(["--config", path], config.task)).toEqual({
      ...QA_DEFAULTS,
      nCrop: 1,
      distractors: 2,
    });
    const over = qaSettingsFromArgs(["--config", path, "--distractors", "3"], config.task);
    expect(over).toMatchObject({ nCrop: 1, distractors: 3 });
  });

  it("refuses unknown QA settings in a file, QA flags with GLUE tasks, and --n-crop without cmp", () => {
    const bad = file("bad.json", { config: { task: "squad" }, settings: { crops: 2 } });
    expect(() => trainConfigFromArgs(["--config", bad])).toThrow(/unknown QA settings crops/);
    expect(() => qaSettingsFromArgs(["--n-crop", "1"], "sst2")).toThrow(/only applies to QA tasks/);
    expect(() => trainConfigFromArgs(["--task", "squad", "--method", "ce", "--n-crop", "1"])).toThrow(
      /--n-crop only applies with --method cmp/,
    );
  });
});
