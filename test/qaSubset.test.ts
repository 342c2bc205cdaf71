/**
 * `--train-questions` / `--dev-questions`: a QA study sized to a machine trains and scores fixed seeded subsets,
 * the same for every method and seed, recorded in run.json (frozen on --resume) and used again by `cmploss eval`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadQaTask, questionSubset, type QaItem } from "../src/tasks/qa/data.js";
import { cli, TINY_QA_ABLATION } from "./cliProcess.js";

const FILE = "test/fixtures/qa/squad-small.json";
const root = mkdtempSync(join(tmpdir(), "cmploss-qasubset-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const items = (n: number): QaItem[] =>
  Array.from({ length: n }, (_, i) => ({ id: `q${i}`, question: "?", title: "t", units: [], answers: [] }));

describe("questionSubset", () => {
  it("keeps everything without a count, and says so when the count is not smaller", () => {
    const all = items(5);
    expect(questionSubset(all, null, "train")).toEqual({ items: all, note: null });
    const over = questionSubset(all, 5, "dev");
    expect(over.items).toBe(all);
    expect(over.note).toBe("--dev-questions 5: the dev split has only 5 questions; all used");
  });

  it("draws a fixed subset in the input's order, per split, independent of the items' content", () => {
    const a = questionSubset(items(100), 10, "train");
    expect(a.items).toHaveLength(10);
    expect(a.note).toBe("train: a fixed seeded subset of 10 of 100 questions (--train-questions)");
    const ids = a.items.map((it) => Number(it.id.slice(1)));
    expect(ids).toEqual([...ids].sort((x, y) => x - y)); // input order kept
    expect(new Set(ids).size).toBe(10);
    // the same draw every time (no run seed involved), whatever the items hold
    const renamed = items(100).map((it) => ({ ...it, id: `x${it.id}` }));
    expect(questionSubset(renamed, 10, "train").items.map((it) => it.id)).toEqual(ids.map((i) => `xq${i}`));
    // dev draws on its own stream: not the same indices as train
    const dev = questionSubset(items(100), 10, "dev").items.map((it) => it.id);
    expect(dev).not.toEqual(a.items.map((it) => it.id));
  });

  it("applies to a task's splits in loadQaTask, with the notes a run prints", async () => {
    const full = await loadQaTask("squad-distractor", FILE, { distractors: 2 });
    const sub = await loadQaTask("squad-distractor", FILE, {
      distractors: 2,
      trainQuestions: 3,
      devQuestions: 2,
    });
    expect(sub.train).toHaveLength(3);
    expect(sub.dev).toHaveLength(2);
    const fullIds = new Set(full.train.map((it) => it.id));
    expect(sub.train.every((it) => fullIds.has(it.id))).toBe(true);
    expect(sub.notes).toEqual([
      `train: a fixed seeded subset of 3 of ${full.train.length} questions (--train-questions)`,
      `dev: a fixed seeded subset of 2 of ${full.dev.length} questions (--dev-questions)`,
    ]);
  });
});

describe("a QA run on question subsets", () => {
  const model = join(root, "bert-tiny");
  const run = join(root, "run");
  const args = (...more: string[]) => [
    "train",
    ...["--task", "squad-distractor", "--data-dir", FILE, "--model", model, "--output-dir", run],
    ...["--max-seq-length", "64", "--batch-size", "2", "--eval-batch-size", "8", "--lr", "1e-3"],
    ...TINY_QA_ABLATION,
    ...more,
  ];

  it("trains and scores the subsets, records them, and refuses a changed subset on --resume", () => {
    cpSync("test/fixtures/hf/bert-tiny", model, { recursive: true });
    const r = cli(...args("--train-questions", "4", "--dev-questions", "2", "--max-steps", "2"));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("4 train / 2 dev questions");
    expect(r.stderr).toMatch(/train: a fixed seeded subset of 4 of \d+ questions \(--train-questions\)/);
    const runJson = JSON.parse(readFileSync(join(run, "run.json"), "utf8")) as {
      settings: Record<string, unknown>;
    };
    expect(runJson.settings).toMatchObject({ trainQuestions: 4, devQuestions: 2 });
    // cmploss eval scores the same two dev questions (and the context-size curve with them)
    const ev = cli("eval", "--output-dir", run, "--json", "--max-paragraphs", "2,0");
    expect(ev.code, ev.stderr).toBe(0);
    expect((JSON.parse(ev.stdout) as { count: number }[]).map((row) => row.count)).toEqual([2, 2]);

    const changed = cli(
      ...args("--train-questions", "4", "--dev-questions", "3", "--max-steps", "2", "--resume"),
    );
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain("settings.devQuestions: 2 → 3");
  });

  it("takes a run whose run.json predates the subset settings as one on all questions", () => {
    const runPath = join(run, "run.json");
    const runJson = JSON.parse(readFileSync(runPath, "utf8")) as { settings: Record<string, unknown> };
    delete runJson.settings.trainQuestions;
    delete runJson.settings.devQuestions;
    writeFileSync(runPath, JSON.stringify(runJson));
    const subset = cli(...args("--train-questions", "4", "--max-steps", "2", "--resume"));
    expect(subset.code).toBe(1);
    expect(subset.stderr).toContain("settings.trainQuestions: null → 4");
    const plain = cli(...args("--max-steps", "2", "--resume"));
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/already finished at step 2/);
  });
});
