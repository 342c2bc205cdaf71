/** QA input through the CLI: bad answer offsets and data folders stop a run with one line before it trains. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./cliProcess.js";

const root = mkdtempSync(join(tmpdir(), "cmploss-qa-input-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SQUAD = "test/fixtures/qa/squad-small.json";
const HOTPOT = "test/fixtures/qa/hotpot-small.json";
const TINY = ["--model", "test/fixtures/hf/bert-tiny", "--max-seq-length", "64", "--doc-stride", "16"];
const TINY_RUN = [...TINY, "--max-query-length", "16", "--batch-size", "2", "--max-steps", "1"];

type Squad = { data: { paragraphs: { qas: { id: string; answers: { answer_start: number }[] }[] }[] }[] };

/** A SQuAD folder (train = dev = the fixture) whose train file has `edit` applied. */
function squadFolder(name: string, edit: (train: Squad) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const train = JSON.parse(readFileSync(SQUAD, "utf8")) as Squad;
  edit(train);
  writeFileSync(join(dir, "train-v1.1.json"), JSON.stringify(train));
  writeFileSync(join(dir, "dev-v1.1.json"), readFileSync(SQUAD));
  return dir;
}

describe("QA input checks (cmploss train)", () => {
  it("stops at load on an answer_start that does not point at the answer text, naming file and question", () => {
    // "Denver Broncos" starts at 177; one character off would train on a wrong span without a word.
    const dir = squadFolder("shifted", (f) => (f.data[0].paragraphs[0].qas[0].answers[0].answer_start = 178));
    const out = join(root, "shifted-run");
    const r = cli("train", "--task", "squad", "--data-dir", dir, "--output-dir", out, ...TINY_RUN);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      `cmploss: ${join(dir, "train-v1.1.json")}: expected data[0].paragraphs[0].qas[0].answers[0] of question ` +
        `"sb1" to read "Denver Broncos" at its answer_start 178, got "enver Broncos "`,
    );
    expect(existsSync(join(out, "run.json"))).toBe(false); // stopped before anything was written
  });

  it("stops at load on an answer_start past the end of its context (not at step 1 inside applyCrop)", () => {
    const dir = squadFolder("outside", (f) => (f.data[0].paragraphs[0].qas[1].answers[0].answer_start = 400));
    const r = cli(
      "train",
      "--task",
      "squad",
      "--data-dir",
      dir,
      "--output-dir",
      join(root, "o"),
      ...TINY_RUN,
    );
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.at(-1)).toBe(
      `cmploss: ${join(dir, "train-v1.1.json")}: expected data[0].paragraphs[0].qas[1].answers[0] of question ` +
        `"sb2" to read "24–10" at its answer_start 400, got answer_start 400 past the end of its 310-character context`,
    );
    expect(r.stderr).not.toMatch(/applyCrop/);
  });

  it("checks the distractor benchmark's one file the same way, counting every bad answer", () => {
    const file = join(root, "distractor.json");
    const squad = JSON.parse(readFileSync(SQUAD, "utf8")) as Squad;
    squad.data[1].paragraphs[0].qas[0].answers[0].answer_start = 0;
    squad.data[1].paragraphs[0].qas[1].answers[0].answer_start = 1000;
    writeFileSync(file, JSON.stringify(squad));
    const r = cli("train", "--task", "squad-distractor", "--data-dir", file, ...TINY_RUN);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(
      new RegExp(
        `^cmploss: ${file}: expected data\\[1\\]\\.paragraphs\\[0\\]\\.qas\\[0\\]\\.answers\\[0\\] of question "b1" ` +
          `to read "September 4, 1981" at its answer_start 0, got "Beyoncé 🎤 Gisell" \\(2 answers in the file do not match\\)$`,
      ),
    );
  });

  it("refuses one file as both train and dev for --task squad and hotpot (exit 2), saying what to give", () => {
    const squad = cli("train", "--task", "squad", "--data-dir", SQUAD, ...TINY_RUN);
    expect(squad.code).toBe(2);
    expect(squad.stderr.trim()).toBe(
      `cmploss: --data-dir ${SQUAD}: --task squad expected a folder with train-v1.1.json and dev-v1.1.json, ` +
        `got a file (one file for both would train and score on the same questions; --task squad-distractor ` +
        `splits one SQuAD file by article)`,
    );
    const hotpot = cli("train", "--task", "hotpot", "--data-dir", HOTPOT, ...TINY_RUN);
    expect(hotpot.code).toBe(2);
    expect(hotpot.stderr).toMatch(/--task hotpot expected a folder with hotpot_train_v1\.1\.json and/);
    const none = cli("train", "--task", "squad", ...TINY_RUN);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(
      "cmploss: --task squad: expected --data-dir <folder with train-v1.1.json and dev-v1.1.json>",
    );
  });

  it("says how many HotpotQA answers it could not locate instead of training them as no answer silently", () => {
    const dir = join(root, "hotpot");
    mkdirSync(dir);
    writeFileSync(join(dir, "hotpot_train_v1.1.json"), readFileSync(HOTPOT));
    writeFileSync(join(dir, "hotpot_dev_distractor_v1.json"), readFileSync(HOTPOT));
    const r = cli(
      "train",
      "--task",
      "hotpot",
      "--data-dir",
      dir,
      "--output-dir",
      join(root, "h"),
      ...TINY_RUN,
    );
    expect(r.code, r.stderr).toBe(0);
    const total = (JSON.parse(readFileSync(HOTPOT, "utf8")) as unknown[]).length;
    expect(r.stderr).toContain(
      `cmploss: ${join(dir, "hotpot_train_v1.1.json")}: 1 of ${total} answers found in no supporting paragraph ` +
        `(e.g. question "h5"); trained as no answer`,
    );
    expect(r.stderr).toContain(`hotpot_dev_distractor_v1.json: 1 of ${total} answers`);
  });
});
