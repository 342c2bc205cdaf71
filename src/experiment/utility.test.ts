import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { contextCurve, recordedBest, utilityCurve } from "./utility.js";

// The dev passes a curve still needs run as `cmploss eval --json` children; here a stand-in records the flags
// and answers one row per requested point.
const calls: string[][] = [];
vi.mock("./grid.js", () => ({
  runCli: (args: string[]) => {
    calls.push(args);
    const list = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1].split(",") : ["0"]);
    const rows = list("--max-paragraphs").flatMap((m) =>
      list("--force-dropout").map((k) => ({
        forceDropout: Number(k),
        rate: Number(k) / 10,
        maxParagraphs: args.includes("--max-paragraphs") ? Number(m) : null,
        value: 10 + Number(m) + Number(k),
        loss: null,
      })),
    );
    return Promise.resolve({ code: 0, stdout: JSON.stringify(rows) });
  },
}));
beforeEach(() => {
  calls.length = 0;
});

/** A run folder with a run.json and an eval log but no weights: any dev pass it asked for would fail. */
function runFolder(
  settings: object | undefined,
  task = "squad-distractor",
  metricScale = "fraction",
): string {
  const dir = mkdtempSync(join(tmpdir(), "cmploss-utility-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "run.json"), JSON.stringify({ config: { task }, settings, metricScale }));
  const evals = [
    { step: 2, metric: "f1", value: 40, loss: null, best: true },
    { step: 4, metric: "f1", value: 55, loss: null, best: true },
    { step: 6, metric: "f1", value: 50, loss: null, best: false },
  ];
  writeFileSync(join(dir, "eval_log.jsonl"), evals.map((e) => JSON.stringify(e)).join("\n") + "\n");
  return dir;
}

describe("curve points that a run already logged", () => {
  const qa = { maxParagraphs: null, distractors: 4 };

  it("reads the best evaluation (the last one marked best) of a run scored on the whole dev set", () => {
    expect(recordedBest(runFolder(qa))).toEqual({ value: 55, loss: null, paragraphs: 4 });
    expect(recordedBest(runFolder(undefined, "sst2"))).toEqual({ value: 55, loss: null, paragraphs: null });
    // trained and evaluated with fewer distractors: its log is not the whole-dev-set score
    expect(recordedBest(runFolder({ ...qa, maxParagraphs: 2 }))).toBeNull();
  });

  it("takes power 0 and every-paragraph points from the log instead of a dev pass, and caches them", async () => {
    const dir = runFolder(qa);
    expect(await utilityCurve(dir, [0])).toEqual([{ power: 0, rate: 0, value: 55, loss: null }]);
    expect(await contextCurve(dir, [4, 6])).toEqual([
      { maxParagraphs: 4, value: 55 },
      { maxParagraphs: 6, value: 55 },
    ]);
    expect(calls).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, "context.json"), "utf8"))).toHaveLength(2);
  });

  it("scores the other points in one child process per curve, in the order asked", async () => {
    const dir = runFolder(qa);
    expect((await utilityCurve(dir, [0, 2, 8])).map((p) => p.value)).toEqual([55, 12, 18]);
    expect((await contextCurve(dir, [4, 2, 0])).map((p) => p.value)).toEqual([55, 12, 10]);
    expect(calls.map((a) => a.slice(6, 8))).toEqual([
      ["--force-dropout", "2,8"],
      ["--max-paragraphs", "2,0"],
    ]);
    // a run evaluated on fewer distractors while training: nothing is taken from its log
    await utilityCurve(runFolder({ ...qa, maxParagraphs: 2 }), [0]);
    expect(calls[2].slice(6, 8)).toEqual(["--force-dropout", "0"]);
  });

  it("stores a QA run from before fractions (no metricScale in run.json) on its folder's 0–100 scale", async () => {
    const old = runFolder(qa, "squad-distractor", "");
    expect((await utilityCurve(old, [0, 2])).map((p) => p.value)).toEqual([55, 1200]);
  });
});
