import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lossOptions, TRAIN_DEFAULTS } from "../train/config.js";
import { QA_DEFAULTS } from "../tasks/qa/data.js";
import type { ComparativeLossOptions } from "../loss/index.js";
import { checkSetting } from "./args.js";
import {
  CONFIG_SCHEMA,
  QA_SCHEMA,
  qaSettingsFromArgs,
  settingsFile,
  trainConfigFromArgs,
} from "./trainCommand.js";

const dir = mkdtempSync(join(tmpdir(), "cmploss-traincmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
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

describe("--config schema", () => {
  it("is the flag table: every TrainConfig and QA setting has its flag, and the defaults fit it", () => {
    expect([...CONFIG_SCHEMA.keys()].sort()).toEqual(Object.keys(TRAIN_DEFAULTS).sort());
    expect([...QA_SCHEMA.keys()].sort()).toEqual(Object.keys(QA_DEFAULTS).sort());
    for (const [key, value] of Object.entries(TRAIN_DEFAULTS))
      expect(checkSetting(CONFIG_SCHEMA.get(key)!, value), key).toBeNull();
    for (const [key, value] of Object.entries(QA_DEFAULTS))
      expect(checkSetting(QA_SCHEMA.get(key)!, value), key).toBeNull();
  });

  const rejected: [string, unknown, string][] = [
    ["lr-text", { lr: "fast" }, '"lr" expected a number ≥ 0, got "fast"'],
    ["lr-null", { lr: null }, '"lr" expected a number ≥ 0, got null'],
    ["steps-text", { maxSteps: "3" }, '"maxSteps" expected an integer ≥ 1 or null, got "3"'],
    ["too-long", { maxSeqLength: 100000 }, '"maxSeqLength" expected an integer in [4, 512], got 100000'],
    ["group-text", { groupByLength: "no" }, '"groupByLength" expected true or false, got "no"'],
    ["ndrop-text", { config: { nDrop: "two" } }, '"nDrop" expected an integer in [0, 16], got "two"'],
    ["seed-text", { seed: "abc" }, '"seed" expected an integer ≥ 0, got "abc"'],
    ["method", { method: "cmpdrop" }, '"method" expected one of cmp, ce, rdrop, got "cmpdrop"'],
    ["model-null", { model: null }, '"model" expected a string, got null'],
    [
      "qa-range",
      { config: { task: "squad" }, settings: { nCrop: 9 } },
      '"settings.nCrop" expected an integer in [0, 8], got 9',
    ],
    ["qa-shape", { config: { task: "squad" }, settings: [] }, '"settings" expected an object of QA settings'],
    ["syntax", '{\n  "lr": 1e-3,\n  "method": cmp\n}', 'expected JSON, got "c" at line 3, column 13'],
    ["array", "[1]", "expected a JSON object of training settings, got an array"],
  ];
  for (const [name, json, message] of rejected) {
    it(`refuses ${name} naming the file and the setting`, () => {
      const path = file(`${name}.json`, json);
      expect(() => trainConfigFromArgs(["--config", path])).toThrow(`--config ${path}: ${message}`);
    });
  }

  it("accepts the run.json and experiment cell files of the published runs as written", () => {
    const files = readdirSync("docs/results", { recursive: true, encoding: "utf8" })
      .filter((f) => /(^|\/)(run|grid-config)\.json$/.test(f))
      .map((f) => join("docs/results", f));
    expect(files.length).toBeGreaterThan(10);
    for (const path of files) expect(() => settingsFile(path), path).not.toThrow();
  });

  it("says a missing file is missing", () => {
    const path = join(dir, "absent.json");
    expect(() => trainConfigFromArgs(["--config", path])).toThrow(
      `--config ${path}: expected a JSON file of training settings, got no such file`,
    );
  });

  it("reads clipping stored as null (off) back as off, and --max-grad-norm none too", () => {
    const path = file(
      "off.json",
      JSON.parse(JSON.stringify({ config: { ...TRAIN_DEFAULTS, maxGradNorm: Infinity } })),
    );
    expect(trainConfigFromArgs(["--config", path]).maxGradNorm).toBe(Infinity);
    expect(trainConfigFromArgs(["--max-grad-norm", "none"]).maxGradNorm).toBe(Infinity);
    expect(trainConfigFromArgs(["--max-grad-norm", "0"]).maxGradNorm).toBe(Infinity);
    expect(
      trainConfigFromArgs(["--data-dir", "x", "--config", file("dd.json", { dataDir: null })]).dataDir,
    ).toBe("x");
  });

  it("refuses a --model folder that is not there or has no config.json before anything runs", () => {
    expect(() => trainConfigFromArgs(["--model", "/nonexistent"])).toThrow(
      /--model \/nonexistent: expected a preset/,
    );
    expect(() => trainConfigFromArgs(["--model", dir])).toThrow(
      `--model ${dir}: expected a Hugging Face model folder with config.json`,
    );
  });
});

describe("loss flags → comparativeLoss options (lossOptions)", () => {
  it("maps the defaults and each mode's flags onto its union member", () => {
    expect(lossOptions(trainConfigFromArgs([]))).toEqual({
      kind: "cmp",
      target: "ultra",
      temperature: 1,
      listwise: false,
    });
    expect(
      lossOptions(trainConfigFromArgs(["--loss-target", "first", "--cr-temp", "0.5", "--listwise"])),
    ).toEqual({ kind: "cmp", target: "first", temperature: 0.5, listwise: true });
    expect(lossOptions(trainConfigFromArgs(["--no-just-cmp"]))).toEqual({
      kind: "regulariser",
      primary: "max",
      weight: 0,
      schedule: false,
      temperature: 1,
      listwise: false,
    });
    const regulariser = ["--no-just-cmp", "--loss-primary", "avg", "--cr-weight", "0.5", "--cr-schedule"];
    expect(lossOptions(trainConfigFromArgs(regulariser))).toEqual({
      kind: "regulariser",
      primary: "avg",
      weight: 0.5,
      schedule: true,
      temperature: 1,
      listwise: false,
    });
  });

  it("refuses a flag of the other mode, as before", () => {
    expect(() => trainConfigFromArgs(["--cr-weight", "1"])).toThrow(
      /--cr-weight only apply with --no-just-cmp/,
    );
    expect(() => trainConfigFromArgs(["--no-just-cmp", "--loss-target", "best"])).toThrow(
      /--loss-target only applies with --just-cmp/,
    );
  });

  it("reaches every option set of the loss fixtures from flags, so their values hold for the CLI", () => {
    // test/fixtures/loss.json (dev/python/gen_loss_fixtures.py) holds the golden values per option set.
    const fixture = JSON.parse(readFileSync("test/fixtures/loss.json", "utf8")) as {
      tables: { cases: { options: ComparativeLossOptions }[] }[];
    };
    const optionSets = fixture.tables[0].cases.map((c) => c.options);
    expect(optionSets.length).toBe(76);
    for (const o of optionSets) {
      const ranking = ["--cr-temp", String(o.temperature), o.listwise ? "--listwise" : "--no-listwise"];
      const argv =
        o.kind === "cmp"
          ? ["--just-cmp", "--loss-target", String(o.target), ...ranking]
          : [
              "--no-just-cmp",
              "--loss-primary",
              o.primary,
              "--cr-weight",
              String(o.weight),
              o.schedule ? "--cr-schedule" : "--no-cr-schedule",
              ...ranking,
            ];
      expect(lossOptions(trainConfigFromArgs(argv)), argv.join(" ")).toEqual(o);
    }
  });
});
